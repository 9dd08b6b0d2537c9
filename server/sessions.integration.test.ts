/**
 * Finding 7 of issue 10, as the attack: tokens could not be revoked. Refresh
 * chained forever and left the old token valid, log-out was client-side only,
 * and there was no "log out everywhere" after a lost phone. Against a real
 * server (and two nodes sharing a store and a fan-out): a token names a
 * server-side session, and ending it ends the token and its sockets at once.
 */
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { AuthResponse } from '../shared/api.ts'
import { CloseCode } from '../shared/protocol.ts'
import { LocalFanoutHub } from './fanout.ts'
import { MemoryStorage } from './storage/memory-storage.ts'
import { Api, startTestServer, type TestServer } from './test-support/harness.ts'
import { deviceSocketUrl, listSocketUrl } from './test-support/raw-list-socket.ts'
import { endSessionClosingSockets, logOutClosingSockets, openSocket } from './test-support/session-sockets.ts'

const JWT_SECRET = 'a-secret-shared-by-every-node-of-this-test-0123456789'

const servers: TestServer[] = []
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  for (const server of servers.splice(0)) await server.cleanup()
})

async function server(env: Record<string, string> = {}, options: Parameters<typeof startTestServer>[1] = {}): Promise<TestServer> {
  const started = await startTestServer({ JWT_SECRET, ...env }, options)
  servers.push(started)
  return started
}

/** The close code a socket with this token gets, or 'open'. */
async function closeCodeFor(url: string): Promise<number | 'open'> {
  const ws = new WebSocket(url)
  sockets.push(ws)
  return new Promise((resolve) => {
    ws.once('close', (code) => resolve(code))
    ws.once('open', () => setTimeout(() => resolve(ws.readyState === WebSocket.OPEN ? 'open' : ws.readyState), 300))
  })
}

/** A token as the server signed them before sessions: well signed, unexpired, without a session claim. */
function tokenFromBeforeSessions(userId: string, name: string): Promise<string> {
  return new SignJWT({ name }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(JWT_SECRET))
}

