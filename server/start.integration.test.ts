/**
 * Issue 12, "build once, start fast": `npm start` (server/start.mjs) runs the
 * compiled server and builds only when the build is missing or older than a
 * source. The staleness rule on a temp tree, then the real start, twice: the
 * second start builds nothing and serves, and `colist` (server/cli.mjs, the
 * package's bin) runs its compiled CLI against it under plain node. (How long
 * it takes to listen is printed, not asserted: speed is measured in
 * `npm run bench`.)
 */
import { spawn } from 'node:child_process'
import { mkdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: plain JavaScript (it runs before anything is compiled), without declarations.
import { buildIsStale } from './start.mjs'
import { SERVER_NODE_FLAGS } from './node-flags.mjs'
import { tempDir } from './test-support/harness.ts'

const isStale = buildIsStale as (root?: string) => boolean

async function touch(path: string, seconds: number): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, 'x')
  const at = new Date(Date.now() + seconds * 1000)
  await utimes(path, at, at)
}

describe('buildIsStale', () => {
  it('is stale without a build, fresh after one, stale again once a source is newer (not a test file)', async () => {
    const root = await tempDir()
    for (const source of ['client/src/main.tsx', 'server/main.ts', 'shared/api.ts', 'package.json', 'package-lock.json', 'vite.config.ts', 'vite.server.config.ts']) await touch(join(root, source), -60)
    expect(isStale(root)).toBe(true)
    for (const output of ['dist/server/main.js', 'dist/client/index.html']) await touch(join(root, output), -10)
    expect(isStale(root)).toBe(true) // the service worker is missing
    await touch(join(root, 'dist/client/sw.js'), -10)
    expect(isStale(root)).toBe(false)
    await touch(join(root, 'server/room.test.ts'), 0)
    expect(isStale(root)).toBe(false)
    await touch(join(root, 'shared/list-document.ts'), 0)
    expect(isStale(root)).toBe(true)
    await touch(join(root, 'dist/client/index.html'), 5)
    expect(isStale(root)).toBe(true) // the server's build is still older
    await touch(join(root, 'dist/server/main.js'), 5)
    await touch(join(root, 'dist/client/sw.js'), 5)
    expect(isStale(root)).toBe(false)
  })
})

/** Runs `node server/start.mjs` until it says where it is running; returns what it printed and how long that took. */
function start(): Promise<{ output: string; ms: number; url: string; dataDir: string; stop: () => Promise<void> }> {
  return tempDir().then(
    (dataDir) =>
      new Promise((resolve, reject) => {
        const startedAt = performance.now()
        const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, 'server/start.mjs'], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', CLIENT_DIR: 'dist/client' }, stdio: ['ignore', 'pipe', 'pipe'] })
        let output = ''
        const timer = setTimeout(() => reject(new Error(`not listening after 180 s: ${output}`)), 180_000)
        const onData = (chunk: Buffer) => {
          output += chunk.toString()
          const running = /Colist is running at (\S+)/.exec(output)
          if (!running) return
          clearTimeout(timer)
          resolve({
            output,
            ms: performance.now() - startedAt,
            url: running[1]!,
            dataDir,
            stop: () => new Promise((done) => (child.kill('SIGTERM'), child.once('exit', () => done()))),
          })
        }
        child.stdout.on('data', onData)
        child.stderr.on('data', onData)
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)))
      }),
  )
}

describe('npm start', () => {
  it('runs the compiled server; a second start builds nothing', { timeout: 240_000 }, async () => {
    // The first start builds if the build is missing or stale (not in CI: `npm ci` built it).
    const first = await start()
    await first.stop()
    const builtAt = (await stat('dist/server/main.js')).mtimeMs
    const second = await start()
    try {
      expect(second.output).not.toMatch(/Building Colist/)
      expect((await stat('dist/server/main.js')).mtimeMs).toBe(builtAt)
      const health = await fetch(`${second.url}/healthz`)
      expect(health.status).toBe(200)
      const page = await fetch(`${second.url}/`)
      expect(page.headers.get('cache-control')).toBe('no-cache')
      console.log(`npm start: listening ${Math.round(second.ms)} ms after it was started (the build fresh)`)

      // `npx colist` runs server/cli.mjs, which runs the compiled CLI (dist/server/cli.js) under plain node.
      const signup = await fetch(`${second.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `start-${process.pid}@example.test`, password: 'correct horse battery', name: 'Ana' }),
      })
      const { token } = (await signup.json()) as { token: string }
      const created = await fetch(`${second.url}/api/lists`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ title: 'Compiled' }) })
      const { id } = (await created.json()) as { id: string }
      const shown = await cli(second.dataDir, ['lists', 'show', id, '--json'])
      expect(shown.stderr).toBe('')
      expect(JSON.parse(shown.stdout)).toMatchObject({ list: { id, title: 'Compiled' }, members: [{ role: 'owner', name: 'Ana' }] })
      const backupDir = await tempDir()
      const backedUp = await cli(second.dataDir, ['backup', join(backupDir, 'backup')])
      expect(backedUp.stdout).toMatch(/^Backed up \d+ LevelDB entries \(1 user, 1 list/)
      const restored = await cli(join(backupDir, 'restored'), ['restore', join(backupDir, 'backup')])
      expect(restored.stdout).toMatch(/^Restored \d+ LevelDB entries \(1 user, 1 list/)
      await rm(backupDir, { recursive: true, force: true })
    } finally {
      await second.stop()
    }
  })
})

/** `node server/cli.mjs <args>` (the package's bin) on `dataDir`; fails the test unless it exits 0. */
function cli(dataDir: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['server/cli.mjs', ...args], { env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`colist ${args.join(' ')} exited with ${code}: ${stderr}`))))
  })
}
