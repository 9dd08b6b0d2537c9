/**
 * Colist's PostgreSQL schema, as numbered migrations, and the code that
 * brings a database up to date. docs/storage.md describes the same schema
 * for humans; change both together.
 *
 * Migrations are append-only: a released one is never edited (databases that
 * already ran it would not see the change), a new version is added instead.
 */
import type pg from 'pg'
import { inTransaction } from './postgres-transaction.ts'

export interface Migration {
  /** 1, 2, 3, … in order, without gaps. */
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts and documents',
    sql: `
      -- Times are milliseconds since the Unix epoch, exactly as in the records
      -- (UserRecord.createdAt, ListRecord.createdAt), so they round-trip exactly.
      CREATE TABLE users (
        id            text   PRIMARY KEY,
        email         text   NOT NULL CONSTRAINT users_email_unique UNIQUE,
        name          text   NOT NULL,
        password_hash text   NOT NULL,
        created_at    bigint NOT NULL
      );

      -- owner_id and memberships.user_id do not reference users: the Storage
      -- contract lets a list or membership name a user this store has never
      -- seen (the in-memory and LevelDB stores allow it too).
      CREATE TABLE lists (
        id         text   PRIMARY KEY,
        title      text   NOT NULL,
        owner_id   text   NOT NULL,
        created_at bigint NOT NULL
      );

      CREATE TABLE memberships (
        list_id text NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        role    text NOT NULL CONSTRAINT memberships_role_known CHECK (role IN ('owner', 'editor', 'viewer')),
        PRIMARY KEY (list_id, user_id)
      );
      -- listsForUser looks memberships up by user.
      CREATE INDEX memberships_user_id ON memberships (user_id);

      -- The last seq ever appended to each document. Appends allocate seqs by
      -- updating this row, so concurrent appenders (from any node) queue on
      -- its row lock; it survives compaction, which may delete every entry.
      CREATE TABLE doc_heads (
        doc_id   text   PRIMARY KEY,
        last_seq bigint NOT NULL CHECK (last_seq >= 0)
      );

      CREATE TABLE doc_updates (
        doc_id text   NOT NULL,
        seq    bigint NOT NULL CHECK (seq > 0),
        data   bytea  NOT NULL,
        PRIMARY KEY (doc_id, seq)
      );

      -- seq: the last log entry folded into data.
      CREATE TABLE doc_snapshots (
        doc_id text   PRIMARY KEY,
        seq    bigint NOT NULL CHECK (seq >= 0),
        data   bytea  NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'list activity',
    sql: `
      -- Each list's activity feed (shared/activity.ts), trimmed on every write
      -- to the newest events within an age bound. Ids sort by time in
      -- code-point order, hence COLLATE "C"; event is the event as JSON.
      CREATE TABLE activity (
        list_id text   NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
        id      text   COLLATE "C" NOT NULL,
        at      bigint NOT NULL,
        event   jsonb  NOT NULL,
        PRIMARY KEY (list_id, id)
      );
    `,
  },
  {
    version: 3,
    name: 'sessions',
    sql: `
      -- A signed-in device (server/sessions.ts); every token names one.
      -- token_id: the session's one working token; refresh swaps it with a
      -- compare-and-set. user_id does not reference users (see lists).
      CREATE TABLE sessions (
        id           text   PRIMARY KEY,
        user_id      text   NOT NULL,
        device       text   NOT NULL,
        created_at   bigint NOT NULL,
        last_used_at bigint NOT NULL,
        token_id     text   NOT NULL,
        expires_at   bigint NOT NULL
      );
      CREATE INDEX sessions_user_id ON sessions (user_id);
    `,
  },
  {
    version: 4,
    name: 'sessions-previous-token',
    sql: `
      -- The token a refresh replaced, and when: refreshing with it again
      -- within the grace (its answer was lost) rotates once more.
      ALTER TABLE sessions ADD COLUMN previous_token_id text, ADD COLUMN rotated_at bigint;
    `,
  },
  {
    version: 5,
    name: 'invitations',
    sql: `
      -- Invitations to a list (server/invitations.ts): by email (email set,
      -- used once) or by link (email null). Only the token's SHA-256 is kept.
      -- Ended ones (accepted, revoked, reset) stay until the sweep deletes
      -- them after expires_at, so their links can say why they stopped.
      CREATE TABLE invitations (
        id          text   PRIMARY KEY,
        list_id     text   NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
        token_hash  text   NOT NULL CONSTRAINT invitations_token_hash_unique UNIQUE,
        role        text   NOT NULL CHECK (role IN ('editor', 'viewer')),
        email       text,
        created_by  text   NOT NULL,
        created_at  bigint NOT NULL,
        expires_at  bigint NOT NULL,
        state       text   NOT NULL CHECK (state IN ('pending', 'accepted', 'revoked', 'reset')),
        ended_at    bigint,
        accepted_by text
      );
      CREATE INDEX invitations_list_id ON invitations (list_id);
      CREATE INDEX invitations_expires_at ON invitations (expires_at);
    `,
  },
  {
    version: 6,
    name: 'list placements',
    sql: `
      -- Where a member keeps a list on their lists page: pinned, and its
      -- place (a fractional order key, compared by code point, hence
      -- COLLATE "C"; null: the default place). A row at the default is not
      -- kept. It goes with the membership, and stays through a role change
      -- (setMember updates the membership row in place).
      CREATE TABLE list_placements (
        user_id  text    NOT NULL,
        list_id  text    NOT NULL,
        pinned   boolean NOT NULL,
        position text    COLLATE "C",
        PRIMARY KEY (user_id, list_id),
        FOREIGN KEY (list_id, user_id) REFERENCES memberships (list_id, user_id) ON DELETE CASCADE
      );
    `,
  },
]

/**
 * Key of the advisory lock that serialises migration runs, so nodes starting
 * at the same moment take turns: the first applies what is missing, the
 * others then find nothing to do. Any fixed bigint works; this one is
 * "colist" in ASCII.
 */
const MIGRATION_LOCK_KEY = 0x636f6c697374n

/**
 * Applies every migration the database lacks, in order, in one transaction:
 * either the schema reaches the latest version or nothing changes.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<void> {
  assertNumberedInOrder(migrations)
  await inTransaction(pool, async (client) => {
    // Transaction-scoped: released by COMMIT or ROLLBACK, even if this node dies.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()])
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer     PRIMARY KEY,
        name       text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )
    `)
    const applied = await client.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    )
    const pending = pendingMigrations(applied.rows, migrations)
    for (const migration of pending) {
      await client.query(migration.sql)
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ])
    }
  })
}

/**
 * The migrations still to run. Refuses a database whose history disagrees
 * with this build's: one migrated by a newer build (this node would write
 * data that schema may not expect) or one whose recorded migrations differ
 * from the code's (someone edited a released migration).
 */
export function pendingMigrations(
  applied: ReadonlyArray<{ version: number; name: string }>,
  migrations: readonly Migration[],
): Migration[] {
  const latestKnown = migrations.at(-1)?.version ?? 0
  for (const { version, name } of applied) {
    const known = migrations.find((migration) => migration.version === version)
    if (!known) {
      throw new Error(
        `database schema has migration ${version} (${name}), but this build only knows up to ${latestKnown}; ` +
          'run a newer build',
      )
    }
    if (known.name !== name) {
      throw new Error(`database migration ${version} is "${name}" but this build calls it "${known.name}"`)
    }
  }
  const appliedVersions = new Set(applied.map(({ version }) => version))
  return migrations.filter((migration) => !appliedVersions.has(migration.version))
}

function assertNumberedInOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`)
    }
  })
}
