/**
 * `npx colist <command>`: the operator's command line (issue 12,
 * "Operations"). It talks to the server running on DATA_DIR through the
 * admin socket there (server/admin-socket.ts, server/http/admin-routes.ts):
 * LevelDB lets one process open the store, and that process is the server.
 * Only `restore`, which needs a DATA_DIR no server uses, writes files itself.
 *
 * Compiled with the server (vite.server.config.ts → dist/server/cli.js) and
 * started by server/cli.mjs (the package's `bin`), so it runs under plain
 * `node`; `node --import tsx server/cli.ts` runs it from source.
 *
 * Exit codes: 0 done, 1 refused or failed (the message says why), 2 a
 * command line that is not one (unknown command, missing or extra argument).
 * Passwords are read from stdin, or asked for without echo in a terminal;
 * never taken from the command line, where `ps` and shell history show them.
 */
import { createWriteStream, realpathSync } from 'node:fs'
import { open, rename, rm, stat } from 'node:fs/promises'
import { request, type IncomingMessage } from 'node:http'
import { dirname, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { ActivityEvent } from '../shared/activity.ts'
import { adminSocketPath, MAX_SOCKET_PATH_BYTES, probeSocket } from './admin-socket.ts'
import { dataDirFrom } from './config.ts'
import { BackupError, dataDirEntries, restoreBackup, verifyBackup, type BackupSummary } from './storage/level-backup.ts'

/** A command line that is not one: exit 2. */
class UsageError extends Error {}
/** The operation was refused or failed: exit 1. */
class CliError extends Error {}

interface Context {
  dataDir: string
  socket: string
  options: Options
  out: (line: string) => void
  err: (line: string) => void
}

interface Options {
  name?: string
  json?: boolean
  activity?: string
}

interface Command {
  /** As typed: `backup`, `users add`, … */
  name: string
  args: string[]
  options: Array<keyof Options>
  summary: string
  help: string
  run(ctx: Context, args: string[]): Promise<void>
}

const COMMANDS: Command[] = [
  {
    name: 'backup',
    args: ['file'],
    options: [],
    summary: 'write a consistent backup of the running server (LevelDB) to <file>',
    help: `Takes a point-in-time backup of the running server's LevelDB store while it goes on
serving and writing: every key and value of one LevelDB snapshot, and DATA_DIR's generated token
secret. It is streamed into <file>.partial, checked (counts, checksum), fsynced and only then renamed
to <file> (replacing one there). The file is readable by you alone: it holds password hashes, sessions
and the token secret. A server on PostgreSQL answers that pg_dump is the tool there.`,
    run: backup,
  },
  {
    name: 'restore',
    args: ['file'],
    options: [],
    summary: 'restore a backup into an empty DATA_DIR (no server running on it)',
    help: `Restores a backup made by "colist backup" into DATA_DIR, which must be empty (or not exist yet)
and used by no server: restore never writes over anything stored. The whole file is read and checked
first (format, counts, checksum); a damaged or truncated file is refused before anything is written.
Then start the server on that DATA_DIR.`,
    run: restore,
  },
  {
    name: 'users add',
    args: ['email'],
    options: ['name'],
    summary: 'create a user; the password is read from stdin, or asked for',
    help: `Creates an account, under the sign-up's rules (a valid email nobody uses, a name, a password of
at least 8 characters). The password is read from stdin (its first line), or asked for twice without
echo when stdin is a terminal.`,
    run: usersAdd,
  },
  {
    name: 'users reset-password',
    args: ['email'],
    options: [],
    summary: "set a user's password (read like above); signs them out everywhere",
    help: `Sets a new password for the account (read from stdin, or asked for twice without echo), ends
every session of it (its devices are asked to log in again, keeping their unsynced changes) and
clears its failed log-ins.`,
    run: usersResetPassword,
  },
  {
    name: 'lists show',
    args: ['listId'],
    options: ['json', 'activity'],
    summary: 'a list: size stored, items, members and roles, recent activity (--json, --activity <n>)',
    help: `Shows a list: its title and owner, its items (open and checked), the bytes its document takes
in storage (snapshot and update log), its members with their roles, and its newest activity events
(--activity <n>, default 20, at most 100; 0 for none). --json prints what the server answered.`,
    run: listsShow,
  },
  {
    name: 'lists compact',
    args: ['listId'],
    options: ['json'],
    summary: "fold a list's update log into a snapshot now (--json)",
    help: `Compacts a list now, as the server does on its own past COMPACT_LOG_ENTRIES or COMPACT_LOG_BYTES:
its update log is folded into a snapshot in the list's own write chain, between two appends, while
people go on editing it. Prints the stored size before and after.`,
    run: listsCompact,
  },
]

const OPTION_HELP: Record<keyof Options, string> = {
  name: '--name <name>',
  json: '--json',
  activity: '--activity <n>',
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => synopsis(command).length))
  return [
    'Usage: colist [--data-dir <dir>] <command> [arguments]',
    '',
    'Administers the Colist server running on DATA_DIR, through its admin socket (DATA_DIR/admin.sock).',
    'Run it as the user the server runs as.',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${synopsis(command).padEnd(width)}  ${command.summary}`),
    '',
    'Options:',
    '  --data-dir <dir>  the server\'s DATA_DIR (default: $DATA_DIR, else ./data)',
    '  -h, --help        this help, or a command\'s (colist <command> --help)',
    '',
    'Exit status: 0 done, 1 refused or failed, 2 not a valid command line.',
  ].join('\n')
}

function synopsis(command: Command): string {
  return [command.name, ...command.args.map((arg) => `<${arg}>`), ...command.options.filter((option) => option === 'name').map((option) => OPTION_HELP[option])].join(' ')
}

function commandUsage(command: Command): string {
  const options = command.options.filter((option) => option !== 'name').map((option) => `[${OPTION_HELP[option]}]`)
  return [`Usage: colist [--data-dir <dir>] ${[synopsis(command), ...options].join(' ')}`, '', command.help].join('\n')
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[], io: { out?: (line: string) => void; err?: (line: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((line: string) => void process.stdout.write(`${line}\n`))
  const err = io.err ?? ((line: string) => void process.stderr.write(`${line}\n`))
  try {
    return await run(argv, out, err)
  } catch (error) {
    if (error instanceof UsageError) {
      err(`colist: ${error.message}`)
      err('Run "colist --help" for the commands.')
      return 2
    }
    if (error instanceof CliError) {
      err(`colist: ${error.message}`)
      return 1
    }
    err(`colist: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    return 1
  }
}

