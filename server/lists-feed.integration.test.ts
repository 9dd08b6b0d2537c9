/**
 * The lists feed through a real server: a subscriber (the device socket's
 * hook) sees a share, a rename, a change of counts, a revocation, a leave, a
 * deletion and a new list within 1 s; GET /api/lists answers the same
 * overviews; POST /api/lists takes a client-chosen id.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { addItem, setChecked } from '../shared/list-document.ts'
import { ListOverviewSchema, MAX_PLACEMENTS_PER_REQUEST, PREVIEW_TEXT_CHARS, applyListsFeed, parseListsFeed, type ListOverview } from '../shared/lists-feed.ts'
import { FeedRecorder } from './test-support/feed-recorder.ts'
import { Api, connectClient, connectDevice, eventUntil, startTestServer, synced, saved, type TestClient, type TestServer } from './test-support/harness.ts'

let server: TestServer
let api: Api
const recorders: FeedRecorder[] = []
const clients: TestClient[] = []

beforeAll(async () => {
  server = await startTestServer()
  api = new Api(server.server.url)
})
afterEach(() => {
  for (const recorder of recorders.splice(0)) recorder.stop()
  for (const client of clients.splice(0)) client.destroy()
})
afterAll(async () => {
  await server.cleanup()
})

async function feedOf(userId: string): Promise<FeedRecorder> {
  const recorder = new FeedRecorder(server.server.lists, userId)
  recorders.push(recorder)
  await recorder.ready()
  return recorder
}

async function pair() {
  const ana = await api.signup('Ana')
  const ben = await api.signup('Ben')
  return { ana, ben }
}

describe('the lists feed', () => {
  it('starts with a snapshot of every list, with members, counts and the latest change', async () => {
    const { ana, ben } = await pair()
    const list = await api.createList(ana.token, 'Groceries')
    await api.share(ana.token, list.id, ben.user.email, 'editor')
    const feed = await feedOf(ben.user.id)
    expect(feed.messages[0]!.type).toBe('snapshot')
    expect(feed.list(list.id)).toMatchObject({
      title: 'Groceries',
      role: 'editor',
      ownerId: ana.user.id,
      members: [
        { id: ana.user.id, name: 'Ana', role: 'owner' },
        { id: ben.user.id, name: 'Ben', role: 'editor' },
      ],
      open: 0,
      checked: 0,
      changedBy: { id: ana.user.id, name: 'Ana' },
    })
    expect(feed.list(list.id)!.changedAt).toBeGreaterThan(Date.now() - 60_000)
  })

  it('a list shared with me appears within 1 s, and the owner sees the new member', async () => {
    const { ana, ben } = await pair()
    const list = await api.createList(ana.token, 'Camping')
    const [benFeed, anaFeed] = await Promise.all([feedOf(ben.user.id), feedOf(ana.user.id)])
    expect(benFeed.lists).toEqual([])
    await api.share(ana.token, list.id, ben.user.email, 'viewer')
    await benFeed.until(() => benFeed.list(list.id)?.role === 'viewer', 'the shared list on Ben’s feed')
    await anaFeed.until(() => anaFeed.list(list.id)?.members.length === 2, 'Ben among the members on Ana’s feed')
    expect(benFeed.messages.at(-1)).toMatchObject({ type: 'changed', removed: [] })
  })

  it('a role change, a rename and a new list reach every device of the user within 1 s', async () => {
    const { ana, ben } = await pair()
    const list = await api.createList(ana.token, 'Old name')
    await api.share(ana.token, list.id, ben.user.email, 'viewer')
    const phone = await feedOf(ben.user.id)
    const laptop = await feedOf(ben.user.id)
    expect((await api.request('PATCH', `/api/lists/${list.id}/members/${ben.user.id}`, { role: 'editor' }, ana.token)).status).toBe(200)
    for (const feed of [phone, laptop]) await feed.until(() => feed.list(list.id)?.role === 'editor', 'the new role')
    expect((await api.request('PATCH', `/api/lists/${list.id}`, { title: 'New name' }, ben.token)).status).toBe(200)
    for (const feed of [phone, laptop]) await feed.until(() => feed.list(list.id)?.title === 'New name', 'the new title')
    expect(phone.list(list.id)!.changedBy).toEqual({ id: ben.user.id, name: 'Ben' })
    const mine = await api.createList(ben.token, 'Mine')
    for (const feed of [phone, laptop]) await feed.until(() => feed.list(mine.id)?.role === 'owner', 'the new list')
  })

  it('counts follow a client’s edits within 1 s, named after who made them', async () => {
    const { ana, ben } = await pair()
    const list = await api.createList(ana.token, 'Groceries')
    await api.share(ana.token, list.id, ben.user.email, 'editor')
    const feed = await feedOf(ana.user.id)
    const client = connectClient(server.server.url, list.id, ben.token)
    clients.push(client)
    await synced(client.provider)
    const milk = addItem(client.doc, { text: 'Milk', createdBy: ben.user.id })
    addItem(client.doc, { text: 'Eggs', createdBy: ben.user.id })
    await feed.until(() => feed.list(list.id)?.open === 2, 'two open items')
    setChecked(client.doc, milk, true)
    await feed.until(() => feed.list(list.id)?.open === 1 && feed.list(list.id)?.checked === 1, 'one open, one checked')
    expect(feed.list(list.id)!.changedBy).toEqual({ id: ben.user.id, name: 'Ben' })
  })

  it('a revocation, a leave and a deletion remove the list within 1 s', async () => {
    const { ana, ben } = await pair()
    const carol = await api.signup('Carol')
    const list = await api.createList(ana.token, 'Shared')
    await api.share(ana.token, list.id, ben.user.email, 'editor')
    await api.share(ana.token, list.id, carol.user.email, 'editor')
    const [anaFeed, benFeed, carolFeed] = await Promise.all([feedOf(ana.user.id), feedOf(ben.user.id), feedOf(carol.user.id)])
    expect((await api.request('DELETE', `/api/lists/${list.id}/members/${ben.user.id}`, undefined, ana.token)).status).toBe(204)
    await benFeed.until(() => benFeed.list(list.id) === undefined, 'the revoked list gone')
    expect(benFeed.messages.at(-1)).toEqual({ type: 'changed', lists: [], removed: [list.id] })
    await anaFeed.until(() => anaFeed.list(list.id)?.members.length === 2, 'Ben gone from the members')
    expect((await api.request('DELETE', `/api/lists/${list.id}/members/${carol.user.id}`, undefined, carol.token)).status).toBe(204)
    await carolFeed.until(() => carolFeed.list(list.id) === undefined, 'the list Carol left gone')
    expect((await api.request('DELETE', `/api/lists/${list.id}`, undefined, ana.token)).status).toBe(204)
    await anaFeed.until(() => anaFeed.list(list.id) === undefined, 'the deleted list gone')
  })

  it('GET /api/lists answers the same overviews', async () => {
    const { ana } = await pair()
    const list = await api.createList(ana.token, 'Groceries')
    const res = await api.request('GET', '/api/lists', undefined, ana.token)
    expect(res.status).toBe(200)
    expect(res.body).toHaveLength(1)
    expect(ListOverviewSchema.safeParse(res.body[0]).success).toBe(true)
    const feed = await feedOf(ana.user.id)
    expect(res.body).toEqual(feed.lists)
    expect(res.body[0]).toMatchObject({ id: list.id, title: 'Groceries', role: 'owner', open: 0, checked: 0 })
  })
})

describe('the preview of the first open items', () => {
  const texts = (overview: ListOverview | undefined) => overview?.preview.map((item) => item.text).join(', ')

  it('follows a client’s edits within 1 s, for every member (a viewer too) and nobody else, bounded', async () => {
    const { ana, ben } = await pair()
    const carol = await api.signup('Carol')
    const list = await api.createList(ana.token, 'Groceries')
    await api.share(ana.token, list.id, ben.user.email, 'viewer')
    const [anaFeed, benFeed, carolFeed] = await Promise.all([feedOf(ana.user.id), feedOf(ben.user.id), feedOf(carol.user.id)])
    expect(anaFeed.list(list.id)!.preview).toEqual([])
    const client = connectClient(server.server.url, list.id, ana.token)
    clients.push(client)
    await synced(client.provider)
    const [milk] = ['Milk', 'Eggs', 'Bread', 'Jam'].map((text) => addItem(client.doc, { text, createdBy: ana.user.id }))
    for (const feed of [anaFeed, benFeed]) await feed.until(() => texts(feed.list(list.id)) === 'Milk, Eggs, Bread', 'the first three items')
    setChecked(client.doc, milk!, true)
    for (const feed of [anaFeed, benFeed]) await feed.until(() => texts(feed.list(list.id)) === 'Eggs, Bread, Jam', 'Milk checked: the next one in')
    addItem(client.doc, { text: 'y'.repeat(2000), createdBy: ana.user.id, after: null })
    await benFeed.until(() => benFeed.list(list.id)?.preview[0]?.text.startsWith('y') === true, 'the long item first')
    expect(benFeed.list(list.id)!.preview.map((item) => item.text.length)).toEqual([PREVIEW_TEXT_CHARS, 4, 5])
    // Bounded whatever the items hold: three short texts, not the list.
    expect(JSON.stringify(benFeed.list(list.id)!.preview).length).toBeLessThan(400)

    // Nobody else hears of it, on the feed or over HTTP.
    expect(carolFeed.messages.every((message) => message.lists.every((overview) => overview.id !== list.id))).toBe(true)
    expect((await api.request('GET', '/api/lists', undefined, carol.token)).body).toEqual([])
    const res = await api.request('GET', '/api/lists', undefined, ben.token)
    expect(texts(res.body.find((overview: ListOverview) => overview.id === list.id))).toBe(texts(benFeed.list(list.id)))
  })

  it('a list no room holds is previewed from its stored document', async () => {
    const first = await startTestServer()
    let again: TestServer | null = null
    try {
      const firstApi = new Api(first.server.url)
      const ana = await firstApi.signup('Ana')
      const list = await firstApi.createList(ana.token, 'Stored')
      for (const text of ['Tent', 'Stove']) expect((await firstApi.request('POST', `/api/lists/${list.id}/items`, { text }, ana.token)).status).toBe(201)
      await first.stop()
      // A fresh node on the same data: no room holds the list, nothing is cached.
      again = await startTestServer({ DATA_DIR: first.dataDir })
      const res = await new Api(again.server.url).request('GET', '/api/lists', undefined, ana.token)
      expect(res.status).toBe(200)
      expect(again.server.rooms.loadedCount).toBe(0)
      expect(texts(res.body[0])).toBe('Tent, Stove')
    } finally {
      await again?.stop()
      await first.cleanup()
    }
  })
})

describe('placements: PUT /api/me/list-placements', () => {
  const put = (token: string | undefined, body: unknown) => api.request('PUT', '/api/me/list-placements', body, token)

  it('pins and places lists for the user alone, on every device of theirs within 1 s, and over GET /api/lists', async () => {
    const { ana, ben } = await pair()
    const mine = await api.createList(ana.token, 'Mine')
    const theirs = await api.createList(ben.token, 'Theirs')
    await api.share(ben.token, theirs.id, ana.user.email, 'viewer')
    const [phone, laptop, benFeed] = await Promise.all([feedOf(ana.user.id), feedOf(ana.user.id), feedOf(ben.user.id)])
    expect(phone.list(theirs.id)).toMatchObject({ pinned: false, position: null })

    const placed = await put(ana.token, { placements: [{ listId: theirs.id, pinned: true, position: 'a0' }, { listId: mine.id, pinned: false, position: 'a1' }] })
    expect(placed.status).toBe(204)
    for (const feed of [phone, laptop]) {
      await feed.until(() => feed.list(theirs.id)?.pinned === true && feed.list(mine.id)?.position === 'a1', 'the placements on every device')
      expect(feed.list(theirs.id)!.position).toBe('a0')
    }
    const lists = (await api.request('GET', '/api/lists', undefined, ana.token)).body as ListOverview[]
    expect(lists.map(({ id, pinned, position }) => ({ id, pinned, position }))).toEqual([
      { id: mine.id, pinned: false, position: 'a1' },
      { id: theirs.id, pinned: true, position: 'a0' },
    ])
    // Ben's view of his own list is his: nothing of Ana's placement.
    expect(benFeed.list(theirs.id)).toMatchObject({ pinned: false, position: null })
    expect(benFeed.messages.flatMap((message) => message.lists).every((overview) => !overview.pinned && overview.position === null)).toBe(true)

    expect((await put(ana.token, { placements: [{ listId: theirs.id, pinned: false, position: null }] })).status).toBe(204)
    await phone.until(() => phone.list(theirs.id)?.pinned === false && phone.list(theirs.id)?.position === null, 'unpinned')
  })

  it('refuses what is not the user’s to place, or not a placement, storing nothing', async () => {
    const { ana, ben } = await pair()
    const mine = await api.createList(ana.token, 'Mine')
    const theirs = await api.createList(ben.token, 'Not shared')
    const place = (listId: string, patch: Record<string, unknown> = {}) => ({ listId, pinned: true, position: 'a0', ...patch })

    expect((await put(undefined, { placements: [place(mine.id)] })).status).toBe(401)
    const notMine = await put(ana.token, { placements: [place(mine.id), place(theirs.id)] })
    expect(notMine.status).toBe(404)
    expect(notMine.body.error.code).toBe('not_found')
    for (const body of [
      {},
      { placements: [] },
      { placements: [place(mine.id, { position: '' })] },
      { placements: [place(mine.id, { position: 'not a key!' })] },
      { placements: [place(mine.id, { position: 'a' + '0'.repeat(200) })] },
      { placements: [place(mine.id, { pinned: 'yes' })] },
      { placements: [place(mine.id, { extra: 1 })] },
      { placements: [place('../etc')] },
      { placements: [place(mine.id), place(mine.id, { position: 'a1' })] },
      { placements: Array.from({ length: MAX_PLACEMENTS_PER_REQUEST + 1 }, () => place(mine.id)) },
    ]) {
      const res = await put(ana.token, body)
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400)
      expect(res.body.error.code).toBe('invalid_request')
    }
    const lists = (await api.request('GET', '/api/lists', undefined, ana.token)).body as ListOverview[]
    expect(lists.map(({ pinned, position }) => ({ pinned, position }))).toEqual([{ pinned: false, position: null }])
    expect(((await api.request('GET', '/api/lists', undefined, ben.token)).body as ListOverview[])[0]).toMatchObject({ pinned: false, position: null })
  })
})

describe('the lists feed on the device socket', () => {
  it('a device gets the snapshot in a Lists frame, then a share within 1 s', async () => {
    const { ana, ben } = await pair()
    const list = await api.createList(ana.token, 'Camping')
    const device = connectDevice(server.server.url, ben.token)
    let lists: ListOverview[] | null = null
    let frames = 0
    const changed = new Set<() => void>()
    device.on('lists', (json) => {
      const message = parseListsFeed(json)
      if (!message) throw new Error(`unparseable Lists frame ${json}`)
      lists = applyListsFeed(lists ?? [], message)
      frames++
      for (const fire of changed) fire()
    })
    const until = (check: () => boolean, what: string, timeoutMs = 1000) =>
      eventUntil((fire) => (changed.add(fire), () => changed.delete(fire)), check, what, timeoutMs)
    try {
      device.connect()
      await until(() => lists !== null, 'the snapshot', 5000)
      expect(lists).toEqual([])
      await api.share(ana.token, list.id, ben.user.email, 'editor')
      await until(() => lists?.some((l) => l.id === list.id && l.role === 'editor') === true, 'the shared list')
      expect(frames).toBe(2)
    } finally {
      device.destroy()
    }
  })
})

describe('POST /api/lists with a client-chosen id', () => {
  const id = () => crypto.randomUUID()

  it('creates the list under that id; a retry by the same user answers 200 with the list; anyone else gets 409', async () => {
    const { ana, ben } = await pair()
    const listId = id()
    const created = await api.request('POST', '/api/lists', { id: listId, title: 'Camping' }, ana.token)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ id: listId, title: 'Camping', role: 'owner' })
    const retried = await api.request('POST', '/api/lists', { id: listId, title: 'Camping' }, ana.token)
    expect(retried.status).toBe(200)
    expect(retried.body).toMatchObject({ id: listId, title: 'Camping', role: 'owner', createdAt: created.body.createdAt })
    const taken = await api.request('POST', '/api/lists', { id: listId, title: 'Mine now' }, ben.token)
    expect(taken.status).toBe(409)
    expect(taken.body.error.code).toBe('list_id_taken')
    expect((await api.request('GET', `/api/lists/${listId}`, undefined, ana.token)).body.title).toBe('Camping')
  })

  it('two creates of one id at once: one 201, the other 200', async () => {
    const { ana } = await pair()
    const listId = id()
    const statuses = await Promise.all([1, 2].map(() => api.request('POST', '/api/lists', { id: listId, title: 'Twice' }, ana.token).then((r) => r.status)))
    expect(statuses.sort()).toEqual([200, 201])
  })

  it('refuses an id that is not a lower-case UUID', async () => {
    const { ana } = await pair()
    for (const bad of ['abc', id().toUpperCase(), `${id()}x`, '../etc', '', 42]) {
      const res = await api.request('POST', '/api/lists', { id: bad, title: 'Bad' }, ana.token)
      expect(res.status, String(bad)).toBe(400)
    }
  })

  it('the list created under a chosen id takes the replica made offline under it', async () => {
    const { ana } = await pair()
    const listId = id()
    const res = await api.request('POST', '/api/lists', { id: listId, title: 'Offline' }, ana.token)
    expect(res.status).toBe(201)
    const client = connectClient(server.server.url, listId, ana.token)
    clients.push(client)
    addItem(client.doc, { text: 'Tent', createdBy: ana.user.id })
    await synced(client.provider)
    await saved(client)
    const items = await api.request('GET', `/api/lists/${listId}/items`, undefined, ana.token)
    expect(items.body.items.map((item: { text: string }) => item.text)).toEqual(['Tent'])
  })
})
