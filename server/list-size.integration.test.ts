/**
 * Issue 10, finding 3: one user's huge list must not stall anyone. Items and
 * categories per list are capped (HTTP 422 `items-per-list`, close 4428), and
 * a list stored with 60,000 items before the cap is counted, loaded, synced
 * whole and served by the room's index without holding the event loop.
 */
import { rm } from 'node:fs/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addCategory, addItem, listItems, removeCategory } from '../shared/list-document.ts'
import { CloseCode, WriteRule } from '../shared/protocol.ts'
import { Api, connectClient, connectDevice, docUntil, saved, spawnServer, startTestServer, synced, tempDir, type ServerProcess, type TestClient, type TestServer } from './test-support/harness.ts'
import { decodeUpdates } from '../shared/update-sequence.ts'
import { MAX_APPLIED_BYTES, storedUpdates } from './stored-doc.ts'
import { itemsMap } from '../shared/list-layout.ts'
import { parseListsFeed, type ListOverview } from '../shared/lists-feed.ts'
import { describeSample, ownLatencyMs, startHealthProber } from './test-support/health-prober.ts'
import { withDataDirStorage } from './test-support/stored-doc.ts'
import { atLowerPriority } from './test-support/cpu-priority.ts'
import { startBystander } from './test-support/bystander.ts'
import { main as colist } from './cli.ts'

const clients: TestClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy()
})

describe('items and categories per list are capped', () => {
  let ts: TestServer
  let api: Api
  beforeAll(async () => {
    ts = await startTestServer({ MAX_ITEMS_PER_LIST: '5', MAX_CATEGORIES_PER_LIST: '2' })
    api = new Api(ts.server.url)
  })
  afterAll(() => ts.cleanup())

  it('refuses an item past the cap over HTTP with 422 items-per-list', async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token)
    for (let i = 0; i < 5; i++) expect((await api.request('POST', `/api/lists/${list.id}/items`, { text: `item ${i}` }, owner.token)).status).toBe(201)
    const refused = await api.request('POST', `/api/lists/${list.id}/items`, { text: 'one too many' }, owner.token)
    expect(refused.status).toBe(422)
    expect(refused.body.error.code).toBe(WriteRule.ItemsPerList)
    expect((await api.request('GET', `/api/lists/${list.id}/items`, undefined, owner.token)).body.items).toHaveLength(5)
  })

  it('closes a socket that creates items or categories past the cap with 4428, and a member keeps syncing', async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token)
    const member = connectClient(ts.server.url, list.id, owner.token)
    const attacker = connectClient(ts.server.url, list.id, owner.token)
    clients.push(member, attacker)
    await Promise.all([synced(member.provider), synced(attacker.provider)])
    const closed = attacker.nextClose()
    attacker.doc.transact(() => {
      for (let i = 0; i < 6; i++) addItem(attacker.doc, { text: `flood ${i}`, createdBy: owner.user.id })
    })
    expect(await closed).toBe(CloseCode.ListFull.code)

    const categories = connectClient(ts.server.url, list.id, owner.token)
    clients.push(categories)
    await synced(categories.provider)
    const closedAgain = categories.nextClose()
    for (let i = 0; i < 3; i++) addCategory(categories.doc, { name: `aisle ${i}` })
    expect(await closedAgain).toBe(CloseCode.ListFull.code)

    // Nothing of the refused writes was kept; the member's own item still syncs.
    const listed = await api.request('GET', `/api/lists/${list.id}/items`, undefined, owner.token)
    expect(listed.body.items).toEqual([])
    expect(listed.body.groups.filter((group: { category: unknown }) => group.category !== null)).toHaveLength(2)
    addItem(member.doc, { text: 'milk', createdBy: owner.user.id })
    await pollFor(async () => (await api.request('GET', `/api/lists/${list.id}/items`, undefined, owner.token)).body.items.length === 1)
  })
})

