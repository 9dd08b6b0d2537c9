/**
 * PostgresStorage against a real, throwaway PostgreSQL server: the shared
 * contract suite, then what only a store shared by several nodes must do.
 * "Nodes" are PostgresStorage instances, each with its own pool, on one
 * database. Tests share one database, emptied before each; the tests of
 * migrations and connection loss get a database of their own.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres, type TestPostgres } from '../test-support/postgres-server.ts'
import { MIGRATIONS, pendingMigrations } from './postgres-migrations.ts'
import { PostgresStorage } from './postgres-storage.ts'
import { ConflictError, type Storage, type UserRecord } from './storage.ts'
import { runStorageContract } from './storage.contract.ts'

const SHARED_DATABASE = 'colist_shared'

let server: TestPostgres
/** Connection to the server's maintenance database, for creating and inspecting test databases. */
let admin: pg.Pool
/** Connection to the shared database, for emptying it. */
let shared: pg.Pool

beforeAll(async () => {
  server = await startPostgres()
  admin = new pg.Pool({ connectionString: server.connectionString, max: 2 })
  await admin.query(`CREATE DATABASE ${SHARED_DATABASE}`)
  shared = new pg.Pool({ connectionString: server.databaseUrl(SHARED_DATABASE), max: 1 })
})

afterAll(async () => {
  await shared?.end()
  await admin?.end()
  await server?.stop()
})

/**
 * The shared database's URL, with every table but schema_migrations emptied:
 * far faster than creating a database per test (TRUNCATE vs copying a template).
 */
async function emptySharedDatabase(): Promise<string> {
  const tables = await shared.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
  )
  const names = tables.rows.map(({ tablename }) => `"${tablename}"`)
  if (names.length > 0) await shared.query(`TRUNCATE ${names.join(', ')}`)
  return server.databaseUrl(SHARED_DATABASE)
}

let databaseCount = 0

/** A new, empty database; its URL and a function that drops it. */
async function freshDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `colist_test_${++databaseCount}`
  await admin.query(`CREATE DATABASE ${name}`)
  return {
    url: server.databaseUrl(name),
    name,
    // FORCE: a closed pool's server processes may take a moment to exit.
    drop: async () => void (await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)),
  }
}

runStorageContract('PostgresStorage', async () => {
  const url = await emptySharedDatabase()
  let newest: Storage = await PostgresStorage.open(url)
  return {
    storage: newest,
    // A new pool on the same database: nothing survives in the process, only in PostgreSQL.
    reopen: async () => (newest = await PostgresStorage.open(url)),
    cleanup: () => newest.close(),
  }
})

/** `count` stores on the emptied shared database, as that many nodes would have them; closed after `body`. */
async function withNodes(count: number, body: (nodes: PostgresStorage[]) => Promise<void>): Promise<void> {
  const url = await emptySharedDatabase()
  const nodes: PostgresStorage[] = []
  try {
    for (let i = 0; i < count; i++) nodes.push(await PostgresStorage.open(url, { poolSize: 4 }))
    await body(nodes)
  } finally {
    await Promise.all(nodes.map((node) => node.close()))
  }
}

function withTwoNodes(body: (a: PostgresStorage, b: PostgresStorage) => Promise<void>): Promise<void> {
  return withNodes(2, ([a, b]) => body(a!, b!))
}

/** A recognisable update: which node wrote it and its index there. Storage never interprets the bytes. */
function update(node: number, index: number, length = 8): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i === 0 ? node : i === 1 ? index % 256 : (index >> 8) + i))
}

function user(id: string, email: string): UserRecord {
  return { id, email, name: `User ${id}`, passwordHash: `hash-${id}`, createdAt: 1_700_000_000_000 }
}

