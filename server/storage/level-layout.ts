/**
 * Colist's on-disk format in LevelDB: which sublevels exist, how their keys
 * are built and how binary values are encoded. docs/storage.md describes the
 * same layout for humans; change both together.
 *
 * Every sublevel name carries a format version (`v1-`). A future format gets
 * new names and a migration that copies across, so old and new data can
 * never be confused.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** The database's directory inside DATA_DIR (the server opens it, `colist restore` creates it). */
export const LEVEL_DIR = 'db'

export const SUBLEVELS = {
  /** userId → UserRecord (JSON) */
  users: 'v1-users',
  /** lower-cased email → userId (JSON string) */
  userByEmail: 'v1-user-by-email',
  /** listId → ListRecord (JSON) */
  lists: 'v1-lists',
  /** listId!userId → Role (JSON string) */
  members: 'v1-members',
  /** userId!listId → Role (JSON string); the reverse index of `members` */
  userLists: 'v1-user-lists',
  /** docId!seq → one Yjs update (binary) */
  docLog: 'v1-doc-log',
  /** docId → snapshot (binary, see encodeSnapshot), for a snapshot of at most SNAPSHOT_PART_BYTES */
  docSnap: 'v1-doc-snap',
  /** docId → SnapshotParts (JSON): a larger snapshot, stored in `docSnapPart`; a doc has this or `docSnap`, never both */
  docSnapParts: 'v1-doc-snap-parts',
  /** docId!snapshotSeq!index → one part of a large snapshot (binary; see snapshotPartKey) */
  docSnapPart: 'v1-doc-snap-part',
  /** docId → last seq ever appended (JSON number) */
  docHead: 'v1-doc-head',
  /** listId!eventId → one activity event (JSON, shared/activity.ts); event ids sort by time */
  activity: 'v1-activity',
  /** sessionId → SessionRecord (JSON) */
  sessions: 'v1-sessions',
  /** userId!sessionId → true (JSON); the index of a user's sessions */
  userSessions: 'v1-user-sessions',
  /** userId!listId → {pinned, position} (JSON): where a member keeps a list on their lists page; deleted with the membership */
  placements: 'v1-placements',
  /** invitationId → InvitationRecord (JSON) */
  invitations: 'v1-invitations',
  /** token hash → invitationId (JSON string) */
  invitationByToken: 'v1-invitation-by-token',
  /** listId!invitationId → true (JSON); the index of a list's invitations */
  listInvitations: 'v1-list-invitations',
} as const

const SEPARATOR = '!'
/** The character after SEPARATOR: `prefix + '"'` is the tightest exclusive upper bound of a `prefix!…` range. */
const AFTER_SEPARATOR = '"'
/** Enough digits for Number.MAX_SAFE_INTEGER, so string order equals numeric order. */
const SEQ_DIGITS = 16

/**
 * Ids become the first part of composite keys. An id containing the separator
 * would make `a!b`'s entries show up in a scan of `a`'s, so it is refused.
 */
export function assertKeyPart(kind: string, id: string): void {
  if (id.length === 0 || id.includes(SEPARATOR)) {
    throw new Error(`${kind} id ${JSON.stringify(id)} must be non-empty and must not contain "${SEPARATOR}"`)
  }
}

export function compositeKey(first: string, second: string): string {
  return first + SEPARATOR + second
}

/**
 * A snapshot larger than this is written in parts of this size, each in a
 * LevelDB write of its own, and then switched to in one small write. LevelDB
 * copies a batch's values on the calling thread: one 16 MB value (a
 * 60,000-item list) held the event loop ~70 ms; a 1 MiB part takes a few.
 */
export const SNAPSHOT_PART_BYTES = 1 << 20
/** Digits of a part index in its key. */
const PART_DIGITS = 6

/** Where a large snapshot's parts are: `parts` keys under snapshotPartKey(docId, snapshotSeq, 0…parts-1). */
export interface SnapshotParts {
  snapshotSeq: number
  parts: number
  bytes: number
}

export function snapshotPartKey(docId: string, snapshotSeq: number, index: number): string {
  return compositeKey(docId, String(snapshotSeq).padStart(SEQ_DIGITS, '0') + SEPARATOR + String(index).padStart(PART_DIGITS, '0'))
}

/** Iterator bounds covering the parts of one snapshot, in order. */
export function snapshotPartRange(docId: string, snapshotSeq: number): { gt: string; lt: string } {
  return prefixRange(compositeKey(docId, String(snapshotSeq).padStart(SEQ_DIGITS, '0')))
}

/** Second part of a composite key. */
export function keySuffix(key: string): string {
  return key.slice(key.indexOf(SEPARATOR) + 1)
}

/** Iterator bounds covering every composite key that starts with `first`. */
/** The first part of a composite key (`keySuffix`'s counterpart): a log key's document id. */
export function keyPrefix(key: string): string {
  return key.slice(0, key.indexOf(SEPARATOR))
}

export function prefixRange(first: string): { gt: string; lt: string } {
  return { gt: first + SEPARATOR, lt: first + AFTER_SEPARATOR }
}

export function logKey(docId: string, seq: number): string {
  return compositeKey(docId, String(seq).padStart(SEQ_DIGITS, '0'))
}

/** Iterator bounds covering a document's log entries with seq ≤ throughSeq. */
export function logRangeThrough(docId: string, throughSeq: number): { gt: string; lte: string } {
  return { gt: docId + SEPARATOR, lte: logKey(docId, throughSeq) }
}

/**
 * A snapshot value is the varuint snapshotSeq followed by the raw merged
 * update, so the two can never be written separately and the bytes need no
 * base64 round trip through JSON.
 */
export function encodeSnapshot(snapshotSeq: number, snapshot: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, snapshotSeq)
  const head = encoding.toUint8Array(encoder)
  // One exact allocation and copy: a snapshot can be several MB, which an encoder copies twice in chunks.
  const value = new Uint8Array(head.byteLength + snapshot.byteLength)
  value.set(head)
  value.set(snapshot, head.byteLength)
  return value
}

/** The returned snapshot is a view into `value`, not a copy. */
export function decodeSnapshot(value: Uint8Array): { snapshotSeq: number; snapshot: Uint8Array } {
  const decoder = decoding.createDecoder(value)
  const snapshotSeq = decoding.readVarUint(decoder)
  return { snapshotSeq, snapshot: value.subarray(decoder.pos) }
}
