/**
 * Issue 12, "Operations": `colist`, the admin command line (server/cli.ts),
 * against real server processes on temp DATA_DIRs, through the admin socket.
 *
 * - `backup` of a running server while y-websocket clients keep writing
 *   (compacting every 40 entries meanwhile); `restore` into an empty
 *   DATA_DIR; a server started on it holds every update acknowledged before
 *   the backup began, each writer's items as a prefix of what it wrote, and
 *   works (log-ins, tokens, members, lists open).
 * - `restore` refuses a DATA_DIR a server runs on or that holds anything,
 *   and a damaged or truncated file, writing nothing.
 * - `users add` / `users reset-password` (passwords on stdin), checked by
 *   logging in over HTTP; `lists show` / `lists compact`, checked against
 *   the stored log; the admin socket's mode, its absence from the public
 *   port, its replacement after a crash; usage errors.
 *
 * The CLI runs from its sources (`node --import tsx server/cli.ts`), as
 * spawnServer runs the server; server/start.integration.test.ts runs the
 * compiled one through the package's bin (server/cli.mjs).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, listItems } from '../shared/list-document.ts'
import { main } from './cli.ts'
import { MemoryStorage } from './storage/memory-storage.ts'
import { pollUntil } from './test-support/poll-until.ts'
import { Api, connectClient, spawnServer, startTestServer, synced, tempDir, type ServerProcess, type TestClient } from './test-support/harness.ts'

const PASSWORD = 'correct horse battery' // what Api.signup uses
/** Items each writer writes at most: the loop stops on its own. */
const MAX_ITEMS = 2000
/** Items a writer has acknowledged before the backup starts. */
const ACKED_BEFORE_BACKUP = 100

interface Cli {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `colist <args>` on `dataDir` (DATA_DIR), with `input` on its stdin. */
function colist(dataDir: string, args: string[], input = ''): Promise<Cli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(input)
  })
}

async function stopGracefully(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null) return
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)
}

async function login(api: Api, email: string, password: string): Promise<{ status: number; token?: string }> {
  const res = await api.request('POST', '/api/auth/login', { email, password })
  return { status: res.status, token: res.body?.token }
}

/** A y-websocket client writing items one transaction each, remembering the clock that makes each durable. */
class Writer {
  readonly written: string[] = []
  private readonly durableAt = new Map<string, number>()

  constructor(
    readonly client: TestClient,
    readonly prefix: string,
    private readonly userId: string,
  ) {}

  write(): void {
    if (this.written.length >= MAX_ITEMS) return
    const text = `${this.prefix} ${this.written.length}`
    addItem(this.client.doc, { text, createdBy: this.userId })
    this.written.push(text)
    this.durableAt.set(text, Y.decodeStateVector(Y.encodeStateVector(this.client.doc)).get(this.client.doc.clientID)!)
  }

  /** The items the server has acknowledged as durable. */
  acknowledged(): string[] {
    const clock = this.client.server.persisted.get(this.client.doc.clientID) ?? 0
    return this.written.filter((text) => this.durableAt.get(text)! <= clock)
  }
}

