/**
 * A real, throwaway PostgreSQL server for tests: a fresh data directory in
 * the OS temp dir, listening on 127.0.0.1 on a free port, trusting local
 * connections, deleted again by `stop()`.
 *
 * It uses the server binaries of the Debian `postgresql` package
 * (`/usr/lib/postgresql/<version>/bin`), which `.ci/system-deps.sh` installs.
 * It never touches a system cluster the package may have started on 5432.
 */
import { execFile, spawnSync } from 'node:child_process'
import { access, appendFile, chown, constants, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from './free-port.ts'

const run = promisify(execFile)

const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql'
/** The OS user the Debian package creates; PostgreSQL refuses to run as root, so root runs it as this user. */
const SERVER_OS_USER = 'postgres'
/** The database superuser initdb creates; with trust auth it needs no password. */
const SUPERUSER = 'postgres'
/** A free port can be taken by someone else between finding it and binding it; try a few. */
const START_ATTEMPTS = 3

export interface TestPostgres {
  /** Connection string of the `postgres` database as the superuser. */
  connectionString: string
  /** Connection string of another database on the same server (create it first). */
  databaseUrl(database: string): string
  /** Creates an empty database on this server and returns its connection string. */
  createDatabase(database: string): Promise<string>
  /** Stops the server and deletes its data. Safe to call more than once. */
  stop(): Promise<void>
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = await findServerBinaries()
  const asServerUser = process.getuid?.() === 0
  const root = await mkdtemp(join(tmpdir(), 'colist-pg-'))
  const dataDir = join(root, 'data')
  const logFile = join(root, 'server.log')
  const command = (program: string, args: string[]) =>
    asServerUser
      ? { file: 'runuser', args: ['-u', SERVER_OS_USER, '--', join(bin, program), ...args] }
      : { file: join(bin, program), args }
  // cwd is the temp dir: the server user may not be allowed into the test's working directory.
  const exec = async (program: string, args: string[]) => {
    const { file, args: fullArgs } = command(program, args)
    try {
      await run(file, fullArgs, { cwd: root })
    } catch (error) {
      const log = await readFile(logFile, 'utf8').catch(() => '')
      const logPart = log ? `\nserver log:\n${log}` : ''
      throw new Error(`${program} ${args[0] ?? ''} failed: ${describe(error)}${logPart}`, { cause: error })
    }
  }

  try {
    if (asServerUser) await giveToServerUser(root)
    // --no-sync only skips flushing initdb's own output: a throwaway cluster
    // need not survive a power cut. The server itself runs with fsync on.
    await exec('initdb', ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'])
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        '# colist test server',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${root}'`,
        'fsync = on',
        'synchronous_commit = on',
        '',
      ].join('\n'),
    )
  } catch (error) {
    await rm(root, { recursive: true, force: true })
    throw error
  }

  // Synchronous, because it also runs from an 'exit' handler, where nothing async completes.
  const stopNow = () => {
    const { file, args } = command('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-s'])
    spawnSync(file, args, { cwd: root, stdio: 'ignore' })
  }

  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      await exec('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-s', '-o', `-p ${port}`])
      break
    } catch (error) {
      if (attempt >= START_ATTEMPTS) {
        await rm(root, { recursive: true, force: true })
        throw error
      }
    }
  }
  // If the test process exits without stop() (a crash, a killed worker), don't leave a server behind.
  process.once('exit', stopNow)

  const databaseUrl = (database: string) =>
    `postgresql://${SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(database)}`
  let stopping: Promise<void> | null = null
  return {
    connectionString: databaseUrl('postgres'),
    databaseUrl,
    async createDatabase(database) {
      const admin = new pg.Client({ connectionString: databaseUrl('postgres') })
      await admin.connect()
      try {
        await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`)
      } finally {
        await admin.end()
      }
      return databaseUrl(database)
    },
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', stopNow)
        try {
          await exec('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-s'])
        } finally {
          await rm(root, { recursive: true, force: true })
        }
      })()
      return stopping
    },
  }
}

/** The bin directory of the newest PostgreSQL server installed by the Debian package. */
async function findServerBinaries(): Promise<string> {
  const versions = await readdir(DEBIAN_POSTGRES_ROOT).catch(() => [] as string[])
  const newestFirst = versions.sort((a, b) => Number(b) - Number(a) || (a < b ? 1 : -1))
  for (const version of newestFirst) {
    const bin = join(DEBIAN_POSTGRES_ROOT, version, 'bin')
    const usable = await Promise.all(
      ['initdb', 'pg_ctl'].map((program) => access(join(bin, program), constants.X_OK).then(() => true, () => false)),
    )
    if (usable.every(Boolean)) return bin
  }
  throw new Error(
    `no PostgreSQL server binaries (initdb, pg_ctl) under ${DEBIAN_POSTGRES_ROOT}/*/bin; ` +
      'install the Debian package postgresql (bash .ci/system-deps.sh does)',
  )
}

async function giveToServerUser(dir: string): Promise<void> {
  const [uid, gid] = await Promise.all(
    ['-u', '-g'].map(async (flag) => Number((await run('id', [flag, SERVER_OS_USER])).stdout.trim())),
  )
  await chown(dir, uid!, gid!)
}

function describe(error: unknown): string {
  const stderr = error && typeof error === 'object' && 'stderr' in error ? error.stderr : undefined
  if (typeof stderr === 'string' && stderr.trim()) return stderr.trim()
  return error instanceof Error ? error.message : String(error)
}