describe('PostgresStorage shared by several nodes', () => {
  it('gives concurrent appends from several nodes distinct, gap-free seqs, contiguous per call', async () => {
    const NODES = 4
    await withNodes(NODES, async (nodes) => {
      const calls: Array<{ node: number; updates: Uint8Array[]; seq: Promise<number> }> = []
      for (let i = 0; i < 80; i++) {
        const node = i % NODES
        // Every fifth call carries a batch of three, as a room flushing a burst would.
        const count = i % 5 === 0 ? 3 : 1
        const updates = Array.from({ length: count }, (_, k) => update(node, i * 3 + k))
        calls.push({ node, updates, seq: nodes[node]!.appendUpdates('doc', updates) })
      }
      const lastSeqs = await Promise.all(calls.map(({ seq }) => seq))

      const total = calls.reduce((sum, { updates }) => sum + updates.length, 0)
      const allSeqs = calls.flatMap(({ updates }, i) => updates.map((_, k) => lastSeqs[i]! - updates.length + 1 + k))
      expect(allSeqs.sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
      // Within a node, seqs follow call order: a room relies on that.
      for (let node = 0; node < NODES; node++) {
        const own = lastSeqs.filter((_, i) => calls[i]!.node === node)
        expect(own).toEqual([...own].sort((x, y) => x - y))
      }

      for (const reader of nodes) {
        const loaded = await reader.loadDoc('doc')
        expect(loaded.lastSeq).toBe(total)
        expect(loaded.updates).toHaveLength(total)
        calls.forEach(({ updates }, i) => {
          const first = lastSeqs[i]! - updates.length
          expect(loaded.updates.slice(first, lastSeqs[i])).toEqual(updates)
        })
      }
    })
  })

  it("never deletes another node's entries after throughSeq when it compacts while they append", async () => {
    await withTwoNodes(async (a, b) => {
      await a.appendUpdates('doc', [update(0, 0), update(0, 1), update(0, 2)])
      const racing = Array.from({ length: 20 }, (_, i) => update(1, i))

      const [, ...seqs] = await Promise.all([
        a.compactDoc('doc', update(9, 9, 32), 3),
        ...racing.map((entry) => b.appendUpdates('doc', [entry])),
      ])

      const loaded = await a.loadDoc('doc')
      expect(loaded).toMatchObject({ snapshotSeq: 3, lastSeq: 23 })
      // Each racing update sits at the seq its append returned.
      seqs.forEach((seq, i) => expect(loaded.updates[seq - 4]).toEqual(racing[i]))
    })
  })

  it('keeps the newest snapshot when two nodes compact one document at once', async () => {
    await withTwoNodes(async (a, b) => {
      await a.appendUpdates('doc', Array.from({ length: 10 }, (_, i) => update(0, i)))
      for (let round = 0; round < 5; round++) {
        const older = 10 * round + 4
        const newer = 10 * round + 8
        await Promise.all([
          a.compactDoc('doc', update(0, older, 16), older),
          b.compactDoc('doc', update(1, newer, 16), newer),
        ])
        const loaded = await b.loadDoc('doc')
        expect(loaded.snapshotSeq).toBe(newer)
        expect(loaded.snapshot).toEqual(update(1, newer, 16))
        expect(loaded.updates).toHaveLength(loaded.lastSeq - newer)
        await a.appendUpdates('doc', Array.from({ length: 10 }, (_, i) => update(0, 100 + i)))
      }
    })
  })

  it('lets exactly one of two nodes register an email when both try at once', async () => {
    await withTwoNodes(async (a, b) => {
      for (let round = 0; round < 10; round++) {
        const results = await Promise.allSettled([
          a.createUser(user(`a${round}`, `same${round}@example.com`)),
          b.createUser(user(`b${round}`, `SAME${round}@example.com`)),
        ])
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
        const [rejected] = results.filter((result) => result.status === 'rejected')
        expect(rejected?.reason).toBeInstanceOf(ConflictError)
        expect(await b.getUserByEmail(`same${round}@example.com`)).not.toBeNull()
      }
    })
  })

  it('never leaves a membership behind when it races the deletion of its list', async () => {
    await withTwoNodes(async (a, b) => {
      for (let round = 0; round < 10; round++) {
        const listId = `l${round}`
        await a.createList({ id: listId, title: 'x', ownerId: 'alice', createdAt: round })
        await Promise.allSettled([a.deleteList(listId), b.setMember(listId, 'bob', 'editor')])
        expect(await b.listMembers(listId)).toEqual([])
        expect(await b.listsForUser('bob')).toEqual([])
      }
    })
  })
})

describe('PostgresStorage migrations', () => {
  async function appliedMigrations(url: string): Promise<Array<{ version: number; name: string; applied_at: Date }>> {
    const client = new pg.Client(url)
    await client.connect()
    try {
      return (await client.query('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')).rows
    } finally {
      await client.end()
    }
  }

  it('creates the schema on first open and changes nothing on the next', async () => {
    const database = await freshDatabase()
    try {
      const first = await PostgresStorage.open(database.url)
      await first.createUser(user('u1', 'ada@example.com'))
      await first.close()
      const afterFirst = await appliedMigrations(database.url)
      expect(afterFirst.map(({ version, name }) => ({ version, name }))).toEqual(
        MIGRATIONS.map(({ version, name }) => ({ version, name })),
      )

      const second = await PostgresStorage.open(database.url)
      await second.close()
      expect(await appliedMigrations(database.url)).toEqual(afterFirst)
      const reopened = await PostgresStorage.open(database.url)
      expect((await reopened.getUserById('u1'))?.email).toBe('ada@example.com')
      await reopened.close()
    } finally {
      await database.drop()
    }
  })

  it('lets several nodes open a fresh database at the same moment', async () => {
    const database = await freshDatabase()
    try {
      const opening = Array.from({ length: 4 }, () => PostgresStorage.open(database.url, { poolSize: 2 }))
      const nodes = await Promise.all(opening)
      await Promise.all(nodes.map((node, i) => node.appendUpdates('doc', [update(i, 0)])))
      expect((await nodes[0]!.loadDoc('doc')).lastSeq).toBe(4)
      await Promise.all(nodes.map((node) => node.close()))
      expect(await appliedMigrations(database.url)).toHaveLength(MIGRATIONS.length)
    } finally {
      await database.drop()
    }
  })

  it('refuses a database migrated by a newer build', async () => {
    const database = await freshDatabase()
    try {
      await (await PostgresStorage.open(database.url)).close()
      const client = new pg.Client(database.url)
      await client.connect()
      await client.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')")
      await client.end()
      await expect(PostgresStorage.open(database.url)).rejects.toThrow(/migration 999.*run a newer build/)
    } finally {
      await database.drop()
    }
  })

  it('refuses a history that disagrees with the code', () => {
    expect(pendingMigrations([], MIGRATIONS)).toEqual(MIGRATIONS)
    expect(pendingMigrations([{ version: 1, name: MIGRATIONS[0]!.name }], MIGRATIONS)).toEqual(MIGRATIONS.slice(1))
    expect(() => pendingMigrations([{ version: 1, name: 'renamed later' }], MIGRATIONS)).toThrow(/migration 1/)
  })
})

/** Resolves once a Colist connection to `database` is waiting for a lock (bounded: the test times out otherwise). */
async function waitForLockWaiter(database: string): Promise<void> {
  for (;;) {
    const waiting = await admin.query(
      "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'colist' AND wait_event_type = 'Lock'",
      [database],
    )
    if (waiting.rowCount) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('PostgresStorage connection failures', () => {
  it('reconnects after the server drops an idle connection, reporting the drop', async () => {
    const database = await freshDatabase()
    let reportDrop: (error: Error) => void = () => {}
    const dropped = new Promise<Error>((resolve) => (reportDrop = resolve))
    const storage = await PostgresStorage.open(database.url, {
      poolSize: 1,
      onIdleConnectionError: (error) => reportDrop(error),
    })
    try {
      await storage.ping()
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database.name],
      )
      expect((await dropped).message).toMatch(/terminat/)
      expect(await storage.appendUpdates('doc', [update(0, 0)])).toBe(1)
    } finally {
      await storage.close()
      await database.drop()
    }
  })

  it('rejects a call whose connection dies mid-transaction, applies none of it, and carries on', async () => {
    const database = await freshDatabase()
    const storage = await PostgresStorage.open(database.url, { poolSize: 2 })
    const blocker = new pg.Client(database.url)
    try {
      await storage.appendUpdates('doc', [update(0, 0), update(0, 1)])
      // Hold the head row so the compaction's transaction stops at its first statement.
      await blocker.connect()
      await blocker.query('BEGIN')
      await blocker.query("SELECT * FROM doc_heads WHERE doc_id = 'doc' FOR UPDATE")
      const compacting = storage.compactDoc('doc', update(9, 9), 2)
      await waitForLockWaiter(database.name)

      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = $1 AND application_name = 'colist' AND wait_event_type = 'Lock'`,
        [database.name],
      )
      await expect(compacting).rejects.toThrow()
      await blocker.query('ROLLBACK')

      expect(await storage.loadDoc('doc')).toMatchObject({ snapshot: null, snapshotSeq: 0, lastSeq: 2 })
      expect(await storage.appendUpdates('doc', [update(0, 2)])).toBe(3)
    } finally {
      await blocker.end()
      await storage.close()
      await database.drop()
    }
  })

  it('rejects calls, rather than hanging, while the server is gone', async () => {
    // Its own server, since this test stops it.
    const own = await startPostgres()
    const storage = await PostgresStorage.open(own.connectionString, { connectionTimeoutMs: 2_000 })
    try {
      expect(await storage.appendUpdates('doc', [update(0, 0)])).toBe(1)
      await own.stop()
      await expect(storage.appendUpdates('doc', [update(0, 1)])).rejects.toThrow()
      await expect(storage.loadDoc('doc')).rejects.toThrow()
      await expect(storage.ping()).rejects.toThrow()
    } finally {
      await storage.close()
      await own.stop()
    }
  })
})
