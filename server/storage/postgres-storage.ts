/**
 * Storage on PostgreSQL (via `pg`), shared by several Colist nodes.
 *
 * Every node has its own pool, so in-process locks can't keep nodes from
 * interleaving; anything that must not interleave is made atomic in the
 * database:
 *   - an append is one statement that bumps the document's `doc_heads` row
 *     and inserts the entries under the seqs it returned. Concurrent appends
 *     to one document, from any node, queue on that row's lock, so seqs are
 *     distinct, gap-free and contiguous per call;
 *   - compaction runs in a transaction holding a KEY SHARE lock on the head
 *     row (which blocks deleteDoc but not appends), and only ever moves the
 *     snapshot forward;
 *   - multi-row reads run in one REPEATABLE READ transaction or statement,
 *     so they see one committed state;
 *   - uniqueness and list existence are database constraints, whose
 *     violations become ConflictError / "list does not exist".
 *
 * Whenever a document's rows are locked in more than one table, the order is
 * doc_heads → doc_snapshots → doc_updates, so transactions can't deadlock.
 *
 * Within one node, writes to a document also run one at a time in call
 * order (a KeyedLock, as in LevelStorage): a room's appends must get
 * increasing seqs in the order it made them, which a pool of connections
 * committing in parallel would not guarantee.
 *
 * A write resolves once PostgreSQL reports the commit, which is durable with
 * the server defaults (fsync = on, synchronous_commit = on).
 */
import pg from 'pg'
import type { ActivityEvent } from '../../shared/activity.ts'
import type { Role } from '../../shared/protocol.ts'
import { KeyedLock } from './keyed-lock.ts'
import { isForeignKeyViolation, violatedUniqueConstraint } from './postgres-errors.ts'
import { migrate } from './postgres-migrations.ts'
import { inTransaction } from './postgres-transaction.ts'
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
import { copyBytes, decideCompaction, isInvitationOpen, listNotFound, normaliseEmail, oldestInvitationFirst, oldestListFirst, oldestSessionFirst, roleAfterAccepting } from './storage-rules.ts'

export interface PostgresStorageOptions {
  /**
   * Most connections this node holds open (default 10). Calls beyond that
   * wait for a free connection. Every node has its own pool, so the server's
   * max_connections must cover poolSize × nodes plus admin connections.
   */
  poolSize?: number
  /** How long a call waits to get a connection before it rejects (default 10 s). */
  connectionTimeoutMs?: number
  /**
   * Told when an idle pooled connection fails (the server restarted, the
   * network dropped). The pool discards it and connects afresh on the next
   * call; this is for logging. Without a listener such errors would crash
   * the process, so the default is to ignore them.
   */
  onIdleConnectionError?: (error: Error) => void
}

const DEFAULT_POOL_SIZE = 10
const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000
/** Probe idle sockets, so a connection to a vanished server fails instead of hanging. */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000
/**
 * A node that stalls mid-transaction (a long GC pause, SIGSTOP) must not hold
 * a document's locks, and with them every other node's appends, forever.
 * Our transactions are a few quick statements; this is far above them.
 */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000

type Queryable = pg.Pool | pg.PoolClient

interface UserRow {
  id: string
  email: string
  name: string
  password_hash: string
  created_at: string
}

interface SessionRow {
  id: string
  user_id: string
  device: string
  created_at: string
  last_used_at: string
  token_id: string
  expires_at: string
  previous_token_id: string | null
  rotated_at: string | null
}

interface InvitationRow {
  id: string
  list_id: string
  token_hash: string
  role: 'editor' | 'viewer'
  email: string | null
  created_by: string
  created_at: string
  expires_at: string
  state: InvitationRecord['state']
  ended_at: string | null
  accepted_by: string | null
}

interface ListRow {
  id: string
  title: string
  owner_id: string
  created_at: string
}