describe('colist', () => {
  let dataDir = ''
  let server: ServerProcess
  let api: Api
  let ana: Awaited<ReturnType<Api['signup']>>
  let ben: Awaited<ReturnType<Api['signup']>>
  const dirs: string[] = []
  const servers: ServerProcess[] = []
  const clients: TestClient[] = []

  async function freshDir(): Promise<string> {
    const dir = await tempDir('colist-cli-')
    dirs.push(dir)
    return dir
  }

  async function start(dir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    const started = await spawnServer(dir, env)
    servers.push(started)
    return started
  }

  beforeAll(async () => {
    dataDir = await freshDir()
    // Lists compact every 40 entries: the backup runs while compactions switch snapshots and delete logs.
    server = await start(dataDir, { COMPACT_LOG_ENTRIES: '40' })
    api = new Api(server.url)
    ana = await api.signup('Ana')
    ben = await api.signup('Ben')
  })

  afterAll(async () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const started of servers) if (started.child.exitCode === null) started.child.kill('SIGKILL')
    await Promise.all(servers.map((started) => started.exited))
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('backs up a server that keeps writing; the restore holds every update acknowledged before the backup began, and works', async () => {
    const groceries = await api.createList(ana.token, 'Groceries')
    const packing = await api.createList(ana.token, 'Packing')
    await api.share(ana.token, groceries.id, ben.user.email, 'editor')
    const connect = (listId: string, token: string) => {
      const client = connectClient(server.url, listId, token)
      clients.push(client)
      return client
    }
    const writers = [
      new Writer(connect(groceries.id, ana.token), 'ana groceries', ana.user.id),
      new Writer(connect(groceries.id, ben.token), 'ben groceries', ben.user.id),
      new Writer(connect(packing.id, ana.token), 'ana packing', ana.user.id),
    ]
    await Promise.all(writers.map((writer) => synced(writer.client.provider)))

    // Each writer adds two items every 5 ms (under the per-connection message rate) until stopped, or MAX_ITEMS.
    let writing = true
    const loop = new Promise<void>((resolve) => {
      const step = () => {
        for (const writer of writers) for (let i = 0; i < 2; i++) writer.write()
        if (writing && writers.some((writer) => writer.written.length < MAX_ITEMS)) setTimeout(step, 5)
        else resolve()
      }
      step()
    })
    await pollUntil(() => writers.every((writer) => writer.acknowledged().length >= ACKED_BEFORE_BACKUP), `${ACKED_BEFORE_BACKUP} acknowledged items per writer`, { timeoutMs: 15_000 })
    const ackedBefore = writers.map((writer) => writer.acknowledged())
    const writtenBefore = writers.map((writer) => writer.written.length)

    const file = join(await freshDir(), 'colist.backup')
    const backedUp = await colist(dataDir, ['backup', file])
    const writtenDuring = writers.map((writer, i) => writer.written.length - writtenBefore[i]!)
    writing = false
    await loop
    for (const writer of writers) writer.client.provider.disconnect()
    expect(backedUp.stderr).toBe('')
    expect(backedUp.code).toBe(0)
    expect(backedUp.stdout).toMatch(/^Backed up \d+ LevelDB entries \(2 users, 2 lists, 2 list documents, 3 memberships, 2 sessions, 1 invitation, \d+ activity events\) and the token secret to /)
    // The backup ran while every writer went on writing.
    for (const during of writtenDuring) expect(during).toBeGreaterThan(0)
    expect(existsSync(`${file}.partial`)).toBe(false)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const contents = await readFile(file)
    const header = JSON.parse(contents.subarray(0, contents.indexOf(10)).toString())
    expect(header).toMatchObject({ format: 'colist-backup', version: 1, store: 'level', files: ['jwt-secret'] })

    const restoredDir = await freshDir()
    const restored = await colist(restoredDir, ['restore', file])
    expect(restored.stderr).toBe('')
    expect(restored.code).toBe(0)
    expect(restored.stdout).toContain(`into ${restoredDir}`)
    expect(restored.stdout).toMatch(/\(2 users, 2 lists, 2 list documents, 3 memberships/)
    expect((await readdir(restoredDir)).sort()).toEqual(['db', 'jwt-secret'])
    expect(await readFile(join(restoredDir, 'jwt-secret'), 'utf8')).toBe(await readFile(join(dataDir, 'jwt-secret'), 'utf8'))

    const second = await start(restoredDir)
    const secondApi = new Api(second.url)
    // Accounts, sessions and the token secret came along: a token of the first server works, and so do passwords.
    expect((await secondApi.request('GET', '/api/me', undefined, ana.token)).status).toBe(200)
    expect((await login(secondApi, ben.user.email, PASSWORD)).status).toBe(200)
    const benLists = await secondApi.request('GET', '/api/lists', undefined, ben.token)
    expect(benLists.body.map((list: { id: string; role: string }) => [list.id, list.role])).toEqual([[groceries.id, 'editor']])

    const readers = [groceries.id, groceries.id, packing.id].map((listId) => {
      const reader = connectClient(second.url, listId, ana.token)
      clients.push(reader)
      return reader
    })
    await Promise.all(readers.map((reader) => synced(reader.provider)))
    writers.forEach((writer, i) => {
      const texts = listItems(readers[i]!.doc).items.map((item) => item.text)
      const mine = texts.filter((text) => text.startsWith(`${writer.prefix} `))
      // Every update acknowledged before the backup began is there…
      expect(ackedBefore[i]!.filter((text) => !mine.includes(text))).toEqual([])
      // …and the rest is one point in time: a prefix of what the writer wrote, in order, nothing else.
      expect(mine).toEqual(writer.written.slice(0, mine.length))
      expect(new Set(texts).size).toBe(texts.length)
    })
    const lists = await secondApi.request('GET', '/api/lists', undefined, ana.token)
    expect(lists.status).toBe(200)
    expect(lists.body.map((list: { id: string; open: number }) => [list.id, list.open])).toEqual([
      [groceries.id, listItems(readers[0]!.doc).items.length],
      [packing.id, listItems(readers[2]!.doc).items.length],
    ])
    for (const reader of readers) reader.provider.disconnect()
    const restoredCounts = readers.map((reader, i) => listItems(reader.doc).items.filter((item) => item.text.startsWith(`${writers[i]!.prefix} `)).length)
    console.log(
      `colist backup: per writer, ${ackedBefore.map((acked) => acked.length).join('/')} items acknowledged before it began, ${writtenDuring.join('/')} written while it ran, ` +
        `${restoredCounts.join('/')} restored, ${writers.map((writer) => writer.written.length).join('/')} written in all`,
    )
  }, 60_000)

  it('restore refuses a DATA_DIR a server runs on or that holds anything, and a damaged or truncated backup, writing nothing', async () => {
    const file = join(await freshDir(), 'small.backup')
    expect((await colist(dataDir, ['backup', file])).code).toBe(0)
    const before = (await readdir(dataDir)).sort()
    // A directory holding anything at all, no server on it.
    const occupied = await freshDir()
    await writeFile(join(occupied, 'notes.txt'), 'mine')
    // Damaged: one byte changed in the middle. Cut short: its second half gone.
    const bytes = await readFile(file)
    const damaged = Buffer.from(bytes)
    damaged[Math.floor(damaged.length / 2)]! ^= 0x01
    const broken = async (name: string, content: Buffer) => {
      const path = join(await freshDir(), `${name}.backup`)
      await writeFile(path, content)
      return path
    }
    const damagedFile = await broken('damaged', damaged)
    const truncatedFile = await broken('truncated', bytes.subarray(0, Math.floor(bytes.length / 2)))
    // Targets that do not exist yet: they must not be created either.
    const targets = [join(await freshDir(), 'data'), join(await freshDir(), 'data')]

    const [onRunning, onOccupied, onDamaged, onTruncated] = await Promise.all([
      colist(dataDir, ['restore', file]),
      colist(occupied, ['restore', file]),
      colist(targets[0]!, ['restore', damagedFile]),
      colist(targets[1]!, ['restore', truncatedFile]),
    ])
    expect(onRunning.code).toBe(1)
    expect(onRunning.stderr).toMatch(/a Colist server is running on/)
    expect((await readdir(dataDir)).sort()).toEqual(before)
    expect(onOccupied.code).toBe(1)
    expect(onOccupied.stderr).toMatch(/is not empty \(it holds notes\.txt\)/)
    expect(await readdir(occupied)).toEqual(['notes.txt'])
    expect(onDamaged.code).toBe(1)
    expect(onDamaged.stderr).toMatch(/checksum does not match|damaged/)
    expect(onTruncated.code).toBe(1)
    expect(onTruncated.stderr).toMatch(/cut short/)
    for (const refused of [onDamaged, onTruncated]) expect(refused.stderr).toMatch(/Nothing was written/)
    for (const target of targets) expect(existsSync(target)).toBe(false)
  }, 30_000)

  it('users add and users reset-password take the password on stdin; log-ins over HTTP use it', async () => {
    const email = `cara-${process.pid}@example.test`
    const added = await colist(dataDir, ['users', 'add', email, '--name', 'Cara Operator'], 'first password\n')
    expect(added.stderr).toBe('')
    expect(added.code).toBe(0)
    expect(added.stdout).toMatch(new RegExp(`^Created user ${email} \\(Cara Operator\\), id [0-9a-f-]{36}\\.`))
    const first = await login(api, email, 'first password')
    expect(first.status).toBe(200)
    expect((await api.request('GET', '/api/me', undefined, first.token)).body).toMatchObject({ email, name: 'Cara Operator' })

    const refusals = await Promise.all([
      colist(dataDir, ['users', 'add', email, '--name', 'Again'], 'first password\n'),
      colist(dataDir, ['users', 'add', `dan-${process.pid}@example.test`, '--name', 'Dan'], 'short\n'),
      colist(dataDir, ['users', 'add', `eve-${process.pid}@example.test`, '--name', 'Eve'], ''),
      colist(dataDir, ['users', 'reset-password', `nobody-${process.pid}@example.test`], 'whatever password\n'),
    ])
    expect(refusals.map((refusal) => refusal.code)).toEqual([1, 1, 1, 1])
    expect(refusals[0]!.stderr).toMatch(/exists already/)
    expect(refusals[1]!.stderr).toMatch(/at least 8 characters/)
    expect(refusals[2]!.stderr).toMatch(/no password on stdin/)
    expect(refusals[3]!.stderr).toMatch(/no account has the email/)
    expect((await login(api, `dan-${process.pid}@example.test`, 'short')).status).toBe(401)

    const reset = await colist(dataDir, ['users', 'reset-password', email], 'second password\n')
    expect(reset.stderr).toBe('')
    expect(reset.code).toBe(0)
    expect(reset.stdout).toMatch(new RegExp(`^Set a new password for ${email}; ended 1 session`))
    // Signed out everywhere, the old password refused, the new one taken.
    expect((await api.request('GET', '/api/me', undefined, first.token)).status).toBe(401)
    expect((await login(api, email, 'first password')).status).toBe(401)
    expect((await login(api, email, 'second password')).status).toBe(200)
  })

  it('lists show prints the stored size, items, members and activity; lists compact folds the log', async () => {
    const list = await api.createList(ana.token, 'Camping')
    await api.share(ana.token, list.id, ben.user.email, 'viewer')
    const ids: string[] = []
    for (let i = 0; i < 12; i++) {
      const res = await api.request('POST', `/api/lists/${list.id}/items`, { text: `gear ${i}` }, ana.token)
      expect(res.status).toBe(201)
      ids.push(res.body.id)
    }
    expect((await api.request('PATCH', `/api/lists/${list.id}/items/${ids[0]}`, { checked: true }, ana.token)).status).toBe(200)
    // The activity log stores a burst once it pauses.
    await pollUntil(async () => (await api.request('GET', `/api/lists/${list.id}/activity`, undefined, ana.token)).body.events.length > 0, 'the activity stored', { timeoutMs: 10_000, intervalMs: 100 })

    const [shown, json] = await Promise.all([colist(dataDir, ['lists', 'show', list.id]), colist(dataDir, ['lists', 'show', list.id, '--json', '--activity', '5'])])
    expect(shown.stderr).toBe('')
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain(`List ${list.id}: "Camping"`)
    expect(shown.stdout).toContain(`owner    ${ana.user.email} (Ana)`)
    expect(shown.stdout).toContain('items    12 (11 open, 1 checked)')
    expect(shown.stdout).toMatch(/stored {3}[\d.]+ (B|KiB): snapshot 0 B, log [\d.]+ (B|KiB) in \d+ entries/)
    expect(shown.stdout).toContain('Members (2)')
    expect(shown.stdout).toContain(`  owner   ${ana.user.email} (Ana)`)
    expect(shown.stdout).toContain(`  viewer  ${ben.user.email} (Ben)`)
    expect(shown.stdout).toMatch(/Recent activity \(newest first\)\n.*Ana {2}(added|checked) "gear/)

    const report = JSON.parse(json.stdout)
    expect(report.list).toMatchObject({ id: list.id, title: 'Camping', ownerId: ana.user.id })
    expect(report.items).toEqual({ open: 11, checked: 1, total: 12 })
    expect(report.members).toEqual([
      { id: ana.user.id, email: ana.user.email, name: 'Ana', role: 'owner' },
      { id: ben.user.id, email: ben.user.email, name: 'Ben', role: 'viewer' },
    ])
    expect(report.size.logLength).toBeGreaterThanOrEqual(13)
    expect(report.size.snapshotBytes).toBe(0)
    expect(report.size.totalBytes).toBe(report.size.logBytes)
    expect(report.activity.length).toBeGreaterThan(0)
    expect(report.activity.length).toBeLessThanOrEqual(5)

    const compactionsBefore = await compactions(server.url)
    const compacted = await colist(dataDir, ['lists', 'compact', list.id, '--json'])
    expect(compacted.code).toBe(0)
    const { folded, before, after } = JSON.parse(compacted.stdout)
    expect(before.logLength).toBe(report.size.logLength)
    expect(folded.entries).toBe(before.logLength)
    expect(after).toMatchObject({ logLength: 0, logBytes: 0 })
    expect(after.snapshotBytes).toBeGreaterThan(0)
    // The counter is the server's, not the list's: another list of this server
    // (the backup test's) may fold its log meanwhile, as its room unloads.
    expect(await compactions(server.url)).toBeGreaterThanOrEqual(compactionsBefore + 1)
    // Nothing changed for the people using it.
    const items = await api.request('GET', `/api/lists/${list.id}/items`, undefined, ben.token)
    expect(items.body.items.map((item: { text: string }) => item.text)).toEqual(ids.map((_, i) => `gear ${i}`))

    const [again, unknown] = await Promise.all([colist(dataDir, ['lists', 'compact', list.id]), colist(dataDir, ['lists', 'show', 'no-such-list'])])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^Nothing to compact in .*: its log is empty/)
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/no list has the id no-such-list/)
  })

  it('the admin socket: mode 0600, never on the public port, replaced after a crash, gone after a graceful stop', async () => {
    const socket = join(dataDir, 'admin.sock')
    expect((await stat(socket)).isSocket()).toBe(true)
    expect((await stat(socket)).mode & 0o777).toBe(0o600)
    for (const [method, path] of [['GET', '/backup'], ['POST', '/users'], ['GET', `/lists/x`]] as const) {
      const res = await fetch(`${server.url}${path}`, { method })
      expect(res.status, `${method} ${path}`).toBe(404)
    }

    server.child.kill('SIGKILL')
    await server.exited
    expect(existsSync(socket)).toBe(true) // left behind
    const down = await colist(dataDir, ['lists', 'show', 'any'])
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(/no Colist server is running on/)

    server = await start(dataDir)
    const answered = await colist(dataDir, ['users', 'reset-password', ana.user.email], 'a new password\n')
    expect(answered.code).toBe(0)
    await stopGracefully(server)
    expect(existsSync(socket)).toBe(false)
  })

  it('a store other than LevelDB is not backed up through colist', async () => {
    const memory = await startTestServer({}, { storage: new MemoryStorage() })
    try {
      expect(memory.server.adminSocket).toBe(join(memory.dataDir, 'admin.sock'))
      const refused = await colist(memory.dataDir, ['backup', join(memory.dataDir, 'b')])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/cannot be backed up through colist/)
      expect(existsSync(join(memory.dataDir, 'b.partial'))).toBe(false)
    } finally {
      await memory.cleanup()
    }
  })

  it('prints its commands; an unknown command or a bad command line is refused with exit 2', async () => {
    const nowhere = join(await freshDir(), 'none')
    // In this process (main, with its output caught), then once as a process for the exit status.
    const run = async (...argv: string[]) => {
      const out: string[] = []
      const err: string[] = []
      const code = await main(['--data-dir', nowhere, ...argv], { out: (line) => out.push(line), err: (line) => err.push(line) })
      return { code, stdout: out.join('\n'), stderr: err.join('\n') }
    }
    const help = await run('--help')
    expect(help.code).toBe(0)
    for (const command of ['backup <file>', 'restore <file>', 'users add <email> --name <name>', 'users reset-password <email>', 'lists show <listId>', 'lists compact <listId>']) {
      expect(help.stdout).toContain(command)
    }
    expect((await run('backup', '--help')).stdout).toMatch(/^Usage: colist \[--data-dir <dir>\] backup <file>/)
    expect((await run('help', 'lists', 'show')).stdout).toMatch(/^Usage: colist \[--data-dir <dir>\] lists show <listId> \[--json\] \[--activity <n>\]/)
    const refusals: Array<[string[], RegExp]> = [
      [[], /^Usage: colist/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['lists'], /lists needs a command: show, compact/],
      [['lists', 'prune', 'x'], /unknown command "lists prune"/],
      [['lists', 'show'], /lists show needs <listId>/],
      [['users', 'add', 'x@example.test'], /users add needs --name/],
      [['backup', 'a', 'b'], /backup takes 1 argument; unexpected: b/],
      [['users', 'add', 'x@example.test', '--name', 'X', '--password=hunter22'], /never takes a password on the command line/],
      [['lists', 'show', 'x', '--name', 'y'], /lists show takes no --name/],
      [['lists', 'show', 'x', '--frob'], /Unknown option '--frob'/],
      [['lists', 'show', 'x', '--activity', 'lots'], /--activity needs a number/],
    ]
    for (const [argv, message] of refusals) {
      const refused = await run(...argv)
      expect(refused.code, argv.join(' ')).toBe(2)
      expect(refused.stderr, argv.join(' ')).toMatch(message)
      expect(refused.stdout, argv.join(' ')).toBe('')
    }
    const [spawned, spawnedHelp] = await Promise.all([colist(nowhere, ['frobnicate']), colist(nowhere, ['--help'])])
    expect(spawned).toMatchObject({ code: 2, stdout: '' })
    expect(spawned.stderr).toMatch(/^colist: unknown command "frobnicate"/)
    expect(spawnedHelp.code).toBe(0)
    expect(spawnedHelp.stdout).toBe(`${help.stdout}\n`)
    expect(existsSync(nowhere)).toBe(false)
  })
})

async function compactions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return Number(/^colist_compactions_total (\d+)/m.exec(text)?.[1] ?? 0)
}