async function run(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const passwordOption = argv.find((arg) => /^(-p|--pass(word)?)(=|$)/i.test(arg))
  if (passwordOption) {
    throw new UsageError(`${passwordOption.split('=')[0]}: colist never takes a password on the command line (ps and shell history would show it); pipe it on stdin, or type it when asked`)
  }
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        name: { type: 'string' },
        json: { type: 'boolean' },
        activity: { type: 'string' },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, ''))
  }
  const { values, positionals } = parsed
  const words = positionals[0] === 'help' ? positionals.slice(1) : positionals
  const wantsHelp = values.help === true || positionals[0] === 'help'
  if (words.length === 0) {
    if (wantsHelp) {
      out(usage())
      return 0
    }
    err(usage())
    return 2
  }
  const command = findCommand(words)
  if (wantsHelp) {
    out(commandUsage(command))
    return 0
  }
  const args = words.slice(command.name.split(' ').length)
  if (args.length < command.args.length) throw new UsageError(`${command.name} needs ${command.args.slice(args.length).map((arg) => `<${arg}>`).join(' ')}`)
  if (args.length > command.args.length) throw new UsageError(`${command.name} takes ${command.args.length} argument${command.args.length === 1 ? '' : 's'}; unexpected: ${args.slice(command.args.length).join(' ')}`)
  const options: Options = { name: values.name, json: values.json, activity: values.activity }
  for (const option of Object.keys(options) as Array<keyof Options>) {
    if (options[option] !== undefined && !command.options.includes(option)) throw new UsageError(`${command.name} takes no --${option}`)
  }
  if (command.name === 'users add' && !options.name?.trim()) throw new UsageError('users add needs --name <name>')
  const dataDir = values['data-dir'] === undefined ? dataDirFrom() : resolve(values['data-dir'])
  await command.run({ dataDir, socket: adminSocketPath(dataDir), options, out, err }, args)
  return 0
}

