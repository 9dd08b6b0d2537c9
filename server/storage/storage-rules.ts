/**
 * Decisions every Storage implementation must make the same way. Keeping them
 * here, rather than in each implementation, is what makes the contract suite
 * a test of the storage engine and not of two copies of the same rules.
 */
import type { Role } from '../../shared/protocol.ts'
import type { ActivityBound, InvitationRecord, ListRecord, SessionRecord } from './storage.ts'

/**
 * A plain Uint8Array copy. Not `bytes.slice()`: on a Node Buffer (which is
 * what `ws` hands the server) slice returns a view sharing memory.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes)
}

/** Emails are unique regardless of case, so they are compared and stored lower-cased. */
export function normaliseEmail(email: string): string {
  return email.toLowerCase()
}

/** Sort order of `listsForUser`: oldest first, ties broken by id so the order is stable. */
export function oldestListFirst(a: ListRecord, b: ListRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** Sessions in the order listSessions returns them: createdAt, then id. */
/**
 * The session after `rotateSession` (storage.ts), or null when the compare-and-set fails: from the
 * current token (which becomes the previous one), or from the previous one within `graceMs` of its
 * replacement (previous and rotatedAt kept).
 */
export function rotatedSession(session: SessionRecord, expectedTokenId: string, next: { tokenId: string; expiresAt: number; at: number }, graceMs: number): SessionRecord | null {
  const rotated = { ...session, tokenId: next.tokenId, expiresAt: next.expiresAt, lastUsedAt: Math.max(session.lastUsedAt, next.at) }
  if (session.tokenId === expectedTokenId) return { ...rotated, previousTokenId: session.tokenId, rotatedAt: next.at }
  const retried = graceMs > 0 && session.previousTokenId === expectedTokenId && session.rotatedAt !== undefined && next.at - session.rotatedAt <= graceMs
  return retried ? rotated : null
}

export function oldestSessionFirst(a: { createdAt: number; id: string }, b: { createdAt: number; id: string }): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export type CompactionDecision = 'apply' | 'skip'

/**
 * Checks a compaction request against the document's current state.
 *
 * A request older than the stored snapshot is skipped rather than applied:
 * the log entries between the two were already deleted, so replacing the
 * newer snapshot with the older one would lose them. That happens
 * legitimately when two compactions of one document race.
 */
export function decideCompaction(throughSeq: number, snapshotSeq: number, lastSeq: number): CompactionDecision {
  if (!Number.isSafeInteger(throughSeq) || throughSeq < 0) {
    throw new RangeError(`compactDoc: throughSeq must be a non-negative integer, got ${throughSeq}`)
  }
  if (throughSeq > lastSeq) {
    throw new RangeError(`compactDoc: throughSeq ${throughSeq} is past the last appended seq ${lastSeq}`)
  }
  return throughSeq < snapshotSeq ? 'skip' : 'apply'
}

export function listNotFound(listId: string): Error {
  return new Error(`list ${listId} does not exist`)
}

/** Code-point order of two ids, as the stores index them (activity ids sort by time this way). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Which of a list's stored activity events a write trims: those older than
 * `notBefore`, and all but the newest `maxEvents`. `entries` are in id order.
 */
export function activityToTrim(entries: ReadonlyArray<{ id: string; at: number }>, bound: ActivityBound): string[] {
  const excess = Math.max(0, entries.length - bound.maxEvents)
  return entries.filter((entry, index) => index < excess || entry.at < bound.notBefore).map((entry) => entry.id)
}

const ROLE_RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 }

/** The role a member holds after accepting an invitation: the invited one, unless they hold a higher one. */
export function roleAfterAccepting(current: Role | null, invited: Role): Role {
  return current !== null && ROLE_RANK[current] >= ROLE_RANK[invited] ? current : invited
}

/** Whether the invitation can be accepted at `at`: pending and not expired. */
export function isInvitationOpen(invitation: InvitationRecord, at: number): boolean {
  return invitation.state === 'pending' && at < invitation.expiresAt
}

/** Invitations in the order listInvitations returns them: createdAt, then id. */
export function oldestInvitationFirst(a: InvitationRecord, b: InvitationRecord): number {
  return a.createdAt - b.createdAt || compareIds(a.id, b.id)
}
