/**
 * A client connection inside a room: who it is, what it speaks for, and the
 * socket it writes to.
 *
 * The room never touches a network library: a connection wraps a two-method
 * `RoomSocket`, so tests drive rooms with plain objects and the `ws` glue
 * (ws-server.ts) stays thin.
 */
import type { CloseCodeInfo, Role } from '../shared/protocol.ts'

/** What a room needs of a socket: send a binary message, close with a code. */
export interface RoomSocket {
  send(message: Uint8Array): void
  close(code: number, reason: string): void
}

/** Who is on the other end of a connection, and with which role on the list. */
export interface ConnectionIdentity {
  userId: string
  name: string
  role: Role
}

/** A client connection inside a room. */
export class Connection {
  /** Awareness clientIDs this connection speaks for. */
  readonly awarenessIds = new Set<number>()
  /** Set once the client sent Hello: it understands Colist's own messages. */
  colistClient = false
  /**
   * Set once the client answered the room's sync step 1 with its step 2.
   * Until then, an update that builds on what that step 2 will carry (the
   * client's offline edits) waits in `heldUpdates` (client-messages.ts).
   */
  sentStep2 = false
  readonly heldUpdates: Uint8Array[] = []
  private closed = false

  constructor(
    readonly socket: RoomSocket,
    /** Replaced when the user's role on the list changes (Room.changeAccess). */
    public identity: ConnectionIdentity,
  ) {}

  get isClosed(): boolean {
    return this.closed
  }

  send(message: Uint8Array): void {
    if (!this.closed) this.socket.send(message)
  }

  close(info: CloseCodeInfo, detail?: string): void {
    if (this.closed) return
    this.closed = true
    this.socket.close(info.code, detail ?? info.reason)
  }
}
