/**
 * The activity feed through real servers: unmodified y-websocket clients
 * edit, the server derives the events with the right user, stores them
 * bounded, pages them on GET /api/lists/:id/activity to members only, and
 * publishes them live on every node, recorded once.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { decodeActivityEvent, type ActivityEvent, type ActivityPage } from '../shared/activity.ts'
import { addItem, getItem, removeItem, setChecked, updateItem } from '../shared/list-document.ts'
import type { AuthResponse } from '../shared/api.ts'
import type { ActivityLogOptions } from './activity-log.ts'
import { LocalFanoutHub } from './fanout.ts'
import { MemoryStorage } from './storage/memory-storage.ts'
import { Api, connectClient, docUntil, saved, startTestServer, synced, type TestClient, type TestServer } from './test-support/harness.ts'
import { pollUntil } from './test-support/poll-until.ts'

/** Quick bursts and a short grace, so tests wait little; the logic is the production one. */
const FAST: Partial<ActivityLogOptions> = { burstQuietMs: 40, burstMaxMs: 200, leaveGraceMs: 400 }

const servers: TestServer[] = []
const clients: TestClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  for (const server of servers.splice(0)) await server.cleanup()
})

async function start(
  activity: Partial<ActivityLogOptions> = FAST,
  options: Parameters<typeof startTestServer>[1] = {},
  env: Record<string, string> = {},
): Promise<{ server: TestServer; api: Api }> {
  const server = await startTestServer(env, { ...options, activity })
  servers.push(server)
  return { server, api: new Api(server.server.url) }
}

/** A client that shows its presence, as the web app does (y-protocols ignores a state never set: clock 0). */
function connect(url: string, listId: string, token: string): TestClient {
  const client = connectClient(url, listId, token)
  client.provider.awareness.setLocalStateField('focus', null)
  clients.push(client)
  return client
}