async function login(api: Api, email: string, userAgent: string): Promise<AuthResponse> {
  const res = await fetch(`${api.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': userAgent },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as AuthResponse
}

describe('sessions: a token can be ended before it expires', () => {
  it('after log-out the token gets 401, and its open list and device sockets close with 4001 within 1 s', async () => {
    const ts = await server()
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const list = await api.createList(ana.token)
    const listSocket = await openSocket(listSocketUrl(ts.server.url, list.id, ana.token), sockets)
    const deviceSocket = await openSocket(deviceSocketUrl(ts.server.url, ana.token), sockets)

    await logOutClosingSockets(api, ana.token, [listSocket, deviceSocket])
    expect((await api.request('GET', '/api/me', undefined, ana.token)).status).toBe(401)
    expect((await api.request('GET', '/api/lists', undefined, ana.token)).status).toBe(401)
    expect((await api.request('POST', '/api/auth/refresh', undefined, ana.token)).status).toBe(401)
    expect(await closeCodeFor(listSocketUrl(ts.server.url, list.id, ana.token))).toBe(CloseCode.Unauthorized.code)
    expect(await closeCodeFor(deviceSocketUrl(ts.server.url, ana.token))).toBe(CloseCode.Unauthorized.code)
  })

  it('refresh rotates: the new token works, the old one is refused, and refreshing with it again is a 401 (no grace)', async () => {
    const ts = await server({ REFRESH_GRACE_SECONDS: '0' })
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const list = await api.createList(ana.token)

    const refreshed = await api.request('POST', '/api/auth/refresh', undefined, ana.token)
    expect(refreshed.status).toBe(200)
    const fresh = refreshed.body as AuthResponse
    expect(fresh.token).not.toBe(ana.token)

    expect((await api.request('GET', '/api/me', undefined, fresh.token)).status).toBe(200)
    expect((await api.request('GET', '/api/me', undefined, ana.token)).status).toBe(401)
    expect((await api.request('POST', '/api/auth/refresh', undefined, ana.token)).status).toBe(401)
    expect(await closeCodeFor(listSocketUrl(ts.server.url, list.id, ana.token))).toBe(CloseCode.Unauthorized.code)
    // A replayed old token neither ended the session nor rotated it: the fresh one still works, and is still the one.
    expect((await api.request('GET', '/api/me', undefined, fresh.token)).status).toBe(200)
    expect(await closeCodeFor(listSocketUrl(ts.server.url, list.id, fresh.token))).toBe('open')
    const sessions = await api.request('GET', '/api/auth/sessions', undefined, fresh.token)
    expect(sessions.body.sessions).toHaveLength(1)
  })

  it('two refreshes racing with one token: one gets a new token, the other a 401 (no grace)', async () => {
    const ts = await server({ REFRESH_GRACE_SECONDS: '0' })
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const results = await Promise.all([1, 2].map(() => api.request('POST', '/api/auth/refresh', undefined, ana.token)))
    expect(results.map((r) => r.status).sort()).toEqual([200, 401])
  })

  it('a refresh whose answer was lost: the old token refreshes again within REFRESH_GRACE_SECONDS (the lost token stops working), for refresh only, and not after the grace', async () => {
    const ts = await server({ REFRESH_GRACE_SECONDS: '2' })
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const refresh = (token: string) => api.request('POST', '/api/auth/refresh', undefined, token)
    const lost = await refresh(ana.token)
    expect(lost.status).toBe(200)
    // The device never got that answer, so it retries with the token it has.
    const retried = await refresh(ana.token)
    expect(retried.status).toBe(200)
    const token = (retried.body as AuthResponse).token
    expect((await api.request('GET', '/api/me', undefined, token)).status).toBe(200)
    expect((await api.request('GET', '/api/me', undefined, (lost.body as AuthResponse).token)).status).toBe(401)
    expect((await refresh((lost.body as AuthResponse).token)).status).toBe(401)
    // Within the grace the old token only refreshes: it opens nothing.
    expect((await api.request('GET', '/api/me', undefined, ana.token)).status).toBe(401)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    expect((await refresh(ana.token)).status).toBe(401)
    expect((await api.request('GET', '/api/me', undefined, token)).status).toBe(200)
    expect((await api.request('GET', '/api/auth/sessions', undefined, token)).body.sessions).toHaveLength(1)
  })

  it('log out everywhere ends every session of the user and closes all their sockets; another user\'s sessions are untouched', async () => {
    const ts = await server()
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const phone = await login(api, ana.user.email, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')
    const bob = await api.signup('Bob')
    const list = await api.createList(ana.token)
    await api.share(ana.token, list.id, bob.user.email, 'editor')
    const anaLaptop = await openSocket(listSocketUrl(ts.server.url, list.id, ana.token), sockets)
    const anaPhone = await openSocket(deviceSocketUrl(ts.server.url, phone.token), sockets)
    const bobSocket = await openSocket(listSocketUrl(ts.server.url, list.id, bob.token), sockets)

    const res = await endSessionClosingSockets(api, { method: 'POST', path: '/api/auth/logout-all', token: ana.token, status: 200 }, [anaLaptop, anaPhone])
    expect(res.body).toEqual({ ended: 2 })
    for (const token of [ana.token, phone.token]) expect((await api.request('GET', '/api/me', undefined, token)).status).toBe(401)
    expect(bobSocket.ws.readyState).toBe(WebSocket.OPEN)
    expect((await api.request('GET', '/api/me', undefined, bob.token)).status).toBe(200)
    expect((await api.request('GET', '/api/auth/sessions', undefined, bob.token)).body.sessions).toHaveLength(1)
  })

  it('lists the user\'s sessions with device, last use and which is current; ending one (the lost phone) leaves the others', async () => {
    const ts = await server()
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const phone = await login(api, ana.user.email, 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36')
    const bob = await api.signup('Bob')
    const phoneSocket = await openSocket(deviceSocketUrl(ts.server.url, phone.token), sockets)

    const listed = await api.request('GET', '/api/auth/sessions', undefined, ana.token)
    expect(listed.status).toBe(200)
    const sessions = listed.body.sessions as Array<{ id: string; device: string; current: boolean; lastUsedAt: number; createdAt: number }>
    expect(sessions).toHaveLength(2)
    const current = sessions.find((s) => s.current)!
    const other = sessions.find((s) => !s.current)!
    expect(other.device).toBe('Chrome on Android')
    expect(current.device).toBe('node') // Node's fetch sends "node": no browser or OS in it, so it is shown as it is
    for (const s of sessions) expect(s.lastUsedAt).toBeGreaterThanOrEqual(s.createdAt)

    // Someone else's session cannot be ended (nor probed): 404, as for an id that cannot exist.
    expect((await api.request('DELETE', `/api/auth/sessions/${other.id}`, undefined, bob.token)).status).toBe(404)
    expect((await api.request('DELETE', '/api/auth/sessions/a!b', undefined, ana.token)).status).toBe(404)
    expect(phoneSocket.ws.readyState).toBe(WebSocket.OPEN)

    await endSessionClosingSockets(api, { method: 'DELETE', path: `/api/auth/sessions/${other.id}`, token: ana.token, status: 204 }, [phoneSocket])
    expect((await api.request('GET', '/api/me', undefined, phone.token)).status).toBe(401)
    expect((await api.request('GET', '/api/me', undefined, ana.token)).status).toBe(200)
    expect((await api.request('GET', '/api/auth/sessions', undefined, ana.token)).body.sessions.map((s: { id: string }) => s.id)).toEqual([current.id])
  })

  it('a token from before sessions (no session claim) is refused with 401 and 4001: its holder logs in again', async () => {
    const ts = await server()
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const list = await api.createList(ana.token)
    const legacy = await tokenFromBeforeSessions(ana.user.id, 'Ana')
    expect((await api.request('GET', '/api/me', undefined, legacy)).status).toBe(401)
    expect((await api.request('POST', '/api/auth/refresh', undefined, legacy)).status).toBe(401)
    expect(await closeCodeFor(listSocketUrl(ts.server.url, list.id, legacy))).toBe(CloseCode.Unauthorized.code)
  })
})

/** colist_session_refusals_total by reason, as /metrics shows it. */
async function sessionRefusals(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const counts: Record<string, number> = {}
  for (const [, reason, value] of text.matchAll(/^colist_session_refusals_total\{reason="([a-z_]+)"\} (\d+)/gm)) counts[reason!] = Number(value)
  return counts
}

describe('sessions: refusals are counted in /metrics by reason', () => {
  it('a logged-out token (request and socket), a rotated one and one from before sessions each count under their reason', async () => {
    const ts = await server()
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const list = await api.createList(ana.token)
    expect(await sessionRefusals(ts.server.url)).toEqual({})

    expect((await api.request('POST', '/api/auth/logout', undefined, ana.token)).status).toBe(204)
    expect((await api.request('GET', '/api/me', undefined, ana.token)).status).toBe(401)
    expect(await closeCodeFor(listSocketUrl(ts.server.url, list.id, ana.token))).toBe(CloseCode.Unauthorized.code)
    expect(await sessionRefusals(ts.server.url)).toEqual({ ended: 2 })

    const bob = await api.signup('Bob')
    expect((await api.request('POST', '/api/auth/refresh', undefined, bob.token)).status).toBe(200)
    expect((await api.request('GET', '/api/me', undefined, bob.token)).status).toBe(401)
    const legacy = await tokenFromBeforeSessions(bob.user.id, 'Bob')
    expect((await api.request('GET', '/api/me', undefined, legacy)).status).toBe(401)
    expect(await sessionRefusals(ts.server.url)).toEqual({ ended: 2, rotated: 1, no_session: 1 })
  })

  it('a node that never heard of a log-out on another (no shared fan-out) refuses the token as missing', async () => {
    const storage = new MemoryStorage()
    const a = await server({}, { storage })
    const b = await server({}, { storage })
    const ana = await new Api(a.server.url).signup('Ana')
    // No shared fan-out: B learns of the log-out on A only from the store.
    expect((await new Api(a.server.url).request('POST', '/api/auth/logout', undefined, ana.token)).status).toBe(204)
    expect((await new Api(b.server.url).request('GET', '/api/me', undefined, ana.token)).status).toBe(401)
    expect(await sessionRefusals(b.server.url)).toEqual({ missing: 1 })
  })
})

/** Two in-process nodes on one store and one fan-out, and Ana signed up on node A. */
async function twoNodes(): Promise<{ a: TestServer; b: TestServer; apiA: Api; apiB: Api; ana: AuthResponse }> {
  const storage = new MemoryStorage()
  const hub = new LocalFanoutHub()
  const a = await server({}, { storage, fanout: hub.endpoint() })
  const b = await server({}, { storage, fanout: hub.endpoint() })
  const apiA = new Api(a.server.url)
  const apiB = new Api(b.server.url)
  return { a, b, apiA, apiB, ana: await apiA.signup('Ana') }
}

describe('sessions across two nodes sharing a store and a fan-out', () => {
  it('a session ended on node A closes its sockets on node B with 4001 within 1 s, and B refuses its token', async () => {
    const { b, apiA, apiB, ana } = await twoNodes()
    const list = await apiA.createList(ana.token)
    // Node B has read (and cached) the session before it ends.
    expect((await apiB.request('GET', '/api/me', undefined, ana.token)).status).toBe(200)
    const onB = await openSocket(listSocketUrl(b.server.url, list.id, ana.token), sockets)
    const deviceOnB = await openSocket(deviceSocketUrl(b.server.url, ana.token), sockets)

    await logOutClosingSockets(apiA, ana.token, [onB, deviceOnB])
    expect((await apiB.request('GET', '/api/me', undefined, ana.token)).status).toBe(401)
  })

  it('a token rotated on node A stops working on node B at once, though B had it cached', async () => {
    const { apiA, apiB, ana } = await twoNodes()
    expect((await apiB.request('GET', '/api/me', undefined, ana.token)).status).toBe(200)
    const fresh = (await apiA.request('POST', '/api/auth/refresh', undefined, ana.token)).body as AuthResponse
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect((await apiB.request('GET', '/api/me', undefined, ana.token)).status).toBe(401)
    expect((await apiB.request('GET', '/api/me', undefined, fresh.token)).status).toBe(200)
  })
})