describe('a list stored with 60,000 items (before the cap)', () => {
  const ITEMS = 60_000
  let dataDir: string
  let server: ServerProcess
  let api: Api
  let owner: Awaited<ReturnType<Api['signup']>>
  let member: Awaited<ReturnType<Api['signup']>>
  let bigList: string
  let otherList: string
  /** The owner's socket, opened by the first test: it keeps the room loaded for the next. */
  let holder: TestClient | null = null

  beforeAll(async () => {
    dataDir = await tempDir()
    const setup = await spawnServer(dataDir, { FSYNC: 'false' })
    const setupApi = new Api(setup.url)
    owner = await setupApi.signup('Owner')
    member = await setupApi.signup('Bystander')
    bigList = (await setupApi.createList(owner.token, 'Huge')).id
    otherList = (await setupApi.createList(member.token, 'Normal')).id
    setup.child.kill('SIGTERM')
    await setup.exited
    // Written straight into storage as one 16 MB log entry, as a list stored before the cap existed. The
    // server compacts it into a snapshot in 1 MiB parts before it listens (server/large-logs.ts): read back as
    // a log entry, LevelDB copied its 16 MB onto the event loop at each read, 50–120 ms under load.
    const doc = new Y.Doc()
    doc.transact(() => {
      for (let i = 0; i < ITEMS; i++) addItem(doc, { text: `item ${i}`, createdBy: owner.user.id, last: null })
    })
    await withDataDirStorage(dataDir, (store) => store.appendUpdates(bigList, [Y.encodeStateAsUpdate(doc)]))
    server = await spawnServer(dataDir, { FSYNC: 'false' })
    api = new Api(server.url)
  }, 180_000)

  afterAll(async () => {
    holder?.destroy()
    server?.child.kill('SIGTERM')
    await server?.exited
    await rm(dataDir, { recursive: true, force: true })
  })

  /**
   * Runs `actions` while probing /healthz and while a member of another
   * list writes and reads back every 50 ms (both in processes of their own,
   * as on other machines: this one applies the whole list); then checks that
   * no probe took 50 ms or more of the server's own time, and that every one
   * of the member's edits arrived within 1 s.
   */
  async function withoutStalls(actions: () => Promise<void>, limitMs = 50): Promise<void> {
    // Started before the test lowers its own priority: the member's process runs at the server's.
    const bystander = await startBystander(server.url, otherList, member.token, member.user.id)
    const prober = await startHealthProber({ main: server.url }, server.child.pid!)
    let lags: number[] = []

    const from = Date.now()
    // The clients this test plays run below the server's priority (test-support/cpu-priority.ts).
    await atLowerPriority(async () => {
      try {
        await actions()
      } finally {
        lags = await bystander.stop()
      }
    })
    await prober.answeredSince(Date.now())
    const samples = prober.between('main', from, Date.now()).filter((sample) => sample.pid === server.child.pid)
    await prober.stop()
    const answered = samples.filter((sample) => !sample.error)
    expect(answered.length).toBeGreaterThan(10)
    expect(samples.filter((sample) => sample.error)).toEqual([])
    const worst = answered.reduce((a, b) => (ownLatencyMs(b) > ownLatencyMs(a) ? b : a))
    expect(ownLatencyMs(worst), `/healthz: ${answered.length} probes, the worst ${describeSample(worst)}`).toBeLessThan(limitMs)
    expect(lags.length).toBeGreaterThan(0)
    expect(Math.max(...lags), `the member's edits, each sent → seen (ms): ${lags.join(', ')}`).toBeLessThan(1000)
  }

  /** A new device of the owner (an empty document) syncing the whole list. */
  async function syncWhole(): Promise<TestClient> {
    const device = connectClient(server.url, bigList, owner.token)
    await synced(device.provider)
    await docUntil(device.doc, () => itemsMap(device.doc).size === ITEMS, 'every item', 30_000)
    return device
  }

  // Loading reads the snapshot a part per turn and builds the document a stored update at a time, a slice of
  // the event loop each (server/stored-doc.ts). The lists page counts a list no room holds on a worker thread,
  // and a device that lacks the whole list gets it in chunks (server/sync-answer.ts).
  it('opening it — the lists page counting it, a new device loading and syncing it whole, another one after, one over HTTP — holds /healthz under 50 ms', async () => {
    await withoutStalls(async () => {
      const device = connectDevice(server.url, owner.token)
      try {
        const counted = new Promise<ListOverview>((resolve) => {
          device.on('lists', (json) => {
            const message = parseListsFeed(json)
            const big = message && 'lists' in message ? message.lists.find((list) => list.id === bigList) : undefined
            if (big) resolve(big)
          })
        })
        device.connect()
        expect((await counted).open).toBe(ITEMS)
      } finally {
        device.destroy()
      }
      holder = await syncWhole()
      clients.push(await syncWhole())
      // The HTTP sync of a client that has nothing: the same chunks, in one body.
      const pulled = await fetch(`${server.url}/api/lists/${bigList}/sync?stateVector=AA%3D%3D`, { headers: { authorization: `Bearer ${owner.token}` } })
      expect(pulled.status).toBe(200)
      const overHttp = new Y.Doc()
      // Applied a chunk per turn, as a browser would yield between messages.
      for (const update of decodeUpdates(new Uint8Array(await pulled.arrayBuffer()))) {
        Y.applyUpdate(overHttp, update)
        await new Promise((resolve) => setImmediate(resolve))
      }
      expect(itemsMap(overHttp).size).toBe(ITEMS)
    })
    expect(listItems(holder!.doc).items).toHaveLength(ITEMS)
  }, 120_000)

  // The writes below are then compacted into the list's snapshot during the run, by `colist lists compact`
  // (the CLI, in this process, asking the server on its admin socket): a document this size is encoded a chunk at a time across event-loop turns
  // (stored-doc.ts `snapshotAcrossTurns`; encoded at once it held /healthz ~250 ms) into a chunked snapshot
  // (shared/update-sequence.ts), written in 1 MiB parts. This test failed in CI at 104 ms on the lists feed's preview, picked again by a pass over every
  // open item when a previewed one was deleted (now kept sorted, shared/sorted-rows.ts).
  it('GET, POST and PATCH /items, and a category made and deleted, keep /healthz under 50 ms, and a member of another list syncs within 1 s throughout', async () => {
    expect(holder, 'the room is loaded by the test before').not.toBeNull()
    await withoutStalls(async () => {
      const base = `/api/lists/${bigList}/items`
      // The first request reads the whole list into the index (in slices), then pages.
      const first = await api.request('GET', base, undefined, owner.token)
      expect(first.status).toBe(200)
      expect(first.body.items).toHaveLength(1000)
      expect(first.body.next).toEqual(expect.any(String))
      let cursor: string = first.body.next
      const seen = new Set<string>(first.body.items.map((item: { id: string }) => item.id))
      for (let page = 0; page < 5; page++) {
        const next = await api.request('GET', `${base}?limit=500&after=${cursor}`, undefined, owner.token)
        expect(next.status).toBe(200)
        for (const item of next.body.items) expect(seen.has(item.id)).toBe(false)
        for (const item of next.body.items) seen.add(item.id)
        cursor = next.body.next
      }
      const refused = await api.request('POST', base, { text: 'one more' }, owner.token)
      expect(refused.status).toBe(422)
      expect(refused.body.error.code).toBe(WriteRule.ItemsPerList)
      for (const item of first.body.items.slice(0, 5)) {
        const patched = await api.request('PATCH', `${base}/${item.id}`, { checked: true, text: `${item.text}!` }, owner.token)
        expect(patched.body).toMatchObject({ checked: true, text: `${item.text}!` })
        expect((await api.request('DELETE', `${base}/${item.id}`, undefined, owner.token)).status).toBe(204)
      }
      // Five deleted: below the cap? No — still 59,995 live, so POST stays refused; the view shows the deletions.
      const after = await api.request('GET', `${base}?limit=10`, undefined, owner.token)
      expect(after.body.items.map((item: { id: string }) => item.id)).toEqual(first.body.items.slice(5, 15).map((item: { id: string }) => item.id))
      expect((await api.request('POST', base, { text: 'still full' }, owner.token)).status).toBe(422)
      // A category made and deleted on a socket: every item's category could resolve differently.
      const aisle = addCategory(holder!.doc, { name: 'Aisle 1' })
      await saved(holder!)
      removeCategory(holder!.doc, aisle)
      await saved(holder!)
      // The big list's log (the writes above) folded into its snapshot, inside the window (see the comment on the test).
      const printed: string[] = []
      expect(await colist(['lists', 'compact', bigList, '--json', '--data-dir', dataDir], { out: (line) => printed.push(line), err: (line) => printed.push(line) }), printed.join('\n')).toBe(0)
      const compacted = JSON.parse(printed.join('\n')) as { folded: { entries: number } | null }
      expect(compacted.folded?.entries).toBeGreaterThan(0)
    })
  }, 120_000)

  it('after a restart, loading it from its chunked snapshot holds /healthz under 50 ms', async () => {
    holder?.destroy()
    holder = null
    server.child.kill('SIGTERM')
    await server.exited
    const stored = await withDataDirStorage(dataDir, (store) => store.loadDoc(bigList))
    expect(stored.snapshot).not.toBeNull()
    // Compacted at the first start (the 16 MB entry, seq 1), then again with the test before's writes.
    expect(stored.snapshotSeq).toBeGreaterThan(1)
    expect(decodeUpdates(stored.snapshot!).length).toBeGreaterThan(100)
    expect(Math.max(...storedUpdates(stored).map((update) => update.byteLength))).toBeLessThanOrEqual(MAX_APPLIED_BYTES)
    server = await spawnServer(dataDir, { FSYNC: 'false' })
    api = new Api(server.url)
    await withoutStalls(async () => {
      const device = await syncWhole()
      clients.push(device)
      expect(listItems(device.doc).items).toHaveLength(ITEMS - 5)
    })
  }, 120_000)
})

async function pollFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
