/**
 * The lists feed across nodes (in process: one store, one fan-out hub, as in
 * cluster.test.ts): a subscriber on one node sees, within 1 s, what happens
 * through another — a share, a rename, counts and the preview of a list held
 * only there, a new list, a deletion, and where a user placed their lists.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { addItem } from '../shared/list-document.ts'
import { LocalFanoutHub } from './fanout.ts'
import { FeedRecorder } from './test-support/feed-recorder.ts'
import { Api, connectClient, startTestServer, synced, type TestClient, type TestServer } from './test-support/harness.ts'
import { MemoryStorage } from './storage/memory-storage.ts'

describe('the lists feed on two nodes', () => {
  const nodes: TestServer[] = []
  const recorders: FeedRecorder[] = []
  const clients: TestClient[] = []
  afterEach(async () => {
    for (const recorder of recorders.splice(0)) recorder.stop()
    for (const client of clients.splice(0)) client.destroy()
    for (const node of nodes.splice(0)) await node.cleanup()
  })

  async function twoNodes(): Promise<[TestServer, TestServer]> {
    const hub = new LocalFanoutHub()
    const storage = new MemoryStorage()
    const env = { JWT_SECRET: 'a-secret-shared-by-every-node-of-this-cluster' }
    for (let i = 0; i < 2; i++) nodes.push(await startTestServer(env, { storage, fanout: hub.endpoint() }))
    return [nodes[0]!, nodes[1]!]
  }

  async function feedOn(node: TestServer, userId: string): Promise<FeedRecorder> {
    const recorder = new FeedRecorder(node.server.lists, userId)
    recorders.push(recorder)
    await recorder.ready()
    return recorder
  }

  it('a share, a rename, counts and preview, a new list, a pin and a deletion made through node 1 reach a feed on node 2 within 1 s', async () => {
    const [n1, n2] = await twoNodes()
    const api = new Api(n1.server.url)
    const ana = await api.signup('Ana')
    const ben = await api.signup('Ben')
    const list = await api.createList(ana.token, 'Groceries')
    const benFeed = await feedOn(n2, ben.user.id)
    const anaFeed = await feedOn(n2, ana.user.id)

    await api.share(ana.token, list.id, ben.user.email, 'editor')
    await benFeed.until(() => benFeed.list(list.id)?.role === 'editor', 'the share on node 2')

    expect((await api.request('PATCH', `/api/lists/${list.id}`, { title: 'Weekend' }, ana.token)).status).toBe(200)
    await benFeed.until(() => benFeed.list(list.id)?.title === 'Weekend', 'the rename on node 2')

    // The room is loaded on node 1 only: node 2 learns the counts from node 1.
    const client = connectClient(n1.server.url, list.id, ben.token)
    clients.push(client)
    await synced(client.provider)
    addItem(client.doc, { text: 'Milk', createdBy: ben.user.id })
    await anaFeed.until(() => anaFeed.list(list.id)?.open === 1, 'the count on node 2')
    expect(anaFeed.list(list.id)!.changedBy).toEqual({ id: ben.user.id, name: 'Ben' })
    expect(anaFeed.list(list.id)!.preview.map((item) => item.text)).toEqual(['Milk'])
    expect(n2.server.rooms.loadedCount).toBe(0)

    const mine = await api.createList(ben.token, 'Mine')
    await benFeed.until(() => benFeed.list(mine.id)?.role === 'owner', 'the new list on node 2')

    // Pinned through node 1: Ben's feed on node 2 shows it (node 2 re-reads his placements); Ana's view of the list does not change.
    expect((await api.request('PUT', '/api/me/list-placements', { placements: [{ listId: list.id, pinned: true, position: 'a0' }] }, ben.token)).status).toBe(204)
    await benFeed.until(() => benFeed.list(list.id)?.pinned === true && benFeed.list(list.id)?.position === 'a0', 'the pin on node 2')
    expect(anaFeed.list(list.id)).toMatchObject({ pinned: false, position: null })

    expect((await api.request('DELETE', `/api/lists/${list.id}`, undefined, ana.token)).status).toBe(204)
    await benFeed.until(() => benFeed.list(list.id) === undefined, 'the deletion on node 2')
    await anaFeed.until(() => anaFeed.list(list.id) === undefined, 'the deletion on node 2')
  })
})
