/**
 * Storage kept in process memory: for tests, and the reference the contract
 * suite is written against. Nothing survives the process.
 *
 * Every method does its work synchronously before its first await, so each
 * call is atomic with respect to the others without any locking. Byte arrays
 * and records are copied on the way in and out so a caller can never change
 * stored state by mutating something it passed or received.
 */
import type { ActivityEvent } from '../../shared/activity.ts'
import type { Role } from '../../shared/protocol.ts'
import {
  ConflictError,
  type ActivityBound,
  type DocLogStats,
  type InvitationRecord,
  type ListPlacement,
  type ListRecord,
  type MembershipRecord,
  type SessionRecord,
  type Storage,
  type StoredDoc,
  type UserRecord,
} from './storage.ts'
import {
  activityToTrim,
  compareIds,
  copyBytes,
  decideCompaction,
  isInvitationOpen,
  listNotFound,
  normaliseEmail,
  oldestInvitationFirst,
  oldestListFirst,
  oldestSessionFirst,
  roleAfterAccepting,
  rotatedSession,
} from './storage-rules.ts'

interface MemoryDoc {
  snapshot: Uint8Array | null
  snapshotSeq: number
  /** Entries after the snapshot, ascending by seq. */
  log: Array<{ seq: number; update: Uint8Array }>
  lastSeq: number
}

export class MemoryStorage implements Storage {
  readonly #docs = new Map<string, MemoryDoc>()
  readonly #users = new Map<string, UserRecord>()
  readonly #userIdByEmail = new Map<string, string>()
  readonly #lists = new Map<string, ListRecord>()
  /** listId → userId → role */
  readonly #members = new Map<string, Map<string, Role>>()
  /** listId → events in id order */
  readonly #activity = new Map<string, ActivityEvent[]>()
  /** listId → userId → where that member keeps the list */
  readonly #placements = new Map<string, Map<string, ListPlacement>>()
  readonly #sessions = new Map<string, SessionRecord>()
  readonly #invitations = new Map<string, InvitationRecord>()
  #closed = false

  // --- documents ---

  async loadDoc(docId: string): Promise<StoredDoc> {
    this.#assertOpen()
    const doc = this.#docs.get(docId)
    if (!doc) return { snapshot: null, snapshotSeq: 0, updates: [], lastSeq: 0 }
    return {
      snapshot: doc.snapshot && copyBytes(doc.snapshot),
      snapshotSeq: doc.snapshotSeq,
      updates: doc.log.map((entry) => copyBytes(entry.update)),
      lastSeq: doc.lastSeq,
    }
  }

  async appendUpdates(docId: string, updates: Uint8Array[]): Promise<number> {
    this.#assertOpen()
    const doc = this.#docOrNew(docId)
    for (const update of updates) {
      doc.lastSeq += 1
      doc.log.push({ seq: doc.lastSeq, update: copyBytes(update) })
    }
    return doc.lastSeq
  }

  async compactDoc(docId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    this.#assertOpen()
    const doc = this.#docs.get(docId)
    if (decideCompaction(throughSeq, doc?.snapshotSeq ?? 0, doc?.lastSeq ?? 0) === 'skip') return
    const target = doc ?? this.#docOrNew(docId)
    target.snapshot = copyBytes(snapshot)
    target.snapshotSeq = throughSeq
    target.log = target.log.filter((entry) => entry.seq > throughSeq)
  }

  async docStats(docId: string): Promise<DocLogStats> {
    this.#assertOpen()
    const doc = this.#docs.get(docId)
    return {
      logLength: doc?.log.length ?? 0,
      logBytes: doc?.log.reduce((sum, entry) => sum + entry.update.byteLength, 0) ?? 0,
      snapshotBytes: doc?.snapshot?.byteLength ?? 0,
    }
  }

  async deleteDoc(docId: string): Promise<void> {
    this.#assertOpen()
    this.#docs.delete(docId)
  }

  // --- users ---

