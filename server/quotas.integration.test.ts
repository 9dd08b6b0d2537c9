/**
 * Per-user quotas (issue 10, finding 6), each written as the attack: one
 * account creating lists without end, in a burst, holding every socket of
 * the server, or filling storage through many lists. The attacker is refused
 * with the documented code, the refusal is counted in
 * `colist_quota_refusals_total{reason}`, and another user keeps opening a
 * list and syncing within 1 s.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { addItem } from '../shared/list-document.ts'
import { CloseCode } from '../shared/protocol.ts'
import { Api, connectClient, saved, startTestServer, synced, type TestServer } from './test-support/harness.ts'
import { deviceSocketUrl, listSocketUrl, openRawListSocket } from './test-support/raw-list-socket.ts'

let ts: TestServer | null = null
afterEach(async () => {
  await ts?.cleanup()
  ts = null
})

async function start(env: Record<string, string>): Promise<{ ts: TestServer; api: Api }> {
  ts = await startTestServer(env)
  return { ts, api: new Api(ts.server.url) }
}

async function refusals(server: TestServer, reason: string): Promise<number> {
  const metric = await server.server.metrics.quotaRefusals.get()
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0
}

/**
 * A well-behaved user opens a list of theirs and syncs it, and an edit of theirs is stored
 * within 1 s (the product's promise for an edit; opening the socket and the first sync are
 * only required to succeed — on CI's two shared cores they alone have taken over a second).
 */
async function memberStillWorks(server: TestServer, listId: string, token: string, userId: string): Promise<void> {
  const client = connectClient(server.server.url, listId, token)
  try {
    await synced(client.provider)
    const edited = performance.now()
    addItem(client.doc, { text: 'still works', createdBy: userId })
    await saved(client)
    expect(performance.now() - edited).toBeLessThan(1000)
  } finally {
    client.destroy()
  }
}

function createList(server: TestServer, token: string, title: string): Promise<Response> {
  return fetch(`${server.server.url}/api/lists`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ title }),
  })
}

/** A raw socket: `opened` once the upgrade completes (a refused one completes it too, then closes), `closed` with its code. */
function openSocket(url: string): { ws: WebSocket; opened: Promise<void>; closed: Promise<number> } {
  const ws = new WebSocket(url)
  ws.on('error', () => {})
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    void closed.then((code) => reject(new Error(`closed with ${code} before opening`)))
  })
  opened.catch(() => {})
  return { ws, opened, closed }
}

