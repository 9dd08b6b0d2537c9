/**
 * The storage seam. Everything the server keeps durably goes through this
 * interface: list documents (a snapshot plus an append-only update log) and
 * accounts (users, lists, memberships). The in-memory and LevelDB
 * implementations pass one contract suite (`storage.contract.ts`); a shared
 * PostgreSQL store can be added later without touching the room logic.
 *
 * Implementations raise errors; they never swallow them.
 */
import type { ActivityEvent } from '../../shared/activity.ts'
import type { Role } from '../../shared/protocol.ts'

export interface UserRecord {
  id: string
  /** Lower-cased; unique. */
  email: string
  name: string
  passwordHash: string
  createdAt: number
}

export interface ListRecord {
  id: string
  title: string
  ownerId: string
  createdAt: number
}

export interface MembershipRecord {
  listId: string
  userId: string
  role: Role
}

/** What is stored for one list document. */
export interface StoredDoc {
  /** A merged Yjs update holding every log entry up to `snapshotSeq`, or null. */
  snapshot: Uint8Array | null
  /** Sequence number of the last log entry folded into the snapshot (0 if none). */
  snapshotSeq: number
  /** Log entries after the snapshot, in append order. */
  updates: Uint8Array[]
  /** Sequence number of the last entry in `updates` (equals snapshotSeq if none). */
  lastSeq: number
}

export interface DocLogStats {
  /** Entries in the log after the snapshot. */
  logLength: number
  /** Bytes of those entries. */
  logBytes: number
  /** Bytes of the snapshot. */
  snapshotBytes: number
}

export interface DocumentStore {
  /** Reads a document; an unknown id yields an empty StoredDoc. */
  loadDoc(docId: string): Promise<StoredDoc>
  /**
   * Appends updates durably, in order, as one atomic write. Resolves with the
   * sequence number of the last one once they survive a process crash.
   */
  appendUpdates(docId: string, updates: Uint8Array[]): Promise<number>
  /**
   * Replaces the snapshot and deletes log entries up to `throughSeq`
   * atomically: a reader sees the old snapshot and log or the new ones. `snapshot` must contain at least every entry ≤ throughSeq
   * (extra content is fine: Yjs updates are idempotent). `snapshot` is the
   * store's from the call on: the caller must not change it afterwards (a
   * large one is written in parts without a copy of it on the event loop).
   */
  compactDoc(docId: string, snapshot: Uint8Array, throughSeq: number): Promise<void>
  docStats(docId: string): Promise<DocLogStats>
  deleteDoc(docId: string): Promise<void>
}

export class ConflictError extends Error {
  override name = 'ConflictError'
}

export interface AccountStore {
  /** Throws ConflictError if the email is taken. */
  createUser(user: UserRecord): Promise<void>
  getUserById(id: string): Promise<UserRecord | null>
  getUserByEmail(email: string): Promise<UserRecord | null>
  /**
   * Compare-and-set: if the user's password hash is still `expected`, replaces
   * it with `next` and returns true; otherwise (no such user, or the hash
   * changed meanwhile) changes nothing and returns false. A log-in uses it to
   * store a hash at the current cost in place of an older one, without ever
   * undoing a change made meanwhile.
   */
  setPasswordHash(userId: string, expected: string, next: string): Promise<boolean>

  /** Creates the list and the owner's membership in one atomic write. */
  createList(list: ListRecord): Promise<void>
  getList(id: string): Promise<ListRecord | null>
  renameList(id: string, title: string): Promise<void>
  /** Deletes the list, all its memberships, its document, its activity and its invitations. */
  deleteList(id: string): Promise<void>

  /** Inserts or changes a membership. */
  setMember(listId: string, userId: string, role: Role): Promise<void>
  removeMember(listId: string, userId: string): Promise<void>
  getRole(listId: string, userId: string): Promise<Role | null>
  listMembers(listId: string): Promise<MembershipRecord[]>
  /** Lists the user can access, with their role, oldest first. */
  listsForUser(userId: string): Promise<Array<{ list: ListRecord; role: Role }>>
}

/** How much of a list's activity is kept: the newest `maxEvents`, none with `at` before `notBefore`. */
export interface ActivityBound {
  maxEvents: number
  notBefore: number
}

/**
 * Each list's activity feed (shared/activity.ts): events ordered by id
 * (code-point order, newest greatest), bounded on every write.
 */
export interface ActivityStore {
  /**
   * Stores `events` of the list and trims it to `bound`, as one atomic write.
   * An id already stored for the list is ignored (the first one stays). A
   * list that does not exist (or is deleted meanwhile) stores nothing.
   */
  appendActivity(listId: string, events: ActivityEvent[], bound: ActivityBound): Promise<void>
  /** Newest first: at most `limit` events with an id below `before` (all if absent) and `at` ≥ `notBefore`. */
  listActivity(listId: string, query: { before?: string; limit: number; notBefore: number }): Promise<ActivityEvent[]>
}

/**
 * A signed-in device: every token names one (its `sid` claim, server/auth.ts).
 * Ending the session ends its token at once; refreshing replaces the one
 * token that works (`tokenId`). See server/sessions.ts.
 */
export interface SessionRecord {
  id: string
  userId: string
  /** What the user will recognise the device by, from its User-Agent at sign-in. */
  device: string
  createdAt: number
  /** Last request or socket with its token (recorded at most once a minute or so). */
  lastUsedAt: number
  /** The id (`jti`) of the session's one working token. */
  tokenId: string
  /** When that token expires: the session cannot be used past it. */
  expiresAt: number
  /** The token `tokenId` replaced (absent before the first refresh). */
  previousTokenId?: string
  /** When it was replaced. */
  rotatedAt?: number
}