  async createUser(user: UserRecord): Promise<void> {
    this.#assertOpen()
    const email = normaliseEmail(user.email)
    if (this.#userIdByEmail.has(email)) throw new ConflictError(`email ${email} is already registered`)
    if (this.#users.has(user.id)) throw new ConflictError(`user ${user.id} already exists`)
    this.#users.set(user.id, { ...user, email })
    this.#userIdByEmail.set(email, user.id)
  }

  async getUserById(id: string): Promise<UserRecord | null> {
    this.#assertOpen()
    const user = this.#users.get(id)
    return user ? { ...user } : null
  }

  async getUserByEmail(email: string): Promise<UserRecord | null> {
    this.#assertOpen()
    const id = this.#userIdByEmail.get(normaliseEmail(email))
    return id === undefined ? null : this.getUserById(id)
  }

  async setPasswordHash(userId: string, expected: string, next: string): Promise<boolean> {
    this.#assertOpen()
    const user = this.#users.get(userId)
    if (!user || user.passwordHash !== expected) return false
    user.passwordHash = next
    return true
  }

  // --- lists ---

  async createList(list: ListRecord): Promise<void> {
    this.#assertOpen()
    if (this.#lists.has(list.id)) throw new ConflictError(`list ${list.id} already exists`)
    this.#lists.set(list.id, { ...list })
    this.#members.set(list.id, new Map([[list.ownerId, 'owner']]))
  }

  async getList(id: string): Promise<ListRecord | null> {
    this.#assertOpen()
    const list = this.#lists.get(id)
    return list ? { ...list } : null
  }

  async renameList(id: string, title: string): Promise<void> {
    this.#assertOpen()
    const list = this.#lists.get(id)
    if (!list) throw listNotFound(id)
    list.title = title
  }

  async deleteList(id: string): Promise<void> {
    this.#assertOpen()
    this.#lists.delete(id)
    this.#members.delete(id)
    this.#placements.delete(id)
    this.#docs.delete(id)
    this.#activity.delete(id)
    for (const invitation of this.#invitations.values()) if (invitation.listId === id) this.#invitations.delete(invitation.id)
  }

  // --- memberships ---

  async setMember(listId: string, userId: string, role: Role): Promise<void> {
    this.#assertOpen()
    const members = this.#members.get(listId)
    if (!members) throw listNotFound(listId)
    members.set(userId, role)
  }

  async removeMember(listId: string, userId: string): Promise<void> {
    this.#assertOpen()
    this.#members.get(listId)?.delete(userId)
    this.#placements.get(listId)?.delete(userId)
  }

  async getRole(listId: string, userId: string): Promise<Role | null> {
    this.#assertOpen()
    return this.#members.get(listId)?.get(userId) ?? null
  }

  async listMembers(listId: string): Promise<MembershipRecord[]> {
    this.#assertOpen()
    const members = [...(this.#members.get(listId) ?? [])].map(([userId, role]) => ({ listId, userId, role }))
    // Same order as the LevelDB index (by user id), so callers see one behaviour.
    return members.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
  }

  async listsForUser(userId: string): Promise<Array<{ list: ListRecord; role: Role }>> {
    this.#assertOpen()
    const result: Array<{ list: ListRecord; role: Role }> = []
    for (const [listId, members] of this.#members) {
      const role = members.get(userId)
      const list = this.#lists.get(listId)
      if (role && list) result.push({ list: { ...list }, role })
    }
    return result.sort((a, b) => oldestListFirst(a.list, b.list))
  }

  // --- placements ---

  async setPlacements(userId: string, placements: ListPlacement[]): Promise<boolean> {
    this.#assertOpen()
    if (!placements.every(({ listId }) => this.#members.get(listId)?.has(userId))) return false
    for (const { listId, pinned, position } of placements) {
      let byUser = this.#placements.get(listId)
      if (!byUser) this.#placements.set(listId, (byUser = new Map()))
      if (pinned || position !== null) byUser.set(userId, { listId, pinned, position })
      else byUser.delete(userId)
    }
    return true
  }

  async listPlacements(userId: string): Promise<ListPlacement[]> {
    this.#assertOpen()
    const result: ListPlacement[] = []
    for (const byUser of this.#placements.values()) {
      const placement = byUser.get(userId)
      if (placement) result.push({ ...placement })
    }
    return result.sort((a, b) => compareIds(a.listId, b.listId))
  }

  // --- activity ---

  async appendActivity(listId: string, events: ActivityEvent[], bound: ActivityBound): Promise<void> {
    this.#assertOpen()
    if (!this.#lists.has(listId)) return
    const stored = this.#activity.get(listId) ?? []
    const known = new Set(stored.map((event) => event.id))
    for (const event of events) {
      if (known.has(event.id)) continue
      known.add(event.id)
      stored.push(structuredClone(event))
    }
    stored.sort((a, b) => compareIds(a.id, b.id))
    const trimmed = new Set(activityToTrim(stored, bound))
    this.#activity.set(
      listId,
      stored.filter((event) => !trimmed.has(event.id)),
    )
  }

  async listActivity(listId: string, query: { before?: string; limit: number; notBefore: number }): Promise<ActivityEvent[]> {
    this.#assertOpen()
    const { before, limit, notBefore } = query
    const newestFirst = [...(this.#activity.get(listId) ?? [])].reverse()
    return newestFirst
      .filter((event) => (before === undefined || event.id < before) && event.at >= notBefore)
      .slice(0, limit)
      .map((event) => structuredClone(event))
  }

  // --- sessions ---

  async createSession(session: SessionRecord): Promise<void> {
    this.#assertOpen()
    if (this.#sessions.has(session.id)) throw new ConflictError(`session ${session.id} already exists`)
    this.#sessions.set(session.id, { ...session })
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    this.#assertOpen()
    const session = this.#sessions.get(id)
    return session ? { ...session } : null
  }

  async rotateSession(id: string, expectedTokenId: string, next: { tokenId: string; expiresAt: number; at: number }, graceMs = 0): Promise<boolean> {
    this.#assertOpen()
    const session = this.#sessions.get(id)
    const rotated = session && rotatedSession(session, expectedTokenId, next, graceMs)
    if (!rotated) return false
    this.#sessions.set(id, rotated)
    return true
  }

  async touchSession(id: string, at: number): Promise<void> {
    this.#assertOpen()
    const session = this.#sessions.get(id)
    if (session) session.lastUsedAt = Math.max(session.lastUsedAt, at)
  }

  async deleteSession(id: string): Promise<boolean> {
    this.#assertOpen()
    return this.#sessions.delete(id)
  }

  async deleteUserSessions(userId: string): Promise<string[]> {
    this.#assertOpen()
    const ids = [...this.#sessions.values()].filter((session) => session.userId === userId).map((session) => session.id)
    for (const id of ids) this.#sessions.delete(id)
    return ids
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    this.#assertOpen()
    const expired = [...this.#sessions.values()].filter((session) => session.expiresAt <= now)
    for (const session of expired) this.#sessions.delete(session.id)
    return expired.length
  }

  async listSessions(userId: string): Promise<SessionRecord[]> {
    this.#assertOpen()
    return [...this.#sessions.values()]
      .filter((session) => session.userId === userId)
      .map((session) => ({ ...session }))
      .sort(oldestSessionFirst)
  }

  // --- invitations ---

  async createInvitation(invitation: InvitationRecord): Promise<void> {
    this.#assertOpen()
    this.#checkNewInvitation(invitation)
    this.#invitations.set(invitation.id, { ...invitation })
  }

  async getInvitation(id: string): Promise<InvitationRecord | null> {
    this.#assertOpen()
    const invitation = this.#invitations.get(id)
    return invitation ? { ...invitation } : null
  }

  async getInvitationByTokenHash(tokenHash: string): Promise<InvitationRecord | null> {
    this.#assertOpen()
    const invitation = [...this.#invitations.values()].find((candidate) => candidate.tokenHash === tokenHash)
    return invitation ? { ...invitation } : null
  }

  async listInvitations(listId: string): Promise<InvitationRecord[]> {
    this.#assertOpen()
    return [...this.#invitations.values()]
      .filter((invitation) => invitation.listId === listId)
      .map((invitation) => ({ ...invitation }))
      .sort(oldestInvitationFirst)
  }

  async revokeInvitation(id: string, at: number): Promise<boolean> {
    this.#assertOpen()
    const invitation = this.#invitations.get(id)
    if (invitation?.state !== 'pending') return false
    this.#invitations.set(id, { ...invitation, state: 'revoked', endedAt: at })
    return true
  }

  async replaceInvitation(id: string, next: InvitationRecord, at: number): Promise<boolean> {
    this.#assertOpen()
    const invitation = this.#invitations.get(id)
    if (invitation?.state !== 'pending') return false
    this.#checkNewInvitation(next)
    this.#invitations.set(id, { ...invitation, state: 'reset', endedAt: at })
    this.#invitations.set(next.id, { ...next })
    return true
  }

  async acceptInvitation(id: string, userId: string, at: number): Promise<{ role: Role; previousRole: Role | null } | null> {
    this.#assertOpen()
    const invitation = this.#invitations.get(id)
    const members = invitation && this.#members.get(invitation.listId)
    if (!invitation || !members || !isInvitationOpen(invitation, at)) return null
    const previousRole = members.get(userId) ?? null
    const role = roleAfterAccepting(previousRole, invitation.role)
    members.set(userId, role)
    if (invitation.email !== null) this.#invitations.set(id, { ...invitation, state: 'accepted', endedAt: at, acceptedBy: userId })
    return { role, previousRole }
  }

  async deleteExpiredInvitations(before: number): Promise<number> {
    this.#assertOpen()
    const expired = [...this.#invitations.values()].filter((invitation) => invitation.expiresAt <= before)
    for (const invitation of expired) this.#invitations.delete(invitation.id)
    return expired.length
  }

  #checkNewInvitation(invitation: InvitationRecord): void {
    if (!this.#lists.has(invitation.listId)) throw listNotFound(invitation.listId)
    if (this.#invitations.has(invitation.id)) throw new ConflictError(`invitation ${invitation.id} already exists`)
    for (const other of this.#invitations.values()) {
      if (other.tokenHash === invitation.tokenHash) throw new ConflictError('an invitation with this token exists already')
    }
  }

  // --- lifecycle ---

  async ping(): Promise<void> {
    this.#assertOpen()
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  #docOrNew(docId: string): MemoryDoc {
    let doc = this.#docs.get(docId)
    if (!doc) {
      doc = { snapshot: null, snapshotSeq: 0, log: [], lastSeq: 0 }
      this.#docs.set(docId, doc)
    }
    return doc
  }

  /** Mirrors LevelDB, which rejects every call after close; tests relying on a closed store would otherwise pass here only. */
  #assertOpen(): void {
    if (this.#closed) throw new Error('storage is closed')
  }
}