function findCommand(words: string[]): Command {
  const two = COMMANDS.find((command) => command.name === `${words[0]} ${words[1]}`)
  if (two) return two
  const one = COMMANDS.find((command) => command.name === words[0])
  if (one) return one
  const group = COMMANDS.filter((command) => command.name.startsWith(`${words[0]} `))
  if (group.length > 0) {
    const names = group.map((command) => command.name.split(' ')[1]).join(', ')
    throw new UsageError(words[1] === undefined ? `${words[0]} needs a command: ${names}` : `unknown command "${words[0]} ${words[1]}" (${words[0]} has: ${names})`)
  }
  throw new UsageError(`unknown command "${words[0]}"`)
}

// ---------------------------------------------------------------------------
// Talking to the server
// ---------------------------------------------------------------------------

function connectionError(ctx: Context, error: NodeJS.ErrnoException): CliError {
  if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
    return new CliError(`no Colist server is running on ${ctx.dataDir} (nothing answers on ${ctx.socket}); start it, or name the DATA_DIR it runs on with --data-dir or DATA_DIR`)
  }
  if (error.code === 'EACCES' || error.code === 'EPERM') return new CliError(`not allowed to connect to ${ctx.socket}: run colist as the user the server runs as`)
  return new CliError(`could not reach the server on ${ctx.socket}: ${error.message}`)
}

function checkSocketPath(ctx: Context): void {
  if (Buffer.byteLength(ctx.socket) > MAX_SOCKET_PATH_BYTES) {
    throw new CliError(`${ctx.socket} is longer than a socket path may be (${MAX_SOCKET_PATH_BYTES} bytes): a server on this DATA_DIR runs without an admin socket; use a shorter DATA_DIR`)
  }
}

/** Fails early (before asking for a password) when no server answers. */
async function assertServerAnswers(ctx: Context): Promise<void> {
  checkSocketPath(ctx)
  await new Promise<void>((resolvePing, reject) => {
    const req = request({ socketPath: ctx.socket, method: 'HEAD', path: '/', agent: false }, (res) => {
      res.resume()
      resolvePing()
    })
    req.on('error', (error: NodeJS.ErrnoException) => reject(connectionError(ctx, error)))
    req.end()
  })
}