async function page(api: Api, token: string, listId: string, query = ''): Promise<ActivityPage> {
  const res = await api.request('GET', `/api/lists/${listId}/activity${query}`, undefined, token)
  if (res.status !== 200) throw new Error(`activity: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as ActivityPage
}

/** What the events say, oldest first, as "<actor> <type> <subject>". */
function story(events: ActivityEvent[]): string[] {
  return [...events].reverse().map((event) => {
    const subject = 'item' in event ? ` ${event.item.name}` : 'category' in event ? ` ${event.category.name}` : event.type === 'items_bulk_deleted' ? ` ${event.count}` : ''
    return `${event.actor.name} ${event.type}${subject}`
  })
}

async function storyUntil(api: Api, token: string, listId: string, expected: string[]): Promise<void> {
  let last: string[] = []
  await pollUntil(async () => {
    last = story((await page(api, token, listId, '?limit=100')).events)
    return JSON.stringify(last) === JSON.stringify(expected)
  }, `activity ${JSON.stringify(expected)}`, { intervalMs: 25 }).catch((err: Error) => {
    throw new Error(`${err.message}; it said ${JSON.stringify(last)}`)
  })
}

async function sharedList(api: Api): Promise<{ ana: AuthResponse; ben: AuthResponse; listId: string }> {
  const ana = await api.signup('Ana')
  const ben = await api.signup('Ben')
  const list = await api.createList(ana.token)
  await api.share(ana.token, list.id, ben.user.email, 'editor')
  return { ana, ben, listId: list.id }
}

describe('the activity feed', () => {
  it('records what each user did, from their socket and from HTTP, with who and when', async () => {
    const { server, api } = await start()
    const { ana, ben, listId } = await sharedList(api)
    const before = Date.now()

    const b = connect(server.server.url, listId, ben.token)
    await synced(b.provider)
    const milk = addItem(b.doc, { text: 'Milk', createdBy: ben.user.id })
    await saved(b)
    await storyUntil(api, ana.token, listId, ['Ben joined', 'Ben item_created Milk'])
    setChecked(b.doc, milk, true)
    await saved(b)
    const http = await api.request('POST', `/api/lists/${listId}/items`, { text: 'Eggs' }, ana.token)
    expect(http.status).toBe(201)

    await storyUntil(api, ana.token, listId, ['Ben joined', 'Ben item_created Milk', 'Ben item_checked Milk', 'Ana item_created Eggs'])
    const { events } = await page(api, ben.token, listId)
    const checked = events.find((event) => event.type === 'item_checked')!
    expect(checked.actor).toEqual({ id: ben.user.id, name: 'Ben' })
    expect(checked.listId).toBe(listId)
    expect(checked.at).toBeGreaterThanOrEqual(before)
    expect(checked.at).toBeLessThanOrEqual(Date.now())
  })

  it('folds a burst: typing is one update, deletions one after another one bulk deletion, a check taken back nothing', async () => {
    const { server, api } = await start({ ...FAST, burstQuietMs: 300, burstMaxMs: 2000 })
    const { ana, ben, listId } = await sharedList(api)
    const b = connect(server.server.url, listId, ben.token)
    await synced(b.provider)
    const ids = ['Bread', 'Jam', 'Tea'].map((text) => addItem(b.doc, { text, createdBy: ben.user.id }))
    await saved(b)
    await storyUntil(api, ana.token, listId, ['Ben joined', 'Ben item_created Bread', 'Ben item_created Jam', 'Ben item_created Tea'])

    for (const quantity of ['1', '12', '12 slices']) updateItem(b.doc, ids[0]!, { quantity })
    setChecked(b.doc, ids[1]!, true)
    setChecked(b.doc, ids[1]!, false)
    removeItem(b.doc, ids[1]!)
    removeItem(b.doc, ids[2]!)
    await saved(b)
    await storyUntil(api, ana.token, listId, [
      'Ben joined',
      'Ben item_created Bread',
      'Ben item_created Jam',
      'Ben item_created Tea',
      'Ben item_updated Bread',
      'Ben items_bulk_deleted 2',
    ])
  })

  it('records joined on a first connection and left after the last, not for a reconnect within the grace', async () => {
    const { server, api } = await start({ ...FAST, leaveGraceMs: 600 })
    const { ana, ben, listId } = await sharedList(api)
    const first = connect(server.server.url, listId, ben.token)
    const second = connect(server.server.url, listId, ben.token)
    await Promise.all([synced(first.provider), synced(second.provider)])
    await storyUntil(api, ana.token, listId, ['Ben joined'])

    // One of two tabs closing is not leaving; a reload within the grace is neither.
    first.destroy()
    second.provider.disconnect()
    second.provider.connect()
    await synced(second.provider)
    await new Promise((resolve) => setTimeout(resolve, 900))
    expect(story((await page(api, ana.token, listId)).events)).toEqual(['Ben joined'])

    second.destroy()
    await storyUntil(api, ana.token, listId, ['Ben joined', 'Ben left'])
  })

  it('pages newest first with a cursor, caps the limit and refuses a malformed one', async () => {
    const { server, api } = await start()
    const { ana, listId } = await sharedList(api)
    for (const text of ['a', 'b', 'c', 'd', 'e']) {
      expect((await api.request('POST', `/api/lists/${listId}/items`, { text }, ana.token)).status).toBe(201)
      await server.server.activity.flush()
    }
    const all = (await page(api, ana.token, listId)).events
    expect(story(all)).toEqual(['a', 'b', 'c', 'd', 'e'].map((text) => `Ana item_created ${text}`))

    const first = await page(api, ana.token, listId, '?limit=2')
    expect(first.events).toEqual(all.slice(0, 2))
    const second = await page(api, ana.token, listId, `?limit=2&before=${first.next}`)
    expect(second.events).toEqual(all.slice(2, 4))
    const last = await page(api, ana.token, listId, `?limit=2&before=${second.next}`)
    expect(last).toEqual({ events: all.slice(4), next: null })
    expect((await page(api, ana.token, listId, '?limit=100000')).events).toHaveLength(5)

    for (const query of ['?limit=0', '?limit=-1', '?limit=two', '?before=nope', '?before=1']) {
      const res = await api.request('GET', `/api/lists/${listId}/activity${query}`, undefined, ana.token)
      expect(res.status, query).toBe(400)
    }
  })

  it('keeps a list to the newest events of the bound', async () => {
    const { server, api } = await start({ ...FAST, maxEvents: 3 })
    const { ana, listId } = await sharedList(api)
    for (const text of ['a', 'b', 'c', 'd', 'e']) {
      await api.request('POST', `/api/lists/${listId}/items`, { text }, ana.token)
      await server.server.activity.flush()
    }
    expect(story((await page(api, ana.token, listId)).events)).toEqual(['c', 'd', 'e'].map((text) => `Ana item_created ${text}`))
    // What is stored, not only what is served: the storage was trimmed on write.
    expect(await server.server.storage.listActivity(listId, { limit: 100, notBefore: 0 })).toHaveLength(3)
  })

  it('lets any member read, and nobody else', async () => {
    const { api } = await start()
    const { ana, listId } = await sharedList(api)
    const vic = await api.signup('Vic')
    const eve = await api.signup('Eve')
    await api.share(ana.token, listId, vic.user.email, 'viewer')
    expect((await api.request('GET', `/api/lists/${listId}/activity`, undefined, vic.token)).status).toBe(200)
    expect((await api.request('GET', `/api/lists/${listId}/activity`, undefined, eve.token)).status).toBe(404)
    expect((await api.request('GET', `/api/lists/no-such-list/activity`, undefined, ana.token)).status).toBe(404)
    expect((await api.request('GET', `/api/lists/${listId}/activity`)).status).toBe(401)
  })

  it('in a cluster, records each change once, by the node that accepted it, and publishes it live on every node', async () => {
    const hub = new LocalFanoutHub()
    const storage = new MemoryStorage()
    // Nodes of one cluster share the token secret, so a token works on either.
    const env = { JWT_SECRET: 'activity-test-secret-shared-by-both-nodes-0123456789' }
    const one = await start(FAST, { storage, fanout: hub.endpoint() }, env)
    const two = await start(FAST, { storage, fanout: hub.endpoint() }, env)
    const { ana, ben, listId } = await sharedList(one.api)
    const live: string[] = []
    const unsubscribe = two.server.server.activityFeed.subscribe(listId, (event) => live.push(story([event])[0]!))

    const a = connect(two.server.server.url, listId, ana.token)
    const b = connect(one.server.server.url, listId, ben.token)
    await Promise.all([synced(a.provider), synced(b.provider)])
    const milk = addItem(b.doc, { text: 'Milk', createdBy: ben.user.id })
    await saved(b)
    await docUntil(a.doc, () => getItem(a.doc, milk) !== null, 'Milk on node two')
    setChecked(a.doc, milk, true)
    await saved(a)

    const expected = ['Ana joined', 'Ben joined', 'Ben item_created Milk', 'Ana item_checked Milk']
    await pollUntil(() => live.length >= 4, 'four live events on node two')
    expect([...live].sort()).toEqual([...expected].sort())
    for (const { api } of [one, two]) {
      const told = story((await page(api, ana.token, listId)).events)
      expect([...told].sort()).toEqual([...expected].sort())
    }
    unsubscribe()
  })

  it("reaches a device's socket live, as Activity frames of the lists it has open", async () => {
    const { server, api } = await start()
    const { ana, ben, listId } = await sharedList(api)
    const other = await api.createList(ana.token, 'Not open here')
    const anaDevice = connectClient(server.server.url, listId, ana.token, { transport: 'device' })
    clients.push(anaDevice)
    const frames: Array<{ listId: string; event: ActivityEvent }> = []
    anaDevice.device!.on('activity', (frameListId, json) => frames.push({ listId: frameListId, event: decodeActivityEvent(json) }))
    await synced(anaDevice.provider)

    const b = connect(server.server.url, listId, ben.token)
    await synced(b.provider)
    const milk = addItem(b.doc, { text: 'Milk', createdBy: ben.user.id })
    setChecked(b.doc, milk, true)
    await saved(b)
    await api.request('POST', `/api/lists/${other.id}/items`, { text: 'Elsewhere' }, ana.token)
    await pollUntil(() => frames.length >= 3, 'three Activity frames')
    await server.server.activity.flush()
    expect(frames.map(({ listId: id, event }) => [id === listId, story([event])[0]])).toEqual([
      [true, 'Ben joined'],
      [true, 'Ben item_created Milk'],
      [true, 'Ben item_checked Milk'],
    ])
    expect(frames.every(({ listId: id, event }) => event.listId === id)).toBe(true)
  })
})