describe('per-user quotas', () => {
  it('refuses lists past MAX_LISTS_PER_USER with 403 list_quota, a parallel burst too, while another user creates and syncs', async () => {
    const { ts, api } = await start({ MAX_LISTS_PER_USER: '5' })
    const mallory = await api.signup('Mallory')
    const ana = await api.signup('Ana')
    for (let i = 0; i < 5; i++) expect((await createList(ts, mallory.token, `m${i}`)).status).toBe(201)
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => createList(ts, mallory.token, `burst ${i}`)))
    for (const res of burst) {
      expect(res.status).toBe(403)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('list_quota')
    }
    const owned = await api.request('GET', '/api/lists', undefined, mallory.token)
    expect(owned.body.length).toBe(5)
    expect(await refusals(ts, 'list_quota')).toBe(10)

    // Another user is unaffected; deleting a list frees a place.
    const anaList = await api.createList(ana.token, 'Ana')
    await memberStillWorks(ts, anaList.id, ana.token, ana.user.id)
    expect((await api.request('DELETE', `/api/lists/${owned.body[0].id}`, undefined, mallory.token)).status).toBe(204)
    expect((await createList(ts, mallory.token, 'again')).status).toBe(201)
  })

  it('refuses a burst of new lists past LISTS_PER_MINUTE with 429 list_rate and Retry-After, while another user creates and syncs', async () => {
    const { ts, api } = await start({ LISTS_PER_MINUTE: '30' })
    const mallory = await api.signup('Mallory')
    const ana = await api.signup('Ana')
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => createList(ts, mallory.token, `burst ${i}`)))
    const statuses = burst.map((res) => res.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(30)
    const refused = burst.filter((res) => res.status === 429)
    expect(refused).toHaveLength(20)
    for (const res of refused) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      const body = (await res.json()) as { error: { code: string; details: { retryAfterSeconds: number } } }
      expect(body.error.code).toBe('list_rate')
      expect(body.error.details.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    }
    expect(await refusals(ts, 'list_rate')).toBe(20)
    const anaList = await api.createList(ana.token, 'Ana')
    await memberStillWorks(ts, anaList.id, ana.token, ana.user.id)
  })

  it('refuses sockets past MAX_SOCKETS_PER_USER with 4530 (list and device sockets alike), while another user connects and syncs', async () => {
    const { ts, api } = await start({ MAX_SOCKETS_PER_USER: '5' })
    const mallory = await api.signup('Mallory')
    const ana = await api.signup('Ana')
    const list = await api.createList(mallory.token, 'Shared')
    await api.share(mallory.token, list.id, ana.user.email, 'editor')
    // Four list sockets and a device socket (which counts once): the cap.
    const held = [
      ...Array.from({ length: 4 }, () => openSocket(listSocketUrl(ts.server.url, list.id, mallory.token))),
      openSocket(deviceSocketUrl(ts.server.url, mallory.token)),
    ]
    await Promise.all(held.map((s) => s.opened))
    const past = [
      ...Array.from({ length: 20 }, () => openSocket(listSocketUrl(ts.server.url, list.id, mallory.token))),
      openSocket(deviceSocketUrl(ts.server.url, mallory.token)),
    ]
    // Refused sockets complete the upgrade only to close at once with the code.
    const codes = await Promise.all(past.map((s) => s.closed))
    expect(codes).toEqual(Array(21).fill(CloseCode.TooManySockets.code))
    expect(held.every((s) => s.ws.readyState === WebSocket.OPEN)).toBe(true)
    expect(CloseCode.TooManySockets.retryable).toBe(true)
    expect(await refusals(ts, 'socket_quota')).toBe(21)

    // Another user, on the same list, connects and syncs within 1 s.
    await memberStillWorks(ts, list.id, ana.token, ana.user.id)
    // Closing one frees a place.
    held[0]!.ws.close()
    await held[0]!.closed
    const again = openSocket(listSocketUrl(ts.server.url, list.id, mallory.token))
    await again.opened
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(again.ws.readyState).toBe(WebSocket.OPEN)
    for (const s of [...held, again]) s.ws.terminate()
  })

  it('refuses joins past JOINS_PER_USER_PER_MINUTE with 4529 (a list socket and a device channel alike), before any read, while another user joins and syncs', async () => {
    const { ts, api } = await start({ JOINS_PER_USER_PER_MINUTE: '8' })
    const mallory = await api.signup('Mallory')
    const ana = await api.signup('Ana')
    const list = await api.createList(mallory.token, 'Shared')
    await api.share(mallory.token, list.id, ana.user.email, 'editor')
    // A reconnect loop: eight joins go through, one after another.
    for (let i = 0; i < 8; i++) {
      const socket = openSocket(listSocketUrl(ts.server.url, list.id, mallory.token))
      await socket.opened
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(socket.ws.readyState).toBe(WebSocket.OPEN)
      socket.ws.close()
      await socket.closed
    }
    // The ninth is refused, and so is the list's channel on a device socket.
    expect(await openSocket(listSocketUrl(ts.server.url, list.id, mallory.token)).closed).toBe(CloseCode.RateLimited.code)
    const channel = await openRawListSocket(ts.server.url, list.id, mallory.token, 'device')
    expect((await channel.closed).code).toBe(CloseCode.RateLimited.code)
    expect(CloseCode.RateLimited.retryable).toBe(true)
    expect(await refusals(ts, 'join_rate')).toBe(2)
    await memberStillWorks(ts, list.id, ana.token, ana.user.id)
  })

  it('refuses device sockets past MAX_DEVICE_SOCKETS_PER_SESSION (16) with 4530, while the same user on another device and another user still connect', async () => {
    // Default quotas: one signed-in device trying to hold 40 device sockets, far under MAX_SOCKETS_PER_USER (200).
    const { ts, api } = await start({})
    const mallory = await api.signup('Mallory')
    const ana = await api.signup('Ana')
    const list = await api.createList(mallory.token, 'Shared')
    await api.share(mallory.token, list.id, ana.user.email, 'editor')
    const sockets = Array.from({ length: 40 }, () => openSocket(deviceSocketUrl(ts.server.url, mallory.token)))
    // A refused socket completes its upgrade too, then closes at once.
    await Promise.allSettled(sockets.map((s) => s.opened))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const held = sockets.filter((s) => s.ws.readyState === WebSocket.OPEN)
    expect(held).toHaveLength(16)
    const codes = await Promise.all(sockets.filter((s) => !held.includes(s)).map((s) => s.closed))
    expect(codes).toEqual(Array(24).fill(CloseCode.TooManySockets.code))
    expect(await refusals(ts, 'device_socket_quota')).toBe(24)

    // The same user signed in on another device (another session) gets a device socket, and list sockets still open.
    const phone = await api.request('POST', '/api/auth/login', { email: mallory.user.email, password: 'correct horse battery' })
    expect(phone.status).toBe(200)
    const other = openSocket(deviceSocketUrl(ts.server.url, (phone.body as { token: string }).token))
    await other.opened
    await memberStillWorks(ts, list.id, mallory.token, mallory.user.id)
    // Another user on the same list connects and syncs within 1 s.
    await memberStillWorks(ts, list.id, ana.token, ana.user.id)
    // Closing one of the session's device sockets frees a place.
    held[0]!.ws.close()
    await held[0]!.closed
    const again = openSocket(deviceSocketUrl(ts.server.url, mallory.token))
    await again.opened
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(again.ws.readyState).toBe(WebSocket.OPEN)
    expect(other.ws.readyState).toBe(WebSocket.OPEN)
    for (const s of [...held, other, again]) s.ws.terminate()
  })

  it("refuses writes past MAX_STORED_BYTES_PER_USER summed over the owner's lists (4414; HTTP 413 storage_quota), also for a list not loaded, while another user writes", async () => {
    const QUOTA = 64 * 1024
    const env = { MAX_STORED_BYTES_PER_USER: String(QUOTA) }
    let { ts: server, api } = await start(env)
    const mallory = await api.signup('Mallory')
    const ana = await api.signup('Ana')
    const [first, second, third] = [await api.createList(mallory.token, 'A'), await api.createList(mallory.token, 'B'), await api.createList(mallory.token, 'C')]
    const anaList = await api.createList(ana.token, 'Ana')

    // 40 KiB into the first list: within the quota.
    const a = connectClient(server.server.url, first!.id, mallory.token)
    await synced(a.provider)
    for (let i = 0; i < 40; i++) addItem(a.doc, { text: `${i % 10}`.repeat(1000), createdBy: mallory.user.id })
    await saved(a)
    a.destroy()

    // 40 KiB more into the second: refused once the two together would pass it.
    const b = connectClient(server.server.url, second!.id, mallory.token)
    await synced(b.provider)
    const closed = b.nextClose()
    for (let i = 0; i < 40; i++) addItem(b.doc, { text: `${i % 10}`.repeat(1000), createdBy: mallory.user.id })
    expect(await closed).toBe(CloseCode.StorageQuota.code)
    b.destroy()
    const sizes = await Promise.all([first!, second!, third!].map((l) => server.server.storage.docStats(l.id)))
    expect(sizes.reduce((sum, s) => sum + s.logBytes + s.snapshotBytes, 0)).toBeLessThanOrEqual(QUOTA)
    expect(await refusals(server, 'storage_quota')).toBeGreaterThanOrEqual(1)

    // Another user's writes go through, within 1 s.
    await memberStillWorks(server, anaList.id, ana.token, ana.user.id)

    // After a restart nothing is loaded: the third list's owner is counted from storage, once.
    await server.stop()
    server = await startTestServer({ ...env, DATA_DIR: server.dataDir })
    ts = server
    api = new Api(server.server.url)
    const c = connectClient(server.server.url, third!.id, mallory.token)
    await synced(c.provider)
    const closedC = c.nextClose()
    for (let i = 0; i < 40; i++) addItem(c.doc, { text: `${i % 10}`.repeat(1000), createdBy: mallory.user.id })
    expect(await closedC).toBe(CloseCode.StorageQuota.code)
    c.destroy()
    // HTTP sync is refused the same way.
    const big = await fetch(`${server.server.url}/api/lists/${third!.id}/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${mallory.token}` },
      body: new Uint8Array(32 * 1024),
    })
    expect(big.status).toBe(413)
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('storage_quota')
    // And so is the JSON item route, even by an editor of the owner's list.
    const item = await api.request('POST', `/api/lists/${third!.id}/items`, { text: 'y'.repeat(2000) }, mallory.token)
    expect(item.status).toBe(413)
    expect(item.body.error.code).toBe('storage_quota')
    await memberStillWorks(server, anaList.id, ana.token, ana.user.id)
  })
})
