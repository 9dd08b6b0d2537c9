/**
 * How a user's socket comes to be in a list's room, the same for a list's
 * own socket (ws-server.ts) and a list's channel on a device socket
 * (device-socket.ts): joins per user per minute (4529: join-limit.ts), the
 * role check (no list 4004, no role 4003, presence
 * refused there too often lately 4431: presence-penalty.ts), the join
 * once the room has loaded with a role change racing it caught by the list's
 * access version, and the messages the client sent meanwhile, kept (bounded)
 * and handed to the room right after the join.
 */
import { CloseCode, type CloseCodeInfo, type Role } from '../shared/protocol.ts'
import type { TokenClaims } from './auth.ts'
import type { Connection, RoomSocket } from './connection.ts'
import type { JoinLimit } from './join-limit.ts'
import type { Room } from './room.ts'
import type { RoomRegistry } from './room-registry.ts'
import type { AccountStore } from './storage/storage.ts'

export interface RoomJoinDeps {
  accounts: AccountStore
  rooms: RoomRegistry
  /** Joins per user per minute (join-limit.ts); none: unlimited. */
  joins?: Pick<JoinLimit, 'admit'>
}

/** What a successful authorization hands to the join: who, with which role, read at which access version. */
export interface Grant {
  claims: TokenClaims
  role: Role
  accessVersion: number
}

/** Whether the token's user may open the list: a grant, or the close code that says why not. */
export async function authorizeList(deps: RoomJoinDeps, listId: string, claims: TokenClaims): Promise<{ grant: Grant } | { close: CloseCodeInfo }> {
  // First, before any read: a client in a reconnect loop costs no more than this.
  if (deps.joins && !(await deps.joins.admit(claims.userId))) return { close: CloseCode.RateLimited }
  // Noted before the role is read: if it moves before the join, the role is read again.
  const accessVersion = deps.rooms.accessVersion(listId)
  const [list, role] = await Promise.all([deps.accounts.getList(listId), deps.accounts.getRole(listId, claims.userId)])
  if (!list) return { close: CloseCode.NotFound }
  if (!role) return { close: CloseCode.Forbidden }
  // Presence refused there again and again lately: not for a while (the reconnect loop of a client sending it).
  if (!deps.rooms.admitsPresenceOf(listId, claims.userId)) return { close: CloseCode.AwarenessTooBig }
  return { grant: { claims, role, accessVersion } }
}

export interface JoinHooks {
  /** Whether the socket still wants the room; checked after every wait. */
  isOpen(): boolean
  /** Runs synchronously right after the join, before any other message can reach the room. */
  joined(room: Room, conn: Connection): void
}

/**
 * Loads (or finds) the list's room and joins `socket` to it with the grant's
 * role, read again if the list's access changed since it was read; a user
 * who lost access meanwhile is closed with 4003. Rejects with a
 * `ProtocolError` if the list was deleted (4004) or its storage failed (4500)
 * meanwhile.
 */
export async function joinRoom(deps: RoomJoinDeps, listId: string, grant: Grant, socket: RoomSocket, hooks: JoinHooks): Promise<void> {
  const { rooms, accounts } = deps
  const { claims } = grant
  // The room loads the stored document before it answers anything.
  const room = await rooms.acquire(listId)
  try {
    if (!hooks.isOpen()) return
    let { role, accessVersion } = grant
    if (rooms.accessVersion(listId) !== accessVersion) {
      // The list's access changed since the role was read: read it again.
      accessVersion = rooms.accessVersion(listId)
      const current = await accounts.getRole(listId, claims.userId)
      if (!current) return socket.close(CloseCode.Forbidden.code, CloseCode.Forbidden.reason)
      if (!hooks.isOpen()) return
      role = current
    }
    const conn = room.join(socket, { userId: claims.userId, name: claims.name, role })
    hooks.joined(room, conn)
    // A change that landed while the role was being re-read reaches this connection now.
    if (rooms.accessVersion(listId) !== accessVersion) {
      room.changeAccess(claims.userId, await accounts.getRole(listId, claims.userId))
    }
  } finally {
    rooms.release(room)
  }
}

/** Messages a client may send while its room is still loading. */
const MAX_EARLY_MESSAGES = 256

/** What a client sends before its room has loaded, kept in order for the room. */
export class EarlyMessages {
  private messages: Uint8Array[] | null = []

  /** Keeps a message; false once the bound is passed (the sender is closed with 4529). */
  push(message: Uint8Array): boolean {
    if (!this.messages || this.messages.length >= MAX_EARLY_MESSAGES) return false
    this.messages.push(message)
    return true
  }

  /** Hands every kept message to `receive`, in order; nothing is kept after. */
  flush(receive: (message: Uint8Array) => void): void {
    const messages = this.messages ?? []
    this.messages = null
    for (const message of messages) receive(message)
  }
}