export class PostgresStorage implements Storage {
  /** Connects, brings the schema up to date (see postgres-migrations.ts) and returns the store. */
  static async open(connectionString: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
    const pool = new pg.Pool({
      connectionString,
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      application_name: 'colist',
    })
    pool.on('error', options.onIdleConnectionError ?? (() => {}))
    try {
      await migrate(pool)
    } catch (error) {
      await pool.end()
      throw error
    }
    return new PostgresStorage(pool)
  }

  readonly #pool: pg.Pool
  /** Calls that have started and not settled; close() waits for them. */
  readonly #inFlight = new Set<Promise<unknown>>()
  /** One chain per document for this node's writes to it: appends, compactions, deletions. */
  readonly #docWrites = new KeyedLock()
  #closing: Promise<void> | null = null

  private constructor(pool: pg.Pool) {
    this.#pool = pool
  }

  // --- documents ---

  loadDoc(docId: string): Promise<StoredDoc> {
    return this.#track(() =>
      this.#readOnlyTransaction(async (client) => {
        const { lastSeq, snapshotSeq, snapshot } = await readDocHead(client, docId)
        const entries = await client.query<{ seq: string; data: Buffer }>(
          'SELECT seq, data FROM doc_updates WHERE doc_id = $1 ORDER BY seq',
          [docId],
        )
        // Appends and compactions are atomic, so a gap means someone edited the tables by hand.
        const contiguous = entries.rows.every(({ seq }, index) => toInteger(seq) === snapshotSeq + 1 + index)
        if (!contiguous || entries.rows.length !== lastSeq - snapshotSeq) {
          throw new Error(
            `doc ${docId} is inconsistent: ${entries.rows.length} log entries ` +
              `between snapshot seq ${snapshotSeq} and head ${lastSeq}`,
          )
        }
        return {
          snapshot: snapshot && copyBytes(snapshot),
          snapshotSeq,
          updates: entries.rows.map(({ data }) => copyBytes(data)),
          lastSeq,
        }
      }),
    )
  }

  appendUpdates(docId: string, updates: Uint8Array[]): Promise<number> {
    // Copy now: the caller may reuse its buffers before the query is sent.
    const copies = updates.map(copyBytes)
    return this.#trackDocWrite(docId, async () => {
      if (copies.length === 0) {
        const head = await this.#pool.query<{ last_seq: string }>('SELECT last_seq FROM doc_heads WHERE doc_id = $1', [
          docId,
        ])
        return head.rows[0] ? toInteger(head.rows[0].last_seq) : 0
      }
      // One statement, so one atomic commit and one round trip. The upsert
      // takes the head row's lock until commit: a concurrent append to this
      // document waits, then adds to the committed value. The entries get
      // seqs last_seq - n + 1 … last_seq, in array order.
      const result = await this.#pool.query<{ last_seq: string }>({
        name: 'colist-append-updates',
        text: `
          WITH head AS (
            INSERT INTO doc_heads AS h (doc_id, last_seq) VALUES ($1, $2)
            ON CONFLICT (doc_id) DO UPDATE SET last_seq = h.last_seq + EXCLUDED.last_seq
            RETURNING last_seq
          ), appended AS (
            INSERT INTO doc_updates (doc_id, seq, data)
            SELECT $1, head.last_seq - $2 + entry.position, entry.data
            FROM head, unnest($3::bytea[]) WITH ORDINALITY AS entry (data, position)
          )
          SELECT last_seq FROM head
        `,
        values: [docId, copies.length, copies],
      })
      return toInteger(result.rows[0]!.last_seq)
    })
  }

  compactDoc(docId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    const copy = copyBytes(snapshot)
    return this.#trackDocWrite(docId, () =>
      this.#transaction(async (client) => {
        // KEY SHARE on the head: a concurrent deleteDoc waits for us (else we
        // could write a snapshot for a document it just deleted), appends don't.
        const head = await client.query<{ last_seq: string }>(
          'SELECT last_seq FROM doc_heads WHERE doc_id = $1 FOR KEY SHARE',
          [docId],
        )
        const current = await client.query<{ seq: string }>('SELECT seq FROM doc_snapshots WHERE doc_id = $1', [docId])
        const lastSeq = head.rows[0] ? toInteger(head.rows[0].last_seq) : 0
        const snapshotSeq = current.rows[0] ? toInteger(current.rows[0].seq) : 0
        if (decideCompaction(throughSeq, snapshotSeq, lastSeq) === 'skip') return
        // The WHERE keeps the snapshot moving forward even if another
        // compaction commits between our read above and this write.
        await client.query(
          `INSERT INTO doc_snapshots AS s (doc_id, seq, data) VALUES ($1, $2, $3)
           ON CONFLICT (doc_id) DO UPDATE SET seq = EXCLUDED.seq, data = EXCLUDED.data
           WHERE s.seq <= EXCLUDED.seq`,
          [docId, throughSeq, copy],
        )
        // Entries ≤ throughSeq were all committed before we read the head, so
        // nothing in flight is deleted; later entries are never touched.
        await client.query('DELETE FROM doc_updates WHERE doc_id = $1 AND seq <= $2', [docId, throughSeq])
      }),
    )
  }

  docStats(docId: string): Promise<DocLogStats> {
    return this.#track(async () => {
      // One statement, so log and snapshot come from one committed state.
      const result = await this.#pool.query<{ log_length: string; log_bytes: string; snapshot_bytes: string | null }>(
        `SELECT
           (SELECT count(*) FROM doc_updates WHERE doc_id = $1) AS log_length,
           (SELECT coalesce(sum(octet_length(data)), 0) FROM doc_updates WHERE doc_id = $1) AS log_bytes,
           (SELECT coalesce(octet_length(data), 0) FROM doc_snapshots WHERE doc_id = $1) AS snapshot_bytes`,
        [docId],
      )
      const row = result.rows[0]!
      return {
        logLength: toInteger(row.log_length),
        logBytes: toInteger(row.log_bytes),
        snapshotBytes: row.snapshot_bytes === null ? 0 : toInteger(row.snapshot_bytes),
      }
    })
  }

  deleteDoc(docId: string): Promise<void> {
    return this.#trackDocWrite(docId, () => this.#transaction((client) => deleteDocRows(client, docId)))
  }

  // --- users ---

  createUser(user: UserRecord): Promise<void> {
    const email = normaliseEmail(user.email)
    const values = [user.id, email, user.name, user.passwordHash, user.createdAt]
    return this.#track(async () => {
      try {
        await this.#pool.query(
          'INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)',
          values,
        )
      } catch (error) {
        const constraint = violatedUniqueConstraint(error)
        if (constraint === 'users_email_unique') {
          throw new ConflictError(`email ${email} is already registered`, { cause: error })
        }
        if (constraint !== null) throw new ConflictError(`user ${user.id} already exists`, { cause: error })
        throw error
      }
    })
  }

  getUserById(id: string): Promise<UserRecord | null> {
    return this.#track(async () => {
      const result = await this.#pool.query<UserRow>('SELECT * FROM users WHERE id = $1', [id])
      return result.rows[0] ? toUserRecord(result.rows[0]) : null
    })
  }

  getUserByEmail(email: string): Promise<UserRecord | null> {
    return this.#track(async () => {
      const result = await this.#pool.query<UserRow>('SELECT * FROM users WHERE email = $1', [normaliseEmail(email)])
      return result.rows[0] ? toUserRecord(result.rows[0]) : null
    })
  }

  setPasswordHash(userId: string, expected: string, next: string): Promise<boolean> {
    return this.#track(async () => {
      const result = await this.#pool.query('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [userId, expected, next])
      return result.rowCount === 1
    })
  }

  // --- lists ---

  createList(list: ListRecord): Promise<void> {
    const { id, title, ownerId, createdAt } = list
    return this.#track(() =>
      this.#transaction(async (client) => {
        try {
          await client.query('INSERT INTO lists (id, title, owner_id, created_at) VALUES ($1, $2, $3, $4)', [
            id,
            title,
            ownerId,
            createdAt,
          ])
        } catch (error) {
          if (violatedUniqueConstraint(error) !== null) {
            throw new ConflictError(`list ${id} already exists`, { cause: error })
          }
          throw error
        }
        await client.query("INSERT INTO memberships (list_id, user_id, role) VALUES ($1, $2, 'owner')", [id, ownerId])
      }),
    )
  }

  getList(id: string): Promise<ListRecord | null> {
    return this.#track(async () => {
      const result = await this.#pool.query<ListRow>('SELECT * FROM lists WHERE id = $1', [id])
      return result.rows[0] ? toListRecord(result.rows[0]) : null
    })
  }

  renameList(id: string, title: string): Promise<void> {
    return this.#track(async () => {
      const result = await this.#pool.query('UPDATE lists SET title = $2 WHERE id = $1', [id, title])
      if (result.rowCount === 0) throw listNotFound(id)
    })
  }

  deleteList(id: string): Promise<void> {
    // The list's document has the list's id, so this is also a write to that document.
    return this.#trackDocWrite(id, () =>
      this.#transaction(async (client) => {
        // Memberships go with the list (ON DELETE CASCADE); the document has the list's id.
        await client.query('DELETE FROM lists WHERE id = $1', [id])
        await deleteDocRows(client, id)
      }),
    )
  }

  // --- memberships ---

  setMember(listId: string, userId: string, role: Role): Promise<void> {
    return this.#track(async () => {
      try {
        await this.#pool.query(
          `INSERT INTO memberships (list_id, user_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (list_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
          [listId, userId, role],
        )
      } catch (error) {
        // The foreign key also catches a deleteList that commits while we insert.
        if (isForeignKeyViolation(error)) throw Object.assign(listNotFound(listId), { cause: error })
        throw error
      }
    })
  }

  removeMember(listId: string, userId: string): Promise<void> {
    return this.#track(async () => {
      await this.#pool.query('DELETE FROM memberships WHERE list_id = $1 AND user_id = $2', [listId, userId])
    })
  }

  getRole(listId: string, userId: string): Promise<Role | null> {
    return this.#track(async () => {
      const result = await this.#pool.query<{ role: Role }>(
        'SELECT role FROM memberships WHERE list_id = $1 AND user_id = $2',
        [listId, userId],
      )
      return result.rows[0]?.role ?? null
    })
  }

  listMembers(listId: string): Promise<MembershipRecord[]> {
    return this.#track(async () => {
      // COLLATE "C" orders by code point, like the other stores' string comparison
      // (they differ only for characters outside the BMP, which ids don't contain).
      const result = await this.#pool.query<{ user_id: string; role: Role }>(
        'SELECT user_id, role FROM memberships WHERE list_id = $1 ORDER BY user_id COLLATE "C"',
        [listId],
      )
      return result.rows.map(({ user_id, role }) => ({ listId, userId: user_id, role }))
    })
  }

  listsForUser(userId: string): Promise<Array<{ list: ListRecord; role: Role }>> {
    return this.#track(async () => {
      const result = await this.#pool.query<ListRow & { role: Role }>(
        `SELECT l.*, m.role FROM memberships m JOIN lists l ON l.id = m.list_id WHERE m.user_id = $1`,
        [userId],
      )
      const entries = result.rows.map((row) => ({ list: toListRecord(row), role: row.role }))
      // Sorted here rather than in SQL, so the tie-break is exactly the shared rule.
      return entries.sort((a, b) => oldestListFirst(a.list, b.list))
    })
  }

  // --- placements ---

  setPlacements(userId: string, placements: ListPlacement[]): Promise<boolean> {
    // One row per list (the last placement of a list named twice wins, as in the other stores).
    const byList = [...new Map(placements.map((placement) => [placement.listId, placement])).values()]
    const kept = byList.filter(({ pinned, position }) => pinned || position !== null)
    const cleared = byList.filter(({ pinned, position }) => !pinned && position === null).map(({ listId }) => listId)
    return this.#track(() =>
      this.#transaction(async (client) => {
        // KEY SHARE: a membership removed or its list deleted concurrently waits for this commit (and its rows go with it).
        const members = await client.query('SELECT list_id FROM memberships WHERE user_id = $1 AND list_id = ANY($2::text[]) FOR KEY SHARE', [
          userId,
          byList.map(({ listId }) => listId),
        ])
        if (members.rowCount !== byList.length) return false
        if (cleared.length > 0) await client.query('DELETE FROM list_placements WHERE user_id = $1 AND list_id = ANY($2::text[])', [userId, cleared])
        if (kept.length > 0) {
          await client.query(
            `INSERT INTO list_placements (user_id, list_id, pinned, position)
             SELECT $1, p.list_id, p.pinned, p.position FROM unnest($2::text[], $3::boolean[], $4::text[]) AS p (list_id, pinned, position)
             ON CONFLICT (user_id, list_id) DO UPDATE SET pinned = EXCLUDED.pinned, position = EXCLUDED.position`,
            [userId, kept.map(({ listId }) => listId), kept.map(({ pinned }) => pinned), kept.map(({ position }) => position)],
          )
        }
        return true
      }),
    )
  }

  listPlacements(userId: string): Promise<ListPlacement[]> {
    return this.#track(async () => {
      const result = await this.#pool.query<{ list_id: string; pinned: boolean; position: string | null }>(
        'SELECT list_id, pinned, position FROM list_placements WHERE user_id = $1 ORDER BY list_id COLLATE "C"',
        [userId],
      )
      return result.rows.map(({ list_id, pinned, position }) => ({ listId: list_id, pinned, position }))
    })
  }

  // --- activity ---

  appendActivity(listId: string, events: ActivityEvent[], bound: ActivityBound): Promise<void> {
    const json = JSON.stringify(events)
    return this.#track(async () => {
      try {
        await this.#transaction(async (client) => {
          await client.query(
            `INSERT INTO activity (list_id, id, at, event)
             SELECT $1, e->>'id', (e->>'at')::bigint, e FROM jsonb_array_elements($2::jsonb) AS e
             ON CONFLICT (list_id, id) DO NOTHING`,
            [listId, json],
          )
          // All but the newest maxEvents, and whatever is older than the age bound.
          await client.query(
            `DELETE FROM activity WHERE list_id = $1 AND (
               at < $2 OR id <= (SELECT id FROM activity WHERE list_id = $1 ORDER BY id DESC OFFSET $3 LIMIT 1)
             )`,
            [listId, bound.notBefore, bound.maxEvents],
          )
        })
      } catch (error) {
        // The list does not exist, or a deleteList committed meanwhile: its activity goes with it.
        if (isForeignKeyViolation(error)) return
        throw error
      }
    })
  }

  listActivity(listId: string, query: { before?: string; limit: number; notBefore: number }): Promise<ActivityEvent[]> {
    return this.#track(async () => {
      const result = await this.#pool.query<{ event: ActivityEvent }>(
        `SELECT event FROM activity WHERE list_id = $1 AND at >= $2 AND ($3::text IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $4`,
        [listId, query.notBefore, query.before ?? null, query.limit],
      )
      return result.rows.map(({ event }) => event)
    })
  }

  // --- sessions ---

  createSession(session: SessionRecord): Promise<void> {
    const values = [session.id, session.userId, session.device, session.createdAt, session.lastUsedAt, session.tokenId, session.expiresAt]
    return this.#track(async () => {
      try {
        await this.#pool.query(
          'INSERT INTO sessions (id, user_id, device, created_at, last_used_at, token_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          values,
        )
      } catch (error) {
        if (violatedUniqueConstraint(error) !== null) throw new ConflictError(`session ${session.id} already exists`, { cause: error })
        throw error
      }
    })
  }

  getSession(id: string): Promise<SessionRecord | null> {
    return this.#track(async () => {
      const result = await this.#pool.query<SessionRow>('SELECT * FROM sessions WHERE id = $1', [id])
      return result.rows[0] ? toSessionRecord(result.rows[0]) : null
    })
  }

  rotateSession(id: string, expectedTokenId: string, next: { tokenId: string; expiresAt: number; at: number }, graceMs = 0): Promise<boolean> {
    return this.#track(async () => {
      // One statement: the row lock makes two nodes' rotations of one token take turns, and the second finds it changed.
      // The same rule as storage-rules.ts rotatedSession (SET reads the row as it was).
      const result = await this.#pool.query(
        `UPDATE sessions SET
           previous_token_id = CASE WHEN token_id = $2 THEN token_id ELSE previous_token_id END,
           rotated_at = CASE WHEN token_id = $2 THEN $5 ELSE rotated_at END,
           token_id = $3, expires_at = $4, last_used_at = GREATEST(last_used_at, $5)
         WHERE id = $1 AND (token_id = $2 OR (previous_token_id = $2 AND $6::bigint > 0 AND rotated_at >= $5::bigint - $6::bigint))`,
        [id, expectedTokenId, next.tokenId, next.expiresAt, next.at, graceMs],
      )
      return result.rowCount === 1
    })
  }

  touchSession(id: string, at: number): Promise<void> {
    return this.#track(async () => {
      await this.#pool.query('UPDATE sessions SET last_used_at = $2 WHERE id = $1 AND last_used_at < $2', [id, at])
    })
  }

  deleteSession(id: string): Promise<boolean> {
    return this.#track(async () => {
      const result = await this.#pool.query('DELETE FROM sessions WHERE id = $1', [id])
      return result.rowCount === 1
    })
  }

  deleteUserSessions(userId: string): Promise<string[]> {
    return this.#track(async () => {
      const result = await this.#pool.query<{ id: string }>('DELETE FROM sessions WHERE user_id = $1 RETURNING id', [userId])
      return result.rows.map((row) => row.id)
    })
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return this.#track(async () => {
      const result = await this.#pool.query('DELETE FROM sessions WHERE expires_at <= $1', [now])
      return result.rowCount ?? 0
    })
  }

  listSessions(userId: string): Promise<SessionRecord[]> {
    return this.#track(async () => {
      const result = await this.#pool.query<SessionRow>('SELECT * FROM sessions WHERE user_id = $1', [userId])
      return result.rows.map(toSessionRecord).sort(oldestSessionFirst)
    })
  }

  // --- invitations ---

  createInvitation(invitation: InvitationRecord): Promise<void> {
    return this.#track(() => insertInvitation(this.#pool, invitation))
  }

  getInvitation(id: string): Promise<InvitationRecord | null> {
    return this.#track(async () => {
      const result = await this.#pool.query<InvitationRow>('SELECT * FROM invitations WHERE id = $1', [id])
      return result.rows[0] ? toInvitationRecord(result.rows[0]) : null
    })
  }

  getInvitationByTokenHash(tokenHash: string): Promise<InvitationRecord | null> {
    return this.#track(async () => {
      const result = await this.#pool.query<InvitationRow>('SELECT * FROM invitations WHERE token_hash = $1', [tokenHash])
      return result.rows[0] ? toInvitationRecord(result.rows[0]) : null
    })
  }

  listInvitations(listId: string): Promise<InvitationRecord[]> {
    return this.#track(async () => {
      const result = await this.#pool.query<InvitationRow>('SELECT * FROM invitations WHERE list_id = $1', [listId])
      // Sorted here, so the tie-break is exactly the shared rule.
      return result.rows.map(toInvitationRecord).sort(oldestInvitationFirst)
    })
  }

  revokeInvitation(id: string, at: number): Promise<boolean> {
    return this.#track(async () => {
      const result = await this.#pool.query("UPDATE invitations SET state = 'revoked', ended_at = $2 WHERE id = $1 AND state = 'pending'", [id, at])
      return result.rowCount === 1
    })
  }

  replaceInvitation(id: string, next: InvitationRecord, at: number): Promise<boolean> {
    return this.#track(() =>
      this.#transaction(async (client) => {
        const ended = await client.query("UPDATE invitations SET state = 'reset', ended_at = $2 WHERE id = $1 AND state = 'pending'", [id, at])
        if (ended.rowCount !== 1) return false
        await insertInvitation(client, next)
        return true
      }),
    )
  }

  acceptInvitation(id: string, userId: string, at: number): Promise<{ role: Role; previousRole: Role | null } | null> {
    return this.#track(() =>
      this.#acceptInvitation(id, userId, at).catch((error: unknown) => {
        // The list was deleted while the membership was written: nothing was done.
        if (isForeignKeyViolation(error)) return null
        throw error
      }),
    )
  }

  #acceptInvitation(id: string, userId: string, at: number): Promise<{ role: Role; previousRole: Role | null } | null> {
    return this.#transaction(async (client) => {
      // The row lock orders this against a revoke, a reset or another acceptance of the same invitation, on any node.
      const found = await client.query<InvitationRow>('SELECT * FROM invitations WHERE id = $1 FOR UPDATE', [id])
      const invitation = found.rows[0] ? toInvitationRecord(found.rows[0]) : null
      if (!invitation || !isInvitationOpen(invitation, at)) return null
      // Locks the membership (or, for a new member, the list row through the foreign key) until commit.
      const current = await client.query<{ role: Role }>('SELECT role FROM memberships WHERE list_id = $1 AND user_id = $2 FOR UPDATE', [
        invitation.listId,
        userId,
      ])
      const previousRole = current.rows[0]?.role ?? null
      const role = roleAfterAccepting(previousRole, invitation.role)
      if (role !== previousRole) {
        await client.query(
          `INSERT INTO memberships (list_id, user_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (list_id, user_id) DO UPDATE SET role = EXCLUDED.role
           WHERE (CASE memberships.role WHEN 'owner' THEN 3 WHEN 'editor' THEN 2 ELSE 1 END) < (CASE EXCLUDED.role WHEN 'editor' THEN 2 ELSE 1 END)`,
          [invitation.listId, userId, role],
        )
      }
      if (invitation.email !== null) {
        await client.query("UPDATE invitations SET state = 'accepted', ended_at = $2, accepted_by = $3 WHERE id = $1", [id, at, userId])
      }
      return { role, previousRole }
    })
  }

  deleteExpiredInvitations(before: number): Promise<number> {
    return this.#track(async () => {
      const result = await this.#pool.query('DELETE FROM invitations WHERE expires_at <= $1', [before])
      return result.rowCount ?? 0
    })
  }

  // --- lifecycle ---

  ping(): Promise<void> {
    return this.#track(async () => {
      await this.#pool.query('SELECT 1')
    })
  }

  /** Lets calls already started finish, then closes every connection. Safe to call more than once. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled(this.#inFlight)
      await this.#pool.end()
    })()
    return this.#closing
  }

  // --- helpers ---

  /**
   * Runs one call, refusing it once close() has begun, and remembers it until
   * it settles so close() can wait for it. Every public method goes through
   * here synchronously, before its first await.
   */
  #track<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new Error('storage is closed'))
    const call = work()
    this.#inFlight.add(call)
    const forget = () => this.#inFlight.delete(call)
    call.then(forget, forget)
    return call
  }

  /** #track for a write to one document: it also waits for this node's earlier writes to that document. */
  #trackDocWrite<T>(docId: string, work: () => Promise<T>): Promise<T> {
    return this.#track(() => this.#docWrites.run(docId, work))
  }

  #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, work)
  }

  /** A transaction whose statements all read one snapshot of the database. */
  #readOnlyTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, work, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  }
}

async function readDocHead(
  db: Queryable,
  docId: string,
): Promise<{ lastSeq: number; snapshotSeq: number; snapshot: Buffer | null }> {
  const result = await db.query<{ last_seq: string | null; snapshot_seq: string | null; snapshot: Buffer | null }>(
    `SELECT
       (SELECT last_seq FROM doc_heads WHERE doc_id = $1) AS last_seq,
       (SELECT seq FROM doc_snapshots WHERE doc_id = $1) AS snapshot_seq,
       (SELECT data FROM doc_snapshots WHERE doc_id = $1) AS snapshot`,
    [docId],
  )
  const row = result.rows[0]!
  return {
    lastSeq: row.last_seq === null ? 0 : toInteger(row.last_seq),
    snapshotSeq: row.snapshot_seq === null ? 0 : toInteger(row.snapshot_seq),
    snapshot: row.snapshot,
  }
}

/** Deletes a document's rows, head first (see the lock order in the header comment). */
async function deleteDocRows(client: pg.PoolClient, docId: string): Promise<void> {
  await client.query('DELETE FROM doc_heads WHERE doc_id = $1', [docId])
  await client.query('DELETE FROM doc_snapshots WHERE doc_id = $1', [docId])
  await client.query('DELETE FROM doc_updates WHERE doc_id = $1', [docId])
}

function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    createdAt: toInteger(row.created_at),
  }
}

function toSessionRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    device: row.device,
    createdAt: toInteger(row.created_at),
    lastUsedAt: toInteger(row.last_used_at),
    tokenId: row.token_id,
    expiresAt: toInteger(row.expires_at),
    ...(row.previous_token_id === null ? {} : { previousTokenId: row.previous_token_id }),
    ...(row.rotated_at === null ? {} : { rotatedAt: toInteger(row.rotated_at) }),
  }
}

async function insertInvitation(db: Queryable, invitation: InvitationRecord): Promise<void> {
  const { id, listId, tokenHash, role, email, createdBy, createdAt, expiresAt, state } = invitation
  try {
    await db.query(
      `INSERT INTO invitations (id, list_id, token_hash, role, email, created_by, created_at, expires_at, state, ended_at, accepted_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [id, listId, tokenHash, role, email, createdBy, createdAt, expiresAt, state, invitation.endedAt ?? null, invitation.acceptedBy ?? null],
    )
  } catch (error) {
    if (violatedUniqueConstraint(error) !== null) throw new ConflictError(`invitation ${id} (or its token) already exists`, { cause: error })
    if (isForeignKeyViolation(error)) throw Object.assign(listNotFound(listId), { cause: error })
    throw error
  }
}

function toInvitationRecord(row: InvitationRow): InvitationRecord {
  return {
    id: row.id,
    listId: row.list_id,
    tokenHash: row.token_hash,
    role: row.role,
    email: row.email,
    createdBy: row.created_by,
    createdAt: toInteger(row.created_at),
    expiresAt: toInteger(row.expires_at),
    state: row.state,
    ...(row.ended_at === null ? {} : { endedAt: toInteger(row.ended_at) }),
    ...(row.accepted_by === null ? {} : { acceptedBy: row.accepted_by }),
  }
}

function toListRecord(row: ListRow): ListRecord {
  return { id: row.id, title: row.title, ownerId: row.owner_id, createdAt: toInteger(row.created_at) }
}

/**
 * `pg` returns bigint (and count/sum) columns as strings, since they may not
 * fit a JS number. Ours are seqs, byte counts and millisecond times, which
 * do; anything else is refused rather than rounded.
 */
function toInteger(value: string | number): number {
  const number = Number(value)
  if (!Number.isSafeInteger(number)) throw new RangeError(`database returned ${value}, not a safe integer`)
  return number
}
