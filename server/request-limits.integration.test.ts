/**
 * Issue 10, findings 4 and 8, as the attacks: every route checks the token and
 * the role before it reads a body, and reads no more than its limit; ids that
 * cannot exist are 404 (never a 500 with a stack trace at error level); every
 * answer carries the security headers. Real server on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { request, type IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MB, retainedBytes, settledRetainedBytes } from './test-support/heap-after-gc.ts'
import { Api, startTestServer, type TestServer } from './test-support/harness.ts'
import { memberRound, startMemberProbe } from './test-support/member-probe.ts'

let ts: TestServer
let api: Api
const logged: Array<{ level: number; msg: string }> = []

beforeAll(async () => {
  const dataDir = await import('./test-support/harness.ts').then((h) => h.tempDir())
  const clientDir = join(dataDir, 'client')
  await mkdir(clientDir, { recursive: true })
  await writeFile(join(clientDir, 'index.html'), '<!doctype html><title>Colist</title><script type="module" src="/assets/app.js"></script>')
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logged.push(JSON.parse(line) as { level: number; msg: string })
      done()
    },
  })
  ts = await startTestServer({ DATA_DIR: dataDir, CLIENT_DIR: clientDir }, { log: pino({ level: 'debug' }, sink) })
  api = new Api(ts.server.url)
})

afterAll(async () => {
  await ts?.cleanup()
})

interface Attempt {
  /** The status the server answered with, or null if it closed without one. */
  status: number | null
  /** Body bytes the client had written when the answer (or the close) came. */
  sentWhenAnswered: number
}

/**
 * A POST that declares `declared` bytes, writes `burst` of them at once and
 * then trickles 1 KiB every 50 ms, until the server answers or closes (or
 * `giveUpMs` passes: status null). Chunked instead of a Content-Length when
 * `declared` is null.
 */
function slowPost(path: string, headers: Record<string, string>, declared: number | null, burst: number, giveUpMs = 5000): Promise<Attempt> {
  const url = new URL(path, ts.server.url)
  return new Promise((resolve) => {
    let sent = 0
    let done = false
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, ...(declared === null ? {} : { 'content-length': String(declared) }) },
      agent: false,
    })
    const finish = (status: number | null) => {
      if (done) return
      done = true
      clearInterval(trickle)
      clearTimeout(giveUp)
      req.destroy()
      resolve({ status, sentWhenAnswered: sent })
    }
    const write = (bytes: number) => {
      if (done || req.destroyed) return
      const limit = declared ?? Infinity
      const n = Math.min(bytes, limit - sent)
      if (n <= 0) return
      sent += n
      req.write(Buffer.alloc(n, 7))
    }
    const trickle = setInterval(() => write(1024), 50)
    const giveUp = setTimeout(() => finish(null), giveUpMs)
    req.on('response', (res: IncomingMessage) => {
      res.resume()
      finish(res.statusCode ?? null)
    })
    req.on('error', () => finish(null))
    req.flushHeaders()
    for (let written = 0; written < burst; written += 256 * 1024) write(Math.min(256 * 1024, burst - written))
  })
}

