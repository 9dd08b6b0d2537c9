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
import { CloseCode, SyncStep, encodeSyncMessage, type CloseCodeInfo, type Role } from '../shared/protocol.ts'
import type { TokenClaims } from './auth.ts'
import type { Connection, RoomSocket } from './connection.ts'
import type { JoinLimit } from './join-limit.ts'
import type { Room } from './room.ts'
import type { RoomRegistry } from './room-registry.ts'
import type { AccountStore, StoredDoc } from './storage/storage.ts'
import { storedAnswer, syncOpening } from './stored-answer.ts'

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
  /** What the socket sends before the join: a fresh client's sync step 1 in it is answered while the room loads (stored-answer.ts). */
  early?: EarlyMessages
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
  // The room loads the stored document before it answers anything; a client with nothing gets that
  // document as soon as it is read.
  const acquiring = rooms.acquire(listId)
  const stored = answerFromStorage(deps, listId, grant, socket, hooks)
  const room = await acquiring
  try {
    if (!hooks.isOpen()) return
    let { role, accessVersion } = grant
    if (rooms.accessVersion(listId) !== accessVersion) {
      // The list's access changed since the role was read: read it again.
      accessVersion = rooms.accessVersion(listId)
      const current = await accounts.getRole(listId, claims.userId)
      if (!current) return socket.close(CloseCode.Forbidden)
      if (!hooks.isOpen()) return
      role = current
    }
    const conn = room.join(socket, { userId: claims.userId, name: claims.name, role })
    // What was sent from storage is what this room was built from (not, after a failed load, an earlier read).
    if (stored && rooms.wasBuiltFrom(room, stored)) hooks.early?.answeredUpTo(room.storedStateVector)
    else hooks.early?.answeredUpTo(null)
    hooks.joined(room, conn)
    // A change that landed while the role was being re-read reaches this connection now.
    if (rooms.accessVersion(listId) !== accessVersion) {
      room.changeAccess(claims.userId, await accounts.getRole(listId, claims.userId))
    }
  } finally {
    rooms.release(room)
  }
}

/**
 * While the room loads, sends the stored document to a client that has
 * nothing, once both are there: the stored document read and the client's
 * sync step 1 kept (stored-answer.ts). Not to a socket closed meanwhile, nor
 * one whose list access changed since it was authorized.
 */
function answerFromStorage(deps: RoomJoinDeps, listId: string, grant: Grant, socket: RoomSocket, hooks: JoinHooks): Promise<StoredDoc> | null {
  const { early } = hooks
  const stored = deps.rooms.storedDocWhileLoading(listId)
  if (!early || !stored) return null
  void stored.then((doc) => {
    const messages = storedAnswer(doc)
    if (!messages) return
    early.answerFreshSync(() => {
      if (!hooks.isOpen() || deps.rooms.accessVersion(listId) !== grant.accessVersion) return false
      for (const message of messages) socket.send(message)
      return true
    })
  })
  return stored
}

/** Messages a client may send while its room is still loading. */
const MAX_EARLY_MESSAGES = 256

/**
 * What a client sends before its room has loaded, kept in order for the
 * room. Its sync step 1 may be answered from storage meanwhile
 * (`answerFreshSync`); the room then gets it restated as holding what was
 * sent (`answeredUpTo`).
 */
export class EarlyMessages {
  private messages: Uint8Array[] | null = []
  /** Answers a fresh client's sync step 1 from storage (true if it did), until the first sync step 1 has been looked at. */
  private answer: (() => boolean) | null = null
  /** How many kept messages `answer` has looked at. */
  private looked = 0
  /** Where the sync step 1 answered from storage is kept. */
  private answeredAt = -1

  /** Keeps a message; false once the bound is passed (the sender is closed with 4529). */
  push(message: Uint8Array): boolean {
    if (!this.messages || this.messages.length >= MAX_EARLY_MESSAGES) return false
    this.messages.push(message)
    this.tryAnswer()
    return true
  }

  /** Calls `answer` for the client's first sync step 1 if its state vector is empty, now or once it comes; once at most. */
  answerFreshSync(answer: () => boolean): void {
    if (!this.messages) return
    this.answer = answer
    this.tryAnswer()
  }

  /**
   * The room joined: the sync step 1 answered from storage is restated as
   * holding `stateVector`, the state of what was sent; null keeps it as the
   * client sent it (the room then sends everything again, which Yjs applies
   * as a no-op where it overlaps).
   */
  answeredUpTo(stateVector: Uint8Array | null): void {
    this.answer = null
    if (!this.messages || this.answeredAt < 0 || !stateVector) return
    this.messages[this.answeredAt] = encodeSyncMessage(SyncStep.Step1, stateVector)
  }

  private tryAnswer(): void {
    const messages = this.messages
    if (!this.answer || !messages) return
    for (; this.looked < messages.length; this.looked++) {
      const opening = syncOpening(messages[this.looked]!)
      if (opening === 'other') continue
      if (opening === 'fresh-step1' && this.answer()) this.answeredAt = this.looked
      this.answer = null
      return
    }
  }

  /** Hands every kept message to `receive`, in order; nothing is kept after. */
  flush(receive: (message: Uint8Array) => void): void {
    const messages = this.messages ?? []
    this.messages = null
    for (const message of messages) receive(message)
  }
}
