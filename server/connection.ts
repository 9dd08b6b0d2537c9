/**
 * A client connection inside a room: who it is, what it speaks for, and the
 * socket it writes to.
 *
 * The room never touches a network library: a connection wraps a two-method
 * `RoomSocket`, so tests drive rooms with plain objects and the `ws` glue
 * (ws-server.ts) stays thin.
 */
import { SyncStep, encodeSyncMessage, type CloseCodeInfo, type Role } from '../shared/protocol.ts'
import type { TokenBucket } from './rate-limit.ts'

/** What a room needs of a socket: send a binary message, close with a code. */
export interface RoomSocket {
  send(message: Uint8Array): void
  /** Closes with `close`'s code, and its reason unless `detail` says more. */
  close(close: CloseCodeInfo, detail?: string): void
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
  /** The QueryAwareness answers left to this connection (client-messages.ts); made at its first query. */
  awarenessQueries: TokenBucket | null = null
  /** Set once the client sent Hello: it understands Colist's own messages. */
  colistClient = false
  /**
   * Updates that build on what the client's next sync step 2 carries (its
   * offline edits, or writes the room refused before the user was promoted),
   * waiting for it (client-messages.ts).
   */
  readonly heldUpdates: Uint8Array[] = []
  /** Sync step 1s the room sent that the client has not answered with its step 2 yet. */
  private unansweredStep1 = 0
  private closed = false

  constructor(
    readonly socket: RoomSocket,
    /** Replaced when the user's role on the list changes (Room.changeAccess). */
    public identity: ConnectionIdentity,
  ) {}

  get isClosed(): boolean {
    return this.closed
  }

  /**
   * Sends the room's state vector as a sync step 1: any y-websocket client
   * answers with a step 2 holding everything it has that the room lacks.
   */
  requestStep2(stateVector: Uint8Array): void {
    this.send(encodeSyncMessage(SyncStep.Step1, stateVector))
    this.unansweredStep1++
  }

  /**
   * A sync step 2 arrived (a client answers each step 1 with one, in order).
   * Returns true if it answered the last step 1 the room sent.
   */
  answeredStep1(): boolean {
    if (this.unansweredStep1 === 0) return false
    return --this.unansweredStep1 === 0
  }

  /** Whether a step 2 the room asked for is still to come: until it is, an update may build on what it carries. */
  get awaitingStep2(): boolean {
    return this.unansweredStep1 > 0
  }

  send(message: Uint8Array): void {
    if (!this.closed) this.socket.send(message)
  }

  close(info: CloseCodeInfo, detail?: string): void {
    if (this.closed) return
    this.closed = true
    this.socket.close(info, detail)
  }
}
