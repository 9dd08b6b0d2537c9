/**
 * Storage on LevelDB (via `level`), for a single server process.
 *
 * LevelDB gives atomic multi-key batches and point-in-time snapshots but no
 * transactions, so:
 *   - every multi-key change is one batch (see level-layout.ts for the keys);
 *   - read-then-write sequences run under an in-process lock: one chain per
 *     document (appends, compaction, deletion) and one for all account
 *     writes. Two processes must never open the same directory (LevelDB's
 *     own LOCK file refuses the second one);
 *   - multi-key reads use an explicit snapshot, so they see one consistent
 *     state even while a compaction or deletion commits.
 *
 * Writes are fsynced before they resolve unless opened with `sync: false`.
 */
import type { ClassicLevel } from 'classic-level'
import { Level } from 'level'
import type { ActivityEvent } from '../../shared/activity.ts'
import type { Role } from '../../shared/protocol.ts'
import { KeyedLock } from './keyed-lock.ts'
import type { BackupSource } from './level-backup.ts'
import {
  assertKeyPart,
  compositeKey,
  decodeSnapshot,
  encodeSnapshot,
  keyPrefix,
  keySuffix,
  logKey,
  logRangeThrough,
  prefixRange,
  SNAPSHOT_PART_BYTES,
  snapshotPartKey,
  snapshotPartRange,
  SUBLEVELS,
  type SnapshotParts,
} from './level-layout.ts'
import {
  ConflictError,
  type ActivityBound,
  type DocLogStats,
  type ListPlacement,
  type ListRecord,
  type MembershipRecord,
  type InvitationRecord,
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

export interface LevelStorageOptions {
  /**
   * fsync each write before it resolves (default true). With false, a write
   * that resolved survives a crash of the process but not of the machine.
   */
  sync?: boolean
  /** Snapshots larger than this are stored in parts of this size (default SNAPSHOT_PART_BYTES; smaller in tests). */
  snapshotPartBytes?: number
}

type Db = Level<string, string>
/** The character after a sublevel name's closing `!`: `!name` + this bounds the sublevel's keys from above. */
const AFTER_PREFIX = '"'
type DbSnapshot = ReturnType<Db['snapshot']>
/** A document's snapshot as stored: inline (with its bytes) or in parts. */
interface StoredSnapshot {
  snapshotSeq: number
  bytes: number
  inline: Uint8Array | null
  parts: SnapshotParts | null
}
type Sublevel = Sublevels[keyof Sublevels]
/** One write of a commit: a put or del in a sublevel, in the form LevelDB's array batch takes. */
type Operation =
  | { type: 'put'; sublevel: Sublevel; key: string; value: unknown }
  | { type: 'del'; sublevel: Sublevel; key: string }
/** What a commit's `fill` writes into: the recorder of its operations. */
interface Batch {
  put(key: string, value: unknown, options: { sublevel: Sublevel }): void
  del(key: string, options: { sublevel: Sublevel }): void
}
interface QueuedCommit {
  operations: Operation[]
  resolve: () => void
  reject: (error: unknown) => void
}
type Sublevels = ReturnType<typeof openSublevels>

function openSublevels(db: Db) {
  return {
    users: db.sublevel<string, UserRecord>(SUBLEVELS.users, { valueEncoding: 'json' }),
    userByEmail: db.sublevel<string, string>(SUBLEVELS.userByEmail, { valueEncoding: 'json' }),
    lists: db.sublevel<string, ListRecord>(SUBLEVELS.lists, { valueEncoding: 'json' }),
    members: db.sublevel<string, Role>(SUBLEVELS.members, { valueEncoding: 'json' }),
    userLists: db.sublevel<string, Role>(SUBLEVELS.userLists, { valueEncoding: 'json' }),
    docLog: db.sublevel<string, Uint8Array>(SUBLEVELS.docLog, { valueEncoding: 'view' }),
    docSnap: db.sublevel<string, Uint8Array>(SUBLEVELS.docSnap, { valueEncoding: 'view' }),
    docSnapParts: db.sublevel<string, SnapshotParts>(SUBLEVELS.docSnapParts, { valueEncoding: 'json' }),
    docSnapPart: db.sublevel<string, Uint8Array>(SUBLEVELS.docSnapPart, { valueEncoding: 'view' }),
    docHead: db.sublevel<string, number>(SUBLEVELS.docHead, { valueEncoding: 'json' }),
    activity: db.sublevel<string, ActivityEvent>(SUBLEVELS.activity, { valueEncoding: 'json' }),
    sessions: db.sublevel<string, SessionRecord>(SUBLEVELS.sessions, { valueEncoding: 'json' }),
    userSessions: db.sublevel<string, true>(SUBLEVELS.userSessions, { valueEncoding: 'json' }),
    placements: db.sublevel<string, Omit<ListPlacement, 'listId'>>(SUBLEVELS.placements, { valueEncoding: 'json' }),
    invitations: db.sublevel<string, InvitationRecord>(SUBLEVELS.invitations, { valueEncoding: 'json' }),
    invitationByToken: db.sublevel<string, string>(SUBLEVELS.invitationByToken, { valueEncoding: 'json' }),
    listInvitations: db.sublevel<string, true>(SUBLEVELS.listInvitations, { valueEncoding: 'json' }),
  }
}

/**
 * LevelDB hands back a Buffer per value read, backed by its own fresh memory,
 * so the caller may keep and mutate it without a copy. Only the type changes:
 * a plain Uint8Array, whose slice() copies like callers expect.
 */
function asPlainBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

type BinarySublevel = Sublevels['docLog']

/**
 * The binary values of `sublevel` in `range`, in key order, as of `snapshot`:
 * the keys listed, then the values read with one `getMany`. Either way
 * classic-level copies every value into a new JS buffer on the event loop
 * (binding.cc: `Entry::Convert`, `napi_create_buffer_copy`, in the read's
 * completion callback), so a value costs a copy of its size into fresh
 * memory in one turn: nothing for the small entries the update cap allows,
 * but a 16 MB log entry written before the cap held the loop 50–120 ms in
 * the list-size test under load (its CPU profile: native time, no JS frame,
 * right after the read); ~10 ms on an idle machine.
 */
async function binaryValues(sublevel: BinarySublevel, range: { gte: string; lt: string } | { gt: string; lt: string }, snapshot: DbSnapshot): Promise<Uint8Array[]> {
  const keys = await sublevel.keys({ ...range, snapshot }).all()
  if (keys.length === 0) return []
  const values = await sublevel.getMany(keys, { snapshot })
  return values.map((value, i) => {
    if (value === undefined) throw new Error(`${keys[i]} vanished from a snapshot`)
    return value
  })
}

/** Bytes of the binary values among a write's operations (JSON ones are small). */
function binaryBytes(operations: Operation[]): number {
  let bytes = 0
  for (const operation of operations) if (operation.type === 'put' && operation.value instanceof Uint8Array) bytes += operation.value.byteLength
  return bytes
}

/** The single key of the account lock: account writes are rare, so one chain is plenty. */
const ACCOUNTS = 'accounts'
/** The single key of the session lock. */
const SESSIONS = 'sessions'

export class LevelStorage implements Storage {
  static async open(dir: string, options: LevelStorageOptions = {}): Promise<LevelStorage> {
    const db: Db = new Level<string, string>(dir)
    await db.open()
    return new LevelStorage(db, options.sync ?? true, options.snapshotPartBytes ?? SNAPSHOT_PART_BYTES)
  }

  readonly #db: Db
  readonly #s: Sublevels
  readonly #sync: boolean
  readonly #partBytes: number
  readonly #docLocks = new KeyedLock()
  readonly #accountLock = new KeyedLock()
  /** One chain per list's activity (append and trim read, then write); apart from its document's, so appends never wait for it. */
  readonly #activityLocks = new KeyedLock()
  /** Every session write read-modify-writes under this one key: they are rare (sign-in, refresh, a touch a minute). */
  readonly #sessionLock = new KeyedLock()
  /**
   * Last seq per doc, once read: LevelDB lets one process open the directory,
   * so nobody else moves a head, and an append needn't read it back each time.
   */
  readonly #heads = new Map<string, number>()
  #closing: Promise<void> | null = null
  /** Commits waiting for the write in flight; they go to LevelDB together as the next one. */
  #queued: QueuedCommit[] = []
  #writing = false
  #commits = 0
  #writes = 0
  #largestWriteBytes = 0

  private constructor(db: Db, sync: boolean, partBytes: number) {
    this.#db = db
    this.#s = openSublevels(db)
    this.#sync = sync
    this.#partBytes = partBytes
  }

  /**
   * Commits made, LevelDB writes they took (fewer when group commit merged
   * them), and the most binary value bytes one write carried (LevelDB copies
   * them on the event loop).
   */
  get commitStats(): { commits: number; writes: number; largestWriteBytes: number } {
    return { commits: this.#commits, writes: this.#writes, largestWriteBytes: this.#largestWriteBytes }
  }

  // --- documents ---

  async loadDoc(docId: string): Promise<StoredDoc> {
    assertKeyPart('doc', docId)
    const { snapshot, snapshotSeq, head, updates } = await this.#readDoc(docId)
    const lastSeq = head ?? 0
    // Appends and compactions are atomic batches, so a gap means the files were damaged or edited.
    if (updates.length !== lastSeq - snapshotSeq) {
      throw new Error(
        `doc ${docId} is inconsistent: ${updates.length} log entries between snapshot seq ${snapshotSeq} and head ${lastSeq}`,
      )
    }
    return {
      snapshot,
      snapshotSeq,
      updates: updates.map(asPlainBytes),
      lastSeq,
    }
  }

  async appendUpdates(docId: string, updates: Uint8Array[]): Promise<number> {
    assertKeyPart('doc', docId)
    this.#assertAcceptingWrites()
    // Copy now: the write happens after earlier appends, and the caller may reuse its buffers meanwhile.
    const copies = updates.map(copyBytes)
    return this.#docLocks.run(docId, async () => {
      const head = this.#heads.get(docId) ?? (await this.#s.docHead.get(docId)) ?? 0
      if (copies.length === 0) return head
      const lastSeq = head + copies.length
      await this.#commit((batch) => {
        copies.forEach((update, index) => {
          batch.put(logKey(docId, head + 1 + index), update, { sublevel: this.#s.docLog })
        })
        batch.put(docId, lastSeq, { sublevel: this.#s.docHead })
      })
      this.#heads.set(docId, lastSeq)
      return lastSeq
    })
  }

  /**
   * A snapshot up to the part size is one value beside the log deletions, in
   * one write. A larger one is first written in parts, each a write of its
   * own (so no write copies more than a part on the event loop), under keys
   * nothing reads yet; then one small write switches to it and deletes the
   * folded log and the previous snapshot's parts. A crash before the switch
   * leaves unreferenced parts, which the next compaction or deletion removes.
   */
  async compactDoc(docId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    assertKeyPart('doc', docId)
    this.#assertAcceptingWrites()
    const parted = snapshot.byteLength > this.#partBytes
    // Not copied when parted: the caller hands the snapshot over (storage.ts), and copying 16 MB held the event loop.
    const value = parted ? snapshot : encodeSnapshot(throughSeq, snapshot)
    return this.#docLocks.run(docId, async () => {
      const [stored, head] = await Promise.all([this.#storedSnapshot(docId), this.#s.docHead.get(docId)])
      if (decideCompaction(throughSeq, stored?.snapshotSeq ?? 0, head ?? 0) === 'skip') return
      // Under the doc lock no append can land between listing these keys and deleting them.
      const [foldedKeys, oldPartKeys] = await Promise.all([
        this.#s.docLog.keys(logRangeThrough(docId, throughSeq)).all(),
        this.#s.docSnapPart.keys(prefixRange(docId)).all(),
      ])
      const partKeys: string[] = []
      if (parted) {
        for (let at = 0; at < value.byteLength; at += this.#partBytes) {
          const key = snapshotPartKey(docId, throughSeq, partKeys.length)
          partKeys.push(key)
          const part = value.subarray(at, at + this.#partBytes)
          await this.#commit((batch) => batch.put(key, part, { sublevel: this.#s.docSnapPart }))
        }
      }
      const written = new Set(partKeys)
      await this.#commit((batch) => {
        if (parted) {
          const parts: SnapshotParts = { snapshotSeq: throughSeq, parts: partKeys.length, bytes: value.byteLength }
          batch.put(docId, parts, { sublevel: this.#s.docSnapParts })
          batch.del(docId, { sublevel: this.#s.docSnap })
        } else {
          batch.put(docId, value, { sublevel: this.#s.docSnap })
          batch.del(docId, { sublevel: this.#s.docSnapParts })
        }
        for (const key of oldPartKeys) if (!written.has(key)) batch.del(key, { sublevel: this.#s.docSnapPart })
        for (const key of foldedKeys) batch.del(key, { sublevel: this.#s.docLog })
      })
    })
  }

  /**
   * Documents whose log takes at least `minBytes` on disk, by LevelDB's
   * approximate sizes (compressed, counting only its table files — which
   * hold everything once the database is opened: opening writes what its
   * write-ahead log recovered into a table). A log is read back in one
   * `getMany`, copied into JS on the event loop (binaryValues): a log this
   * large is one compaction never folded — a list's update larger than
   * COMPACT_LOG_BYTES stored by an earlier version, or a crash between a
   * large append and its compaction. The server compacts these before it
   * listens (server/large-logs.ts).
   *
   * Sizes are measured between the first keys of consecutive documents'
   * logs: LevelDB places a key by the table block that may hold it, and the
   * shortened key that ends a block can lie past a document's range, so
   * the range's own bounds can miss the block holding its one large value.
   */
  async docsWithLargeLogs(minBytes: number): Promise<string[]> {
    // `level` is classic-level on Node: its type covers the browser's too, which has no approximateSize.
    const db = this.#db as unknown as ClassicLevel<string, string>
    // Each document's first log key, in one pass over the log's keys (in key order: by document, then seq).
    const starts: Array<{ docId: string; key: string }> = []
    for await (const key of this.#s.docLog.keys()) {
      const docId = keyPrefix(key)
      if (starts.at(-1)?.docId !== docId) starts.push({ docId, key: this.#s.docLog.prefixKey(key, 'utf8') })
    }
    // The bound after the last log: the first key past the log's sublevel, else past every key.
    const logEnd = this.#s.docLog.prefixKey('', 'utf8').slice(0, -1) + AFTER_PREFIX
    const [after] = await db.keys({ gte: logEnd, limit: 1 }).all()
    const found: string[] = []
    // The logs of documents [from, to) together, halved while they reach minBytes: a store of small logs
    // is measured in a few calls, not one per document.
    const visit = async (from: number, to: number): Promise<void> => {
      if (from >= to || (await db.approximateSize(starts[from]!.key, starts[to]?.key ?? after ?? '\uffff')) < minBytes) return
      if (to - from === 1) {
        found.push(starts[from]!.docId)
        return
      }
      const middle = Math.floor((from + to) / 2)
      await visit(from, middle)
      await visit(middle, to)
    }
    await visit(0, starts.length)
    return found
  }

  async docStats(docId: string): Promise<DocLogStats> {
    assertKeyPart('doc', docId)
    const snapshot = this.#db.snapshot()
    try {
      const [stored, updates] = await Promise.all([
        this.#storedSnapshot(docId, snapshot),
        binaryValues(this.#s.docLog, prefixRange(docId), snapshot),
      ])
      return {
        logLength: updates.length,
        logBytes: updates.reduce((sum, update) => sum + update.byteLength, 0),
        snapshotBytes: stored?.bytes ?? 0,
      }
    } finally {
      await snapshot.close()
    }
  }

  async deleteDoc(docId: string): Promise<void> {
    assertKeyPart('doc', docId)
    this.#assertAcceptingWrites()
    return this.#docLocks.run(docId, () => this.#commit((batch) => this.#queueDocDeletion(batch, docId)))
  }

  // --- users ---

  async createUser(user: UserRecord): Promise<void> {
    assertKeyPart('user', user.id)
    this.#assertAcceptingWrites()
    const record: UserRecord = { ...user, email: normaliseEmail(user.email) }
    return this.#accountLock.run(ACCOUNTS, async () => {
      const [idForEmail, existing] = await Promise.all([
        this.#s.userByEmail.get(record.email),
        this.#s.users.get(record.id),
      ])
      if (idForEmail !== undefined) throw new ConflictError(`email ${record.email} is already registered`)
      if (existing !== undefined) throw new ConflictError(`user ${record.id} already exists`)
      await this.#commit((batch) => {
        batch.put(record.id, record, { sublevel: this.#s.users })
        batch.put(record.email, record.id, { sublevel: this.#s.userByEmail })
      })
    })
  }

  async getUserById(id: string): Promise<UserRecord | null> {
    return (await this.#s.users.get(id)) ?? null
  }

  async getUserByEmail(email: string): Promise<UserRecord | null> {
    const id = await this.#s.userByEmail.get(normaliseEmail(email))
    return id === undefined ? null : this.getUserById(id)
  }

  async setPasswordHash(userId: string, expected: string, next: string): Promise<boolean> {
    assertKeyPart('user', userId)
    this.#assertAcceptingWrites()
    return this.#accountLock.run(ACCOUNTS, async () => {
      const user = await this.#s.users.get(userId)
      if (user === undefined || user.passwordHash !== expected) return false
      await this.#commit((batch) => {
        batch.put(userId, { ...user, passwordHash: next }, { sublevel: this.#s.users })
      })
      return true
    })
  }

  // --- lists ---

  async createList(list: ListRecord): Promise<void> {
    assertKeyPart('list', list.id)
    assertKeyPart('user', list.ownerId)
    this.#assertAcceptingWrites()
    const record: ListRecord = { ...list }
    return this.#accountLock.run(ACCOUNTS, async () => {
      if ((await this.#s.lists.get(record.id)) !== undefined) {
        throw new ConflictError(`list ${record.id} already exists`)
      }
      await this.#commit((batch) => {
        batch.put(record.id, record, { sublevel: this.#s.lists })
        this.#queueMembership(batch, record.id, record.ownerId, 'owner')
      })
    })
  }

  async getList(id: string): Promise<ListRecord | null> {
    return (await this.#s.lists.get(id)) ?? null
  }

  async renameList(id: string, title: string): Promise<void> {
    this.#assertAcceptingWrites()
    return this.#accountLock.run(ACCOUNTS, async () => {
      const list = await this.#s.lists.get(id)
      if (list === undefined) throw listNotFound(id)
      await this.#commit((batch) => {
        batch.put(id, { ...list, title }, { sublevel: this.#s.lists })
      })
    })
  }

  async deleteList(id: string): Promise<void> {
    assertKeyPart('list', id)
    this.#assertAcceptingWrites()
    // The list's document has the list's id. Lock order is always accounts → doc → activity, so this can't deadlock.
    return this.#accountLock.run(ACCOUNTS, () =>
      this.#docLocks.run(id, () =>
        this.#activityLocks.run(id, async () => {
          const [memberKeys, activityKeys, invitations] = await Promise.all([
            this.#s.members.keys(prefixRange(id)).all(),
            this.#s.activity.keys(prefixRange(id)).all(),
            this.#invitationsOf(id),
          ])
          await this.#commit(async (batch) => {
            batch.del(id, { sublevel: this.#s.lists })
            for (const key of memberKeys) {
              batch.del(key, { sublevel: this.#s.members })
              batch.del(compositeKey(keySuffix(key), id), { sublevel: this.#s.userLists })
              batch.del(compositeKey(keySuffix(key), id), { sublevel: this.#s.placements })
            }
            for (const key of activityKeys) batch.del(key, { sublevel: this.#s.activity })
            for (const invitation of invitations) this.#queueInvitationDeletion(batch, invitation)
            await this.#queueDocDeletion(batch, id)
          })
        }),
      ),
    )
  }

  // --- memberships ---

  async setMember(listId: string, userId: string, role: Role): Promise<void> {
    assertKeyPart('list', listId)
    assertKeyPart('user', userId)
    this.#assertAcceptingWrites()
    return this.#accountLock.run(ACCOUNTS, async () => {
      if ((await this.#s.lists.get(listId)) === undefined) throw listNotFound(listId)
      await this.#commit((batch) => this.#queueMembership(batch, listId, userId, role))
    })
  }

  async removeMember(listId: string, userId: string): Promise<void> {
    assertKeyPart('list', listId)
    assertKeyPart('user', userId)
    this.#assertAcceptingWrites()
    return this.#accountLock.run(ACCOUNTS, () =>
      this.#commit((batch) => {
        batch.del(compositeKey(listId, userId), { sublevel: this.#s.members })
        batch.del(compositeKey(userId, listId), { sublevel: this.#s.userLists })
        batch.del(compositeKey(userId, listId), { sublevel: this.#s.placements })
      }),
    )
  }

  async getRole(listId: string, userId: string): Promise<Role | null> {
    assertKeyPart('list', listId)
    assertKeyPart('user', userId)
    return (await this.#s.members.get(compositeKey(listId, userId))) ?? null
  }

  async listMembers(listId: string): Promise<MembershipRecord[]> {
    assertKeyPart('list', listId)
    const entries = await this.#s.members.iterator(prefixRange(listId)).all()
    return entries.map(([key, role]) => ({ listId, userId: keySuffix(key), role }))
  }

  async listsForUser(userId: string): Promise<Array<{ list: ListRecord; role: Role }>> {
    assertKeyPart('user', userId)
    const snapshot = this.#db.snapshot()
    try {
      const entries = await this.#s.userLists.iterator({ ...prefixRange(userId), snapshot }).all()
      const listIds = entries.map(([key]) => keySuffix(key))
      const lists = await this.#s.lists.getMany(listIds, { snapshot })
      const result = entries.map(([, role], index) => {
        const list = lists[index]
        // Index and list are written and deleted in the same batches, so this is damage, not a race.
        if (list === undefined) throw new Error(`user ${userId} is indexed as a member of missing list ${listIds[index]}`)
        return { list, role }
      })
      return result.sort((a, b) => oldestListFirst(a.list, b.list))
    } finally {
      await snapshot.close()
    }
  }

  // --- placements ---

  async setPlacements(userId: string, placements: ListPlacement[]): Promise<boolean> {
    assertKeyPart('user', userId)
    for (const { listId } of placements) assertKeyPart('list', listId)
    this.#assertAcceptingWrites()
    // Under the account lock, like every membership write: no membership can go between the check and the write.
    return this.#accountLock.run(ACCOUNTS, async () => {
      const keys = placements.map(({ listId }) => compositeKey(userId, listId))
      const roles = await this.#s.userLists.getMany(keys)
      if (roles.some((role) => role === undefined)) return false
      await this.#commit((batch) => {
        placements.forEach(({ pinned, position }, i) => {
          if (pinned || position !== null) batch.put(keys[i]!, { pinned, position }, { sublevel: this.#s.placements })
          else batch.del(keys[i]!, { sublevel: this.#s.placements })
        })
      })
      return true
    })
  }

  async listPlacements(userId: string): Promise<ListPlacement[]> {
    assertKeyPart('user', userId)
    const entries = await this.#s.placements.iterator(prefixRange(userId)).all()
    return entries.map(([key, { pinned, position }]) => ({ listId: keySuffix(key), pinned, position }))
  }

  // --- activity ---

  async appendActivity(listId: string, events: ActivityEvent[], bound: ActivityBound): Promise<void> {
    assertKeyPart('list', listId)
    for (const event of events) assertKeyPart('activity', event.id)
    this.#assertAcceptingWrites()
    // deleteList takes this lock too (after the list's), so a list deleted meanwhile is seen here.
    return this.#activityLocks.run(listId, async () => {
      if ((await this.#s.lists.get(listId)) === undefined) return
      const stored = await this.#s.activity.values(prefixRange(listId)).all()
      const known = new Set(stored.map((event) => event.id))
      const added = events.filter((event) => !known.has(event.id) && known.add(event.id))
      const all = [...stored, ...added].sort((a, b) => compareIds(a.id, b.id))
      const trimmed = new Set(activityToTrim(all, bound))
      await this.#commit((batch) => {
        for (const event of added) {
          if (!trimmed.has(event.id)) batch.put(compositeKey(listId, event.id), event, { sublevel: this.#s.activity })
        }
        for (const event of stored) {
          if (trimmed.has(event.id)) batch.del(compositeKey(listId, event.id), { sublevel: this.#s.activity })
        }
      })
    })
  }

  async listActivity(listId: string, query: { before?: string; limit: number; notBefore: number }): Promise<ActivityEvent[]> {
    assertKeyPart('list', listId)
    const range = prefixRange(listId)
    const upper = query.before === undefined ? { lt: range.lt } : { lt: compositeKey(listId, query.before) }
    const events: ActivityEvent[] = []
    // Newest first; the trim on write keeps what lies beyond the age bound short.
    for await (const event of this.#s.activity.values({ gt: range.gt, ...upper, reverse: true })) {
      if (events.length >= query.limit) break
      if (event.at >= query.notBefore) events.push(event)
    }
    return events
  }

  // --- sessions ---

  async createSession(session: SessionRecord): Promise<void> {
    assertKeyPart('session', session.id)
    assertKeyPart('user', session.userId)
    this.#assertAcceptingWrites()
    const record: SessionRecord = { ...session }
    return this.#sessionLock.run(SESSIONS, async () => {
      if ((await this.#s.sessions.get(record.id)) !== undefined) throw new ConflictError(`session ${record.id} already exists`)
      await this.#commit((batch) => {
        batch.put(record.id, record, { sublevel: this.#s.sessions })
        batch.put(compositeKey(record.userId, record.id), true, { sublevel: this.#s.userSessions })
      })
    })
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    assertKeyPart('session', id)
    return (await this.#s.sessions.get(id)) ?? null
  }

  async rotateSession(id: string, expectedTokenId: string, next: { tokenId: string; expiresAt: number; at: number }, graceMs = 0): Promise<boolean> {
    assertKeyPart('session', id)
    this.#assertAcceptingWrites()
    return this.#sessionLock.run(SESSIONS, async () => {
      const session = await this.#s.sessions.get(id)
      const updated = session && rotatedSession(session, expectedTokenId, next, graceMs)
      if (!updated) return false
      await this.#commit((batch) => batch.put(id, updated, { sublevel: this.#s.sessions }))
      return true
    })
  }

  async touchSession(id: string, at: number): Promise<void> {
    assertKeyPart('session', id)
    this.#assertAcceptingWrites()
    return this.#sessionLock.run(SESSIONS, async () => {
      const session = await this.#s.sessions.get(id)
      if (session === undefined || session.lastUsedAt >= at) return
      await this.#commit((batch) => batch.put(id, { ...session, lastUsedAt: at }, { sublevel: this.#s.sessions }))
    })
  }

  async deleteSession(id: string): Promise<boolean> {
    assertKeyPart('session', id)
    this.#assertAcceptingWrites()
    return this.#sessionLock.run(SESSIONS, async () => {
      const session = await this.#s.sessions.get(id)
      if (session === undefined) return false
      await this.#commit((batch) => this.#queueSessionDeletion(batch, session.userId, id))
      return true
    })
  }

  async deleteUserSessions(userId: string): Promise<string[]> {
    assertKeyPart('user', userId)
    this.#assertAcceptingWrites()
    return this.#sessionLock.run(SESSIONS, async () => {
      const ids = (await this.#s.userSessions.keys(prefixRange(userId)).all()).map(keySuffix)
      if (ids.length === 0) return []
      await this.#commit((batch) => {
        for (const id of ids) this.#queueSessionDeletion(batch, userId, id)
      })
      return ids
    })
  }

  /** A scan of every session: sessions are few (one per signed-in device), and this runs rarely (Sessions' sweep). */
  async deleteExpiredSessions(now: number): Promise<number> {
    this.#assertAcceptingWrites()
    return this.#sessionLock.run(SESSIONS, async () => {
      const expired = (await this.#s.sessions.values().all()).filter((session) => session.expiresAt <= now)
      if (expired.length === 0) return 0
      await this.#commit((batch) => {
        for (const session of expired) this.#queueSessionDeletion(batch, session.userId, session.id)
      })
      return expired.length
    })
  }

  async listSessions(userId: string): Promise<SessionRecord[]> {
    assertKeyPart('user', userId)
    const snapshot = this.#db.snapshot()
    try {
      const ids = (await this.#s.userSessions.keys({ ...prefixRange(userId), snapshot }).all()).map(keySuffix)
      const sessions = await this.#s.sessions.getMany(ids, { snapshot })
      return sessions.filter((session): session is SessionRecord => session !== undefined).sort(oldestSessionFirst)
    } finally {
      await snapshot.close()
    }
  }

  // --- invitations (under the account lock: accepting one writes a membership) ---

  async createInvitation(invitation: InvitationRecord): Promise<void> {
    this.#assertInvitationKeys(invitation)
    this.#assertAcceptingWrites()
    const record: InvitationRecord = { ...invitation }
    return this.#accountLock.run(ACCOUNTS, async () => {
      await this.#checkNewInvitation(record)
      await this.#commit((batch) => this.#queueInvitation(batch, record))
    })
  }

  async getInvitation(id: string): Promise<InvitationRecord | null> {
    assertKeyPart('invitation', id)
    return (await this.#s.invitations.get(id)) ?? null
  }

  async getInvitationByTokenHash(tokenHash: string): Promise<InvitationRecord | null> {
    const id = await this.#s.invitationByToken.get(tokenHash)
    return id === undefined ? null : this.getInvitation(id)
  }

  async listInvitations(listId: string): Promise<InvitationRecord[]> {
    assertKeyPart('list', listId)
    return (await this.#invitationsOf(listId)).sort(oldestInvitationFirst)
  }

  async revokeInvitation(id: string, at: number): Promise<boolean> {
    assertKeyPart('invitation', id)
    this.#assertAcceptingWrites()
    return this.#accountLock.run(ACCOUNTS, async () => {
      const invitation = await this.#s.invitations.get(id)
      if (invitation?.state !== 'pending') return false
      await this.#commit((batch) => batch.put(id, { ...invitation, state: 'revoked', endedAt: at }, { sublevel: this.#s.invitations }))
      return true
    })
  }

  async replaceInvitation(id: string, next: InvitationRecord, at: number): Promise<boolean> {
    assertKeyPart('invitation', id)
    this.#assertInvitationKeys(next)
    this.#assertAcceptingWrites()
    const record: InvitationRecord = { ...next }
    return this.#accountLock.run(ACCOUNTS, async () => {
      const invitation = await this.#s.invitations.get(id)
      if (invitation?.state !== 'pending') return false
      await this.#checkNewInvitation(record)
      await this.#commit((batch) => {
        batch.put(id, { ...invitation, state: 'reset', endedAt: at }, { sublevel: this.#s.invitations })
        this.#queueInvitation(batch, record)
      })
      return true
    })
  }

  async acceptInvitation(id: string, userId: string, at: number): Promise<{ role: Role; previousRole: Role | null } | null> {
    assertKeyPart('invitation', id)
    assertKeyPart('user', userId)
    this.#assertAcceptingWrites()
    return this.#accountLock.run(ACCOUNTS, async () => {
      const invitation = await this.#s.invitations.get(id)
      if (!invitation || !isInvitationOpen(invitation, at)) return null
      if ((await this.#s.lists.get(invitation.listId)) === undefined) return null
      const previousRole = (await this.#s.members.get(compositeKey(invitation.listId, userId))) ?? null
      const role = roleAfterAccepting(previousRole, invitation.role)
      await this.#commit((batch) => {
        this.#queueMembership(batch, invitation.listId, userId, role)
        if (invitation.email !== null) batch.put(id, { ...invitation, state: 'accepted', endedAt: at, acceptedBy: userId }, { sublevel: this.#s.invitations })
      })
      return { role, previousRole }
    })
  }

  /** A scan of every invitation: they are few next to documents, and this runs rarely (the hourly sweep). */
  async deleteExpiredInvitations(before: number): Promise<number> {
    this.#assertAcceptingWrites()
    return this.#accountLock.run(ACCOUNTS, async () => {
      const expired = (await this.#s.invitations.values().all()).filter((invitation) => invitation.expiresAt <= before)
      if (expired.length === 0) return 0
      await this.#commit((batch) => {
        for (const invitation of expired) this.#queueInvitationDeletion(batch, invitation)
      })
      return expired.length
    })
  }

  async #invitationsOf(listId: string): Promise<InvitationRecord[]> {
    const snapshot = this.#db.snapshot()
    try {
      const ids = (await this.#s.listInvitations.keys({ ...prefixRange(listId), snapshot }).all()).map(keySuffix)
      const invitations = await this.#s.invitations.getMany(ids, { snapshot })
      return invitations.filter((invitation): invitation is InvitationRecord => invitation !== undefined)
    } finally {
      await snapshot.close()
    }
  }

  #assertInvitationKeys(invitation: InvitationRecord): void {
    assertKeyPart('invitation', invitation.id)
    assertKeyPart('list', invitation.listId)
    if (invitation.tokenHash.length === 0) throw new Error('an invitation needs a token hash')
  }

  /** Under the account lock. */
  async #checkNewInvitation(invitation: InvitationRecord): Promise<void> {
    const [list, existing, byToken] = await Promise.all([
      this.#s.lists.get(invitation.listId),
      this.#s.invitations.get(invitation.id),
      this.#s.invitationByToken.get(invitation.tokenHash),
    ])
    if (list === undefined) throw listNotFound(invitation.listId)
    if (existing !== undefined) throw new ConflictError(`invitation ${invitation.id} already exists`)
    if (byToken !== undefined) throw new ConflictError('an invitation with this token exists already')
  }

  #queueInvitation(batch: Batch, invitation: InvitationRecord): void {
    batch.put(invitation.id, invitation, { sublevel: this.#s.invitations })
    batch.put(invitation.tokenHash, invitation.id, { sublevel: this.#s.invitationByToken })
    batch.put(compositeKey(invitation.listId, invitation.id), true, { sublevel: this.#s.listInvitations })
  }

  #queueInvitationDeletion(batch: Batch, invitation: InvitationRecord): void {
    batch.del(invitation.id, { sublevel: this.#s.invitations })
    batch.del(invitation.tokenHash, { sublevel: this.#s.invitationByToken })
    batch.del(compositeKey(invitation.listId, invitation.id), { sublevel: this.#s.listInvitations })
  }

  // --- backups ---

  /**
   * A point-in-time view of the whole store for a backup (level-backup.ts,
   * `colist backup`): one LevelDB snapshot, so it holds the state between two
   * commits (every multi-key change is one batch, and compaction's parts are
   * unreferenced until one switches to them) while writes go on. Counts its
   * entries first, then yields them raw, in key order, from the same
   * snapshot. `close` releases it; closing the storage ends it too.
   */
  async openBackup(): Promise<BackupSource> {
    if (this.#closing) throw new Error('storage is closing')
    const snapshot = this.#db.snapshot()
    const createdAt = new Date()
    try {
      let count = 0
      const keys = this.#db.keys<Uint8Array>({ snapshot, keyEncoding: 'view' })
      try {
        for (let batch = await keys.nextv(1000); batch.length > 0; batch = await keys.nextv(1000)) count += batch.length
      } finally {
        await keys.close()
      }
      const db = this.#db
      return {
        createdAt,
        count,
        async *entries() {
          // An iterator copies each value into JS on the event loop (binaryValues avoids that for the hot reads):
          // a backup is rare, and a value is at most a snapshot part (1 MiB) or one log entry.
          yield* db.iterator<Uint8Array, Uint8Array>({ snapshot, keyEncoding: 'view', valueEncoding: 'view' })
        },
        close: () => snapshot.close(),
      }
    } catch (err) {
      await snapshot.close()
      throw err
    }
  }

  // --- lifecycle ---

  async ping(): Promise<void> {
    await this.#s.docHead.get('ping')
  }

  /** Lets queued writes finish, then closes the database. Safe to call more than once. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([this.#docLocks.drain(), this.#accountLock.drain(), this.#activityLocks.drain(), this.#sessionLock.drain()])
      await this.#db.close()
    })()
    return this.#closing
  }

  // --- helpers ---

  /** A document's snapshot, head and log, all read from one point in time. */
  async #readDoc(docId: string): Promise<{
    snapshot: Uint8Array | null
    snapshotSeq: number
    head: number | undefined
    updates: Uint8Array[]
  }> {
    const snapshot = this.#db.snapshot()
    try {
      const [stored, head, updates] = await Promise.all([
        this.#storedSnapshot(docId, snapshot),
        this.#s.docHead.get(docId, { snapshot }),
        binaryValues(this.#s.docLog, prefixRange(docId), snapshot),
      ])
      return {
        snapshot: stored && (await this.#snapshotBytes(docId, stored, snapshot)),
        snapshotSeq: stored?.snapshotSeq ?? 0,
        head,
        updates,
      }
    } finally {
      await snapshot.close()
    }
  }

  /** Which snapshot a document has (inline, with its value, or in parts), or null; read from `snapshot` if given. */
  async #storedSnapshot(
    docId: string,
    snapshot?: DbSnapshot,
  ): Promise<StoredSnapshot | null> {
    const options = snapshot ? { snapshot } : {}
    const [inline, parts] = await Promise.all([this.#s.docSnap.get(docId, options), this.#s.docSnapParts.get(docId, options)])
    if (parts) return { snapshotSeq: parts.snapshotSeq, bytes: parts.bytes, inline: null, parts }
    if (!inline) return null
    const decoded = decodeSnapshot(inline)
    return { snapshotSeq: decoded.snapshotSeq, bytes: decoded.snapshot.byteLength, inline: decoded.snapshot, parts: null }
  }

  /**
   * A parted snapshot's bytes, read a part per read and copied into the
   * joined buffer as each arrives: no event-loop turn makes or touches more
   * than a part's worth of fresh memory (reading the 16 parts of a 16 MB
   * snapshot with one getMany, then joining them, touched 32 MB in two turns:
   * ~10 ms each on an idle machine, 50–65 ms when the cores were loaded).
   */
  async #snapshotBytes(docId: string, stored: StoredSnapshot, snapshot: DbSnapshot): Promise<Uint8Array> {
    if (stored.inline) return asPlainBytes(stored.inline)
    const { snapshotSeq, parts, bytes } = stored.parts!
    const keys = await this.#s.docSnapPart.keys({ ...snapshotPartRange(docId, snapshotSeq), snapshot }).all()
    const inconsistent = (read: number, length: number | null) =>
      new Error(`doc ${docId} is inconsistent: snapshot ${snapshotSeq} has ${read} of ${parts} parts${length === null ? '' : `, ${length} of ${bytes} bytes`}`)
    // The switch is written after every part, so a short or long read means the files were damaged or edited.
    if (keys.length !== parts) throw inconsistent(keys.length, null)
    const joined = new Uint8Array(bytes)
    let at = 0
    for (const key of keys) {
      const part = await this.#s.docSnapPart.get(key, { snapshot })
      if (part === undefined || at + part.byteLength > bytes) throw inconsistent(keys.length, at + (part?.byteLength ?? 0))
      joined.set(part, at)
      at += part.byteLength
    }
    if (at !== bytes) throw inconsistent(keys.length, at)
    return joined
  }


  /**
   * Runs `fill` on a fresh batch and writes it atomically (and durably,
   * unless sync is off). Group commit across lists: each commit is atomic, and while one LevelDB
   * write (with its fsync) is in flight, the commits that arrive meanwhile
   * wait and are written as one batch after it, so a hundred busy lists cost
   * a few fsyncs per round instead of a hundred. Callers still see their own
   * commit resolve only once it is durable (or reject if the shared write failed).
   */
  async #commit(fill: (batch: Batch) => void | Promise<void>): Promise<void> {
    const operations: Operation[] = []
    await fill({
      put: (key, value, { sublevel }) => void operations.push({ type: 'put', sublevel, key, value }),
      del: (key, { sublevel }) => void operations.push({ type: 'del', sublevel, key }),
    })
    this.#commits++
    return new Promise<void>((resolve, reject) => {
      this.#queued.push({ operations, resolve, reject })
      if (!this.#writing) void this.#writeQueued()
    })
  }

  async #writeQueued(): Promise<void> {
    this.#writing = true
    while (this.#queued.length > 0) {
      const group = this.#queued
      this.#queued = []
      const operations = group.length === 1 ? group[0]!.operations : group.flatMap((commit) => commit.operations)
      this.#writes++
      this.#largestWriteBytes = Math.max(this.#largestWriteBytes, binaryBytes(operations))
      try {
        // The operation shape is abstract-level's; its types cannot follow a sublevel per operation.
        await this.#db.batch(operations as never, { sync: this.#sync })
        for (const commit of group) commit.resolve()
      } catch (error) {
        for (const commit of group) commit.reject(error)
      }
    }
    this.#writing = false
  }

  #queueMembership(batch: Batch, listId: string, userId: string, role: Role): void {
    batch.put(compositeKey(listId, userId), role, { sublevel: this.#s.members })
    batch.put(compositeKey(userId, listId), role, { sublevel: this.#s.userLists })
  }

  async #queueDocDeletion(batch: Batch, docId: string): Promise<void> {
    const [logKeys, partKeys] = await Promise.all([
      this.#s.docLog.keys(prefixRange(docId)).all(),
      this.#s.docSnapPart.keys(prefixRange(docId)).all(),
    ])
    for (const key of logKeys) batch.del(key, { sublevel: this.#s.docLog })
    for (const key of partKeys) batch.del(key, { sublevel: this.#s.docSnapPart })
    batch.del(docId, { sublevel: this.#s.docSnap })
    batch.del(docId, { sublevel: this.#s.docSnapParts })
    batch.del(docId, { sublevel: this.#s.docHead })
    this.#heads.delete(docId)
  }

  /** A session and its entry in its user's index. */
  #queueSessionDeletion(batch: Batch, userId: string, sessionId: string): void {
    batch.del(sessionId, { sublevel: this.#s.sessions })
    batch.del(compositeKey(userId, sessionId), { sublevel: this.#s.userSessions })
  }

  #assertAcceptingWrites(): void {
    if (this.#closing) throw new Error('storage is closing')
  }
}