describe('bodies are read only after the token and the role are checked (finding 4)', () => {
  it('24 16 MiB sync POSTs by strangers, viewers and the anonymous are refused before their bodies arrive, holding no memory; a member keeps syncing', async () => {
    const owner = await api.signup('Owner')
    const viewer = await api.signup('Viewer')
    const list = await api.createList(owner.token)
    await api.share(owner.token, list.id, viewer.user.email, 'viewer')
    await memberRound(ts.server.url, list.id, owner.token, owner.user.id)

    const octet = { 'content-type': 'application/octet-stream' }
    const attacks: Array<{ path: string; headers: Record<string, string>; expected: number }> = []
    for (let i = 0; i < 8; i++) {
      attacks.push({ path: `/api/lists/${randomUUID()}/sync`, headers: { ...octet, authorization: `Bearer ${viewer.token}` }, expected: 404 })
      attacks.push({ path: `/api/lists/${list.id}/sync`, headers: { ...octet, authorization: `Bearer ${viewer.token}` }, expected: 403 })
      attacks.push({ path: `/api/lists/${list.id}/sync`, headers: octet, expected: 401 })
    }

    const before = await settledRetainedBytes()
    const member = startMemberProbe(ts.server.url, list.id, owner.token, owner.user.id)
    // Each sends 2 MiB at once, then trickles: today's server would hold all of it and answer only after 16 MiB.
    const pending = attacks.map((a) => slowPost(a.path, a.headers, 16 * MB, 2 * MB))
    const results = await Promise.all(pending)
    const during = await retainedBytes()
    const rounds = await member.stop()

    expect(results.map((r) => r.status)).toEqual(attacks.map((a) => a.expected))
    for (const r of results) expect(r.sentWhenAnswered).toBeLessThan(3 * MB)
    // 24 × 2 MiB would be 48 MiB if the server had buffered what was sent.
    expect(during - before).toBeLessThan(16 * MB)
    expect(rounds.length).toBeGreaterThan(0)
    expect(Math.max(...rounds)).toBeLessThan(1000)

    const metrics = await (await fetch(`${ts.server.url}/metrics`)).text()
    expect(metrics).toMatch(/colist_http_refusals_total\{status="404",reason="not_found"\} ([89]|\d\d)/)
    expect(metrics).toMatch(/colist_http_refusals_total\{status="403",reason="forbidden"\} ([89]|\d\d)/)
    expect(metrics).toMatch(/colist_http_refusals_total\{status="401",reason="unauthorized"\} ([89]|\d\d)/)
  })

  it("an editor's body over the route's limit is refused with 413: at once when Content-Length says so, and a streamed one stops at the limit", async () => {
    const owner = await api.signup('Editor')
    const list = await api.createList(owner.token)
    const headers = { authorization: `Bearer ${owner.token}`, 'content-type': 'application/octet-stream' }
    // Declared: nothing needs to be sent.
    expect(await slowPost(`/api/lists/${list.id}/sync`, headers, 16 * MB + 1, 0)).toEqual({ status: 413, sentWhenAnswered: 0 })
    // Chunked: read up to the 16 MiB limit, refused past it while the client is still sending.
    const streamed = await slowPost(`/api/lists/${list.id}/sync`, headers, null, 17 * MB, 10_000)
    expect(streamed.status).toBe(413)

    // The JSON API's limit is small, and a body is still read only after the token is checked.
    const json = { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` }
    expect((await slowPost(`/api/lists/${list.id}/items`, json, 1 * MB, 0)).status).toBe(413)
    expect((await slowPost('/api/lists', { 'content-type': 'application/json' }, 1 * MB, 0)).status).toBe(401)
    expect((await slowPost('/api/auth/login', { 'content-type': 'application/json' }, 1 * MB, 0)).status).toBe(413)
    const metrics = await (await fetch(`${ts.server.url}/metrics`)).text()
    expect(metrics).toMatch(/colist_http_refusals_total\{status="413",reason="payload_too_large"\} [1-9]/)
  })
})

describe('ids that cannot exist, and headers (finding 8)', () => {
  it('GET /api/lists/a!b is a 404 in the API error shape, and nothing is logged at error level', async () => {
    const user = await api.signup('Prober')
    const errorsBefore = logged.filter((l) => l.level >= 50).length
    for (const path of ['/api/lists/a!b', '/api/lists/a!b/items', '/api/lists/a!b/sync', '/api/lists/a%21b/activity', `/api/lists/${'x'.repeat(300)}`]) {
      const res = await api.request('GET', path, undefined, user.token)
      expect(res.status, path).toBe(404)
      expect(res.body).toEqual({ error: { code: 'not_found', message: 'list not found' } })
    }
    const list = await api.createList(user.token)
    const member = await api.request('DELETE', `/api/lists/${list.id}/members/a!b`, undefined, user.token)
    expect(member.status).toBe(404)
    expect(member.body.error.code).toBe('not_found')
    expect(logged.filter((l) => l.level >= 50).length).toBe(errorsBefore)
  })

  it('the app and the API carry a strict CSP, frame-ancestors none, Referrer-Policy and Permissions-Policy', async () => {
    const host = new URL(ts.server.url).host
    for (const path of ['/', '/lists/some-list', '/api/lists', '/api/lists/a!b', '/healthz']) {
      const res = await fetch(`${ts.server.url}${path}`)
      const csp = res.headers.get('content-security-policy') ?? ''
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]))
      expect(directives.get('default-src'), path).toEqual(["'self'"])
      expect(directives.get('script-src'), path).toEqual(["'self'"])
      expect(directives.get('style-src'), path).toEqual(["'self'"])
      expect(directives.get('object-src'), path).toEqual(["'none'"])
      expect(directives.get('frame-ancestors'), path).toEqual(["'none'"])
      expect(directives.get('connect-src'), path).toEqual(["'self'", `ws://${host}`, `wss://${host}`])
      expect(csp).not.toContain('unsafe')
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer')
      expect(res.headers.get('permissions-policy'), path).toContain('camera=()')
      expect(res.headers.get('x-frame-options'), path).toBe('DENY')
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff')
    }
    // A Host header that could smuggle a directive is left out of the policy.
    const forged = await new Promise<string>((resolve, reject) => {
      request(ts.server.url, { headers: { host: "evil; script-src 'unsafe-inline'" } }, (res) => {
        res.resume()
        resolve(String(res.headers['content-security-policy'] ?? ''))
      })
        .on('error', reject)
        .end()
    })
    expect(forged).not.toContain('evil')
    expect(forged).toContain("script-src 'self'")
  })
})