export interface SessionStore {
  /** Throws ConflictError if the id exists. */
  createSession(session: SessionRecord): Promise<void>
  getSession(id: string): Promise<SessionRecord | null>
  /**
   * Compare-and-set, atomic across nodes: if the session still has token
   * `expectedTokenId`, gives it `next.tokenId` and `next.expiresAt` (and
   * `lastUsedAt` ≥ `next.at`), keeping the replaced one as `previousTokenId`
   * with `rotatedAt` = `next.at`, and returns true. If `expectedTokenId` is
   * the `previousTokenId`, replaced at most `graceMs` before `next.at` (a
   * refresh whose answer was lost, retried), it gives `next` the same way but
   * keeps `previousTokenId` and `rotatedAt` (the grace never extends), so the
   * token of the lost answer stops working. Otherwise (gone, or an older
   * token) changes nothing and returns false.
   */
  rotateSession(id: string, expectedTokenId: string, next: { tokenId: string; expiresAt: number; at: number }, graceMs?: number): Promise<boolean>
  /** Moves `lastUsedAt` forward to `at` (never back); a missing session is a no-op. */
  touchSession(id: string, at: number): Promise<void>
  /** Returns whether it existed. */
  deleteSession(id: string): Promise<boolean>
  /** Deletes every session of the user; returns the ids deleted. */
  deleteUserSessions(userId: string): Promise<string[]>
  /** Deletes every session whose token expired at or before `now` (it can never be used again); returns how many. */
  deleteExpiredSessions(now: number): Promise<number>
  /** The user's sessions, oldest first (createdAt, then id). */
  listSessions(userId: string): Promise<SessionRecord[]>
}

/**
 * An invitation to a list (server/invitations.ts): by email (for that address
 * only, used once) or by link (anyone holding it, until it expires). Only a
 * hash of its token is stored. A revoked, reset or accepted invitation stays
 * stored (so its link can say why it no longer works) until the sweep deletes
 * it some time after `expiresAt`.
 */
export interface InvitationRecord {
  id: string
  listId: string
  /** SHA-256 of the link's token, hex; unique. */
  tokenHash: string
  role: 'editor' | 'viewer'
  /** Lower-cased; null for a link anyone may use. */
  email: string | null
  createdBy: string
  createdAt: number
  expiresAt: number
  /** `reset`: replaced by a new link (`replaceInvitation`). */
  state: 'pending' | 'accepted' | 'revoked' | 'reset'
  /** When it left `pending`. */
  endedAt?: number
  /** Who accepted an email invitation. */
  acceptedBy?: string
}

export interface InvitationStore {
  /** Throws ConflictError if the id or token hash exists, and an error if the list does not. */
  createInvitation(invitation: InvitationRecord): Promise<void>
  getInvitation(id: string): Promise<InvitationRecord | null>
  getInvitationByTokenHash(tokenHash: string): Promise<InvitationRecord | null>
  /** Every stored invitation of the list, in any state, oldest first (createdAt, then id). */
  listInvitations(listId: string): Promise<InvitationRecord[]>
  /** Compare-and-set: a pending invitation becomes `revoked` at `at`; false (nothing changed) otherwise. */
  revokeInvitation(id: string, at: number): Promise<boolean>
  /**
   * Atomically: the pending invitation `id` becomes `reset` at `at` and `next`
   * is stored (a new link in its place). False, and nothing stored, if `id` is
   * not pending; ConflictError as createInvitation for `next`.
   */
  replaceInvitation(id: string, next: InvitationRecord, at: number): Promise<boolean>
  /**
   * Atomically, if the invitation is pending and `at` is before `expiresAt`:
   * gives the user the invited role unless they hold a higher one (an owner
   * stays owner, an editor accepting a viewer link stays editor), and marks
   * an email invitation `accepted` by them (a link stays pending for others).
   * Returns the role they hold now and the one they held before (null: not a
   * member), or null if nothing was done (gone, ended or expired).
   */
  acceptInvitation(id: string, userId: string, at: number): Promise<{ role: Role; previousRole: Role | null } | null>
  /** Deletes every invitation whose `expiresAt` is at or before `before`, in any state; returns how many. */
  deleteExpiredInvitations(before: number): Promise<number>
}

/**
 * Where a user keeps one of their lists on their lists page: pinned to the
 * top or not, and its place among their lists. Theirs alone (no other member
 * sees it); it belongs to their membership.
 */
export interface ListPlacement {
  listId: string
  pinned: boolean
  /** A fractional order key (shared/order-keys.ts), or null: the list's default place. */
  position: string | null
}

export interface PlacementStore {
  /**
   * Stores where `userId` keeps these lists, as one atomic write, and returns
   * true; if the user is not a member of one of them (or it does not exist),
   * stores nothing and returns false. A placement at the default (not
   * pinned, no position) is stored as none. A placement goes with its
   * membership (removeMember, deleteList) and stays through a change of role.
   */
  setPlacements(userId: string, placements: ListPlacement[]): Promise<boolean>
  /** The user's placements (of lists they are a member of), by list id. */
  listPlacements(userId: string): Promise<ListPlacement[]>
}

export interface Storage extends DocumentStore, AccountStore, ActivityStore, SessionStore, InvitationStore, PlacementStore {
  /** Resolves if the store answers a trivial read (for /readyz). */
  ping(): Promise<void>
  close(): Promise<void>
}