function adminRequest(ctx: Context, method: string, path: string, body?: unknown): Promise<IncomingMessage> {
  checkSocketPath(ctx)
  return new Promise((resolveResponse, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request(
      {
        socketPath: ctx.socket,
        method,
        path,
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      resolveResponse,
    )
    req.on('error', (error: NodeJS.ErrnoException) => reject(connectionError(ctx, error)))
    req.end(payload)
  })
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** The server's refusal as a CliError, with its message. */
async function refusal(res: IncomingMessage): Promise<CliError> {
  const text = await readBody(res)
  try {
    const message = (JSON.parse(text) as { error?: { message?: string } }).error?.message
    if (message) return new CliError(message)
  } catch {
    // not JSON
  }
  return new CliError(`the server answered ${res.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`)
}

async function adminJson<T>(ctx: Context, method: string, path: string, body?: unknown): Promise<T> {
  const res = await adminRequest(ctx, method, path, body)
  if ((res.statusCode ?? 500) >= 400) throw await refusal(res)
  return JSON.parse(await readBody(res)) as T
}

// ---------------------------------------------------------------------------
// backup, restore
// ---------------------------------------------------------------------------

async function backup(ctx: Context, [file]: string[]): Promise<void> {
  const target = resolve(file!)
  const partial = `${target}.partial`
  const started = performance.now()
  const res = await adminRequest(ctx, 'GET', '/backup')
  if (res.statusCode !== 200) throw await refusal(res)
  const removePartial = () => rm(partial, { force: true })
  // Interrupted: leave no partial file behind.
  const onSignal = (signal: NodeJS.Signals) => {
    void removePartial().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  let summary: BackupSummary
  try {
    await removePartial()
    try {
      await pipeline(res, createWriteStream(partial, { flags: 'wx', mode: 0o600 }))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES') throw new CliError(`cannot write ${partial}: ${(error as Error).message}`)
      throw new CliError(`the server stopped sending the backup before its end (${(error as Error).message}); nothing was kept`)
    }
    const written = await open(partial, 'r+')
    try {
      await written.sync()
    } finally {
      await written.close()
    }
    try {
      summary = await verifyBackup(partial)
    } catch (error) {
      if (error instanceof BackupError) throw new CliError(`the backup the server sent is not usable (${error.message}); nothing was kept`)
      throw error
    }
    await rename(partial, target)
    await syncDirectory(dirname(target))
  } catch (error) {
    await removePartial()
    throw error
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  ctx.out(`Backed up ${describeContents(summary)} to ${target}`)
  ctx.out(`${formatBytes(summary.bytes)}, a snapshot taken at ${summary.header.createdAt}, in ${seconds} s.`)
}

/** Makes a rename in `dir` durable (where the OS lets a directory be fsynced). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Not every platform fsyncs a directory; the file itself is synced.
  }
}

async function restore(ctx: Context, [file]: string[]): Promise<void> {
  const source = resolve(file!)
  const info = await stat(source).catch(() => null)
  if (!info?.isFile()) throw new CliError(`${source} is not a file`)
  if ((await probeSocket(ctx.socket)) === true) {
    throw new CliError(`a Colist server is running on ${ctx.dataDir}: restore writes only into an empty DATA_DIR no server uses (stop that server, or restore into another directory with --data-dir)`)
  }
  const present = await dataDirEntries(ctx.dataDir)
  if (present.length > 0) {
    const shown = present.slice(0, 5).join(', ') + (present.length > 5 ? ', …' : '')
    throw new CliError(`${ctx.dataDir} is not empty (it holds ${shown}): restore writes only into an empty DATA_DIR, never over data; name a new directory with --data-dir or DATA_DIR`)
  }
  try {
    await verifyBackup(source)
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(`${source} cannot be restored: ${error.message}. Nothing was written.`)
    throw error
  }
  let summary: BackupSummary
  try {
    summary = await restoreBackup(source, ctx.dataDir)
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(`${source} changed while it was restored (${error.message}); what was written is removed`)
    const code = (error as { code?: string }).code
    if (code === 'LEVEL_DATABASE_NOT_OPEN' || code === 'LEVEL_LOCKED') {
      throw new CliError(`could not open a new database in ${ctx.dataDir} (${(error as { cause?: Error }).cause?.message ?? (error as Error).message}): did a server start on it meanwhile? Nothing of it was touched`)
    }
    throw error
  }
  ctx.out(`Restored ${describeContents(summary)} into ${ctx.dataDir}`)
  ctx.out(`from ${source} (${formatBytes(summary.bytes)}, a snapshot taken at ${summary.header.createdAt}).`)
  if (!summary.files.includes('jwt-secret')) {
    ctx.out('The backup holds no token secret (its server had JWT_SECRET set): start this one with the same JWT_SECRET, or every device logs in again.')
  }
  ctx.out(`Start the server with DATA_DIR=${ctx.dataDir}.`)
}

function describeContents(summary: BackupSummary): string {
  const counts = [
    plural(summary.users, 'user'),
    plural(summary.lists, 'list'),
    plural(summary.documents, 'list document'),
    plural(summary.memberships, 'membership'),
    plural(summary.sessions, 'session'),
    plural(summary.invitations, 'invitation'),
    plural(summary.activityEvents, 'activity event'),
  ]
  const secret = summary.files.includes('jwt-secret') ? ' and the token secret' : ''
  return `${plural(summary.entries, 'LevelDB entry', 'LevelDB entries')} (${counts.join(', ')})${secret}`
}

// ---------------------------------------------------------------------------
// users
// ---------------------------------------------------------------------------

interface PublicUser {
  id: string
  email: string
  name: string
}

async function usersAdd(ctx: Context, [email]: string[]): Promise<void> {
  await assertServerAnswers(ctx)
  const password = await readNewPassword(ctx)
  const { user } = await adminJson<{ user: PublicUser }>(ctx, 'POST', '/users', { email, name: ctx.options.name, password })
  ctx.out(`Created user ${user.email} (${user.name}), id ${user.id}.`)
}

async function usersResetPassword(ctx: Context, [email]: string[]): Promise<void> {
  await assertServerAnswers(ctx)
  const password = await readNewPassword(ctx)
  const answer = await adminJson<{ user: PublicUser; sessionsEnded: number }>(ctx, 'POST', '/users/reset-password', { email, password })
  ctx.out(`Set a new password for ${answer.user.email}; ended ${plural(answer.sessionsEnded, 'session')} (their devices log in again).`)
}

/** The new password: the first line of stdin, or typed twice without echo in a terminal. */
async function readNewPassword(ctx: Context): Promise<string> {
  const stdin = process.stdin
  if (stdin.isTTY) {
    const first = await promptHidden('New password: ')
    const again = await promptHidden('Type it again: ')
    if (first !== again) throw new CliError('the two passwords differ; nothing was changed')
    if (first.length === 0) throw new CliError('no password typed; nothing was changed')
    return first
  }
  const chunks: Buffer[] = []
  let bytes = 0
  for await (const chunk of stdin) {
    chunks.push(chunk as Buffer)
    bytes += (chunk as Buffer).byteLength
    if (bytes > 64 * 1024) throw new CliError('stdin holds more than a password')
  }
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? ''
  if (line.length === 0) {
    ctx.err('colist reads the password from stdin (its first line), or asks for it when run in a terminal.')
    throw new CliError('no password on stdin; nothing was changed')
  }
  return line
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  return new Promise((resolveLine) => {
    let typed = ''
    stdin.setRawMode(true)
    stdin.setEncoding('utf8')
    stdin.resume()
    const done = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      resolveLine(typed)
    }
    const onData = (text: string) => {
      for (const char of text) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done()
        if (char === '\u0003') {
          stdin.setRawMode(false)
          process.stderr.write('\n')
          process.exit(130)
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1)
        else if (char >= ' ') typed += char
      }
    }
    stdin.on('data', onData)
  })
}

// ---------------------------------------------------------------------------
// lists
// ---------------------------------------------------------------------------

interface StoredSize {
  logLength: number
  logBytes: number
  snapshotBytes: number
  totalBytes: number
}

interface ListReport {
  list: { id: string; title: string; ownerId: string; createdAt: number }
  items: { open: number; checked: number; total: number }
  changedAt: number | null
  changedBy: string | null
  size: StoredSize
  members: Array<{ id: string; email: string | null; name: string | null; role: string }>
  activity: ActivityEvent[]
}

async function listsShow(ctx: Context, [listId]: string[]): Promise<void> {
  const activity = ctx.options.activity ?? '20'
  if (!/^\d+$/.test(activity)) throw new UsageError('--activity needs a number of events (0 to 100)')
  const report = await adminJson<ListReport>(ctx, 'GET', `/lists/${encodeURIComponent(listId!)}?activity=${activity}`)
  if (ctx.options.json) {
    ctx.out(JSON.stringify(report, null, 2))
    return
  }
  const { list, items, size, members } = report
  const names = new Map(members.map((member) => [member.id, member.name ?? member.email ?? member.id]))
  const owner = members.find((member) => member.id === list.ownerId)
  ctx.out(`List ${list.id}: ${JSON.stringify(list.title)}`)
  ctx.out(`  owner    ${owner ? person(owner) : list.ownerId}`)
  ctx.out(`  created  ${time(list.createdAt)}`)
  ctx.out(`  changed  ${report.changedAt === null ? '—' : `${time(report.changedAt)}${report.changedBy ? ` by ${names.get(report.changedBy) ?? report.changedBy}` : ''}`}`)
  ctx.out(`  items    ${items.total} (${items.open} open, ${items.checked} checked)`)
  ctx.out(`  stored   ${formatBytes(size.totalBytes)}: snapshot ${formatBytes(size.snapshotBytes)}, log ${formatBytes(size.logBytes)} in ${plural(size.logLength, 'entry', 'entries')}`)
  ctx.out('')
  ctx.out(`Members (${members.length})`)
  for (const member of members) ctx.out(`  ${member.role.padEnd(6)}  ${person(member)}`)
  if (activity === '0') return
  ctx.out('')
  ctx.out(report.activity.length === 0 ? 'No recent activity' : `Recent activity (newest first)`)
  for (const event of report.activity) ctx.out(`  ${time(event.at)}  ${event.actor.name || event.actor.id}  ${describeEvent(event)}`)
}

async function listsCompact(ctx: Context, [listId]: string[]): Promise<void> {
  const answer = await adminJson<{ folded: { entries: number; bytes: number; snapshotBytes: number } | null; before: StoredSize; after: StoredSize }>(
    ctx,
    'POST',
    `/lists/${encodeURIComponent(listId!)}/compact`,
  )
  if (ctx.options.json) {
    ctx.out(JSON.stringify(answer, null, 2))
    return
  }
  const { folded, before, after } = answer
  if (!folded) {
    ctx.out(`Nothing to compact in ${listId}: its log is empty (stored: ${formatBytes(after.totalBytes)}).`)
    return
  }
  ctx.out(`Compacted ${listId}: folded ${plural(folded.entries, 'log entry', 'log entries')} (${formatBytes(folded.bytes)}) into a snapshot of ${formatBytes(folded.snapshotBytes)}.`)
  ctx.out(`Stored: ${formatBytes(before.totalBytes)} → ${formatBytes(after.totalBytes)}; log ${before.logLength} → ${after.logLength} entries.`)
}

function describeEvent(event: ActivityEvent): string {
  switch (event.type) {
    case 'item_created':
      return `added ${JSON.stringify(event.item.name)}`
    case 'item_updated':
      return `changed ${JSON.stringify(event.item.name)} (${event.changes.join(', ')})`
    case 'item_checked':
      return `checked ${JSON.stringify(event.item.name)}`
    case 'item_unchecked':
      return `unchecked ${JSON.stringify(event.item.name)}`
    case 'item_deleted':
      return `deleted ${JSON.stringify(event.item.name)}`
    case 'items_bulk_deleted':
      return `deleted ${plural(event.count, 'item')}`
    case 'category_created':
      return `added category ${JSON.stringify(event.category.name)}`
    case 'category_updated':
      return `changed category ${JSON.stringify(event.category.name)} (${event.changes.join(', ')})`
    case 'category_deleted':
      return `deleted category ${JSON.stringify(event.category.name)}`
    case 'joined':
      return 'opened the list'
    case 'left':
      return 'left the list'
    default:
      return (event as { type: string }).type
  }
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

function person(member: { id: string; email: string | null; name: string | null }): string {
  if (member.email === null) return `${member.id} (no such user)`
  return member.name ? `${member.email} (${member.name})` : member.email
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

// Run directly (`node dist/server/cli.js`, `node --import tsx server/cli.ts`); server/cli.mjs imports it and calls `main`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2))
}
