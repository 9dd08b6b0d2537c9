/**
 * Several server nodes in one process, sharing one store and one in-process
 * fan-out hub: the cross-node logic (relay, catch-up on load, presence,
 * durable acks, access changes, reconciliation) without Redis or
 * PostgreSQL, and — each node's fan-out wrapped in a FaultyFanout — what
 * happens when messages between nodes are lost or a node is cut off. The
 * same behaviour over real Redis and PostgreSQL is in
 * cluster.integration.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, listItems } from '../shared/list-document.ts'
import { CloseCode, WS_PATH_PREFIX } from '../shared/protocol.ts'
import { LocalFanoutHub, type Fanout } from './fanout.ts'
import { FaultyFanout } from './faulty-fanout.ts'
import { topics } from './node-protocol.ts'
import { MemoryStorage } from './storage/memory-storage.ts'
import type { Storage } from './storage/storage.ts'
import { Api, awarenessUntil, connectClient, docUntil, saved, startTestServer, synced, type TestClient, type TestServer } from './test-support/harness.ts'

const itemTexts = (doc: Y.Doc) => listItems(doc).items.map((item) => item.text)

describe('two nodes sharing a store and a fan-out', () => {
  const nodes: TestServer[] = []
  const clients: TestClient[] = []
  const connect = (...args: Parameters<typeof connectClient>) => {
    const client = connectClient(...args)
    clients.push(client)
    return client
  }
  const faulty: FaultyFanout[] = []
  async function cluster(count: number, storage: Storage = new MemoryStorage(), fanoutOf: (endpoint: Fanout) => Fanout = (endpoint) => endpoint): Promise<TestServer[]> {
    const hub = new LocalFanoutHub()
    const started: TestServer[] = []
    // Nodes of one cluster share the token secret, or a token from one is refused by another.
    const env = { JWT_SECRET: 'a-secret-shared-by-every-node-of-this-cluster' }
    for (let i = 0; i < count; i++) started.push(await startTestServer(env, { storage, fanout: fanoutOf(hub.endpoint()) }))
    nodes.push(...started)
    return started
  }
  /** `cluster`, each node with the FaultyFanout it talks through. */
  async function faultyCluster(count: number): Promise<Array<{ node: TestServer; fanout: FaultyFanout }>> {
    const fanouts: FaultyFanout[] = []
    const started = await cluster(count, new MemoryStorage(), (endpoint) => {
      const fanout = new FaultyFanout(endpoint)
      fanouts.push(fanout)
      return fanout
    })
    faulty.push(...fanouts)
    return started.map((node, i) => ({ node, fanout: fanouts[i]! }))
  }
  /** A user and a list of theirs, created through `node`'s API. */
  async function listOn(node: TestServer) {
    const api = new Api(node.server.url)
    const ana = await api.signup('Ana')
    return { api, ana, list: await api.createList(ana.token) }
  }
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const node of nodes.splice(0)) await node.cleanup()
    for (const fanout of faulty.splice(0)) await fanout.close()
  })

  it('two clients on two nodes converge; presence and typing cross nodes', async () => {
    const [n1, n2] = await cluster(2)
    const { ana, list } = await listOn(n1!)
    const a = connect(n1!.server.url, list.id, ana.token)
    const b = connect(n2!.server.url, list.id, ana.token)
    await Promise.all([synced(a.provider), synced(b.provider)])

    addItem(a.doc, { text: 'from node 1', createdBy: ana.user.id })
    addItem(b.doc, { text: 'from node 2', createdBy: ana.user.id })
    await docUntil(a.doc, () => itemTexts(a.doc).length === 2, 'A has both')
    await docUntil(b.doc, () => itemTexts(b.doc).length === 2, 'B has both')
    expect(listItems(a.doc)).toEqual(listItems(b.doc))

    b.provider.awareness.setLocalState({ typing: true, focus: 'x' })
    await awarenessUntil(a.provider.awareness, () => (a.provider.awareness.getStates().get(b.doc.clientID) as { typing?: boolean } | undefined)?.typing === true, 'A sees B typing')
    expect(a.provider.awareness.getStates().get(b.doc.clientID)).toMatchObject({ user: { id: ana.user.id, name: 'Ana' } })
  })

  it('a node that loads a list live elsewhere catches up from the node holding it, updates not yet stored included; that node relays them to its own clients only once stored', async () => {
    const storage = new MemoryStorage()
    const [n1, n2] = await cluster(2, storage)
    const { ana, list } = await listOn(n1!)
    const a = connect(n1!.server.url, list.id, ana.token)
    const witness = connect(n1!.server.url, list.id, ana.token, { colist: false })
    await Promise.all([synced(a.provider), synced(witness.provider)])
    // Hold node 1's next append so the update is live in its memory but not in the store.
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let appending!: () => void
    const appendStarted = new Promise<void>((resolve) => (appending = resolve))
    const append = storage.appendUpdates.bind(storage)
    storage.appendUpdates = async (docId, updates) => {
      appending()
      await held
      return append(docId, updates)
    }
    try {
      const storedBefore = (await storage.loadDoc(list.id)).lastSeq
      addItem(a.doc, { text: 'in flight', createdBy: ana.user.id })
      // Node 1 has applied it once it appends it.
      await appendStarted
      expect((await storage.loadDoc(list.id)).lastSeq).toBe(storedBefore)

      const b = connect(n2!.server.url, list.id, ana.token, { colist: false })
      await synced(b.provider)
      // Already in node 2's first sync (node 1's catch-up reply holds it), though the store does not have it yet…
      expect(itemTexts(b.doc)).toEqual(['in flight'])
      expect((await storage.loadDoc(list.id)).lastSeq).toBe(storedBefore)
      // …while node 1 relays it to its own clients only once it is stored.
      expect(itemTexts(witness.doc)).toEqual([])
      release()
      await docUntil(witness.doc, () => itemTexts(witness.doc).includes('in flight'), 'node 1 relays it once stored')
      expect((await storage.loadDoc(list.id)).lastSeq).toBeGreaterThan(storedBefore)
    } finally {
      release()
      storage.appendUpdates = append
    }
  })

  it("a client on another node hears when a writer's update is durable", async () => {
    const [n1, n2] = await cluster(2)
    const { ana, list } = await listOn(n1!)
    const writer = connect(n1!.server.url, list.id, ana.token)
    const reader = connect(n2!.server.url, list.id, ana.token)
    await Promise.all([synced(writer.provider), synced(reader.provider)])
    addItem(writer.doc, { text: 'saved?', createdBy: ana.user.id })
    await docUntil(reader.doc, () => itemTexts(reader.doc).includes('saved?'), 'reader has it')
    // The reader never wrote; it is "saved" only once node 1's append is announced to node 2.
    await saved(reader)
    expect(reader.server.persisted.get(writer.doc.clientID)).toBeGreaterThan(0)
  })

  it('each update is stored once, by the node that accepted it', async () => {
    const storage = new MemoryStorage()
    const [n1, n2] = await cluster(2, storage)
    const { ana, list } = await listOn(n1!)
    const a = connect(n1!.server.url, list.id, ana.token)
    const b = connect(n2!.server.url, list.id, ana.token)
    await Promise.all([synced(a.provider), synced(b.provider)])
    const before = (await storage.loadDoc(list.id)).lastSeq
    for (let i = 0; i < 10; i++) addItem(a.doc, { text: `a${i}`, createdBy: ana.user.id })
    await saved(a)
    await saved(b)
    const stored = await storage.loadDoc(list.id)
    const appended = stored.updates.slice(stored.updates.length - (stored.lastSeq - before))
    // Once: the stored ranges of A's clock neither overlap nor leave a gap, so they add up to A's clock exactly.
    const stretch = appended.reduce((sum, update) => {
      const meta = Y.parseUpdateMeta(update)
      return sum + (meta.to.get(a.doc.clientID) ?? 0) - (meta.from.get(a.doc.clientID) ?? 0)
    }, 0)
    expect(stretch).toBe(Y.decodeStateVector(Y.encodeStateVector(a.doc)).get(a.doc.clientID))
  })

  it('revoking through node 1 closes the socket on node 2 within 1 s', async () => {
    const [n1, n2] = await cluster(2)
    const api = new Api(n1!.server.url)
    const owner = await api.signup()
    const bob = await api.signup()
    const list = await api.createList(owner.token)
    await api.share(owner.token, list.id, bob.user.email, 'editor')
    const b = connect(n2!.server.url, list.id, bob.token)
    await synced(b.provider)
    const closed = b.nextClose()
    const started = Date.now()
    expect((await api.request('DELETE', `/api/lists/${list.id}/members/${bob.user.id}`, undefined, owner.token)).status).toBe(204)
    expect(await closed).toBe(CloseCode.Forbidden.code)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('a node cut off from the fan-out serves its own clients; once back, both sides catch up and its presence is re-announced', async () => {
    const [n1, n2] = await faultyCluster(2)
    const { ana, list } = await listOn(n1!.node)
    const a = connect(n1!.node.server.url, list.id, ana.token)
    const b = connect(n2!.node.server.url, list.id, ana.token)
    await Promise.all([synced(a.provider), synced(b.provider)])
    addItem(a.doc, { text: 'before', createdBy: ana.user.id })
    await docUntil(b.doc, () => itemTexts(b.doc).includes('before'), 'B has it')

    n2!.fanout.partition()
    addItem(a.doc, { text: 'during, node 1', createdBy: ana.user.id })
    addItem(b.doc, { text: 'during, node 2', createdBy: ana.user.id })
    b.provider.awareness.setLocalStateField('typing', true)
    // Each node still stores and acknowledges its own clients' writes.
    await Promise.all([saved(a), saved(b)])
    expect(itemTexts(a.doc)).not.toContain('during, node 2')
    expect(itemTexts(b.doc)).not.toContain('during, node 1')

    n2!.fanout.heal()
    await docUntil(a.doc, () => itemTexts(a.doc).length === 3, 'A has all three')
    await docUntil(b.doc, () => itemTexts(b.doc).length === 3, 'B has all three')
    expect(listItems(a.doc)).toEqual(listItems(b.doc))
    const typing = () => (a.provider.awareness.getStates().get(b.doc.clientID) as { typing?: boolean } | undefined)?.typing === true
    await awarenessUntil(a.provider.awareness, typing, 'A sees B typing, said during the outage')
  })

  it("a node gone silent without a goodbye (as after kill -9): its clients' presence leaves the other nodes", async () => {
    const [n1, n2] = await faultyCluster(2)
    const { ana, list } = await listOn(n1!.node)
    const a = connect(n1!.node.server.url, list.id, ana.token)
    const b = connect(n2!.node.server.url, list.id, ana.token)
    await Promise.all([synced(a.provider), synced(b.provider)])
    b.provider.awareness.setLocalStateField('typing', true)
    const seesB = () => a.provider.awareness.getStates().has(b.doc.clientID)
    await awarenessUntil(a.provider.awareness, seesB, 'A sees B')
    n2!.fanout.partition()
    // Beats every 1 s, gone after 3.5 s of silence.
    await awarenessUntil(a.provider.awareness, () => !seesB(), "B's presence gone from A", 10_000)
  })

  describe('presence that never goes missing', () => {
    type Presence = { here?: string; typing?: boolean }
    const stateOf = (observer: TestClient, client: TestClient) => observer.provider.awareness.getStates().get(client.doc.clientID) as Presence | undefined
    const sees = (observer: TestClient, client: TestClient) => stateOf(observer, client) !== undefined
    /** Resolves once `observer` sees `client`'s presence; fails with how long that took if it takes over 1 s after `since`. */
    async function seenWithin1s(observer: TestClient, client: TestClient, since: number, what: string): Promise<void> {
      // Bounded, but well past the 1 s: a failure says how late it was (y-websocket renews its state only every 15 s).
      await awarenessUntil(observer.provider.awareness, () => sees(observer, client), what, 5000)
      expect(Date.now() - since, what).toBeLessThan(1000)
    }
    /** Two nodes, a client with a presence on each; each sees the other's. */
    async function twoNodesTwoClients() {
      const [n1, n2] = await faultyCluster(2)
      const { ana, list } = await listOn(n1!.node)
      const a = connect(n1!.node.server.url, list.id, ana.token)
      const b = connect(n2!.node.server.url, list.id, ana.token)
      await Promise.all([synced(a.provider), synced(b.provider)])
      a.provider.awareness.setLocalState({ here: 'a' })
      b.provider.awareness.setLocalState({ here: 'b' })
      await awarenessUntil(a.provider.awareness, () => stateOf(a, b)?.here === 'b', 'A sees B')
      await awarenessUntil(b.provider.awareness, () => stateOf(b, a)?.here === 'a', 'B sees A')
      return { n1: n1!, n2: n2!, ana, list, a, b }
    }

    it('after a fan-out outage longer than the node timeout, each client sees the other again within 1 s of the fan-out returning, outage after outage', async () => {
      const { n1, n2, a, b } = await twoNodesTwoClients()
      for (let outage = 1; outage <= 2; outage++) {
        n1.fanout.partition()
        n2.fanout.partition()
        // Each node drops the other after 3.5 s of silence, and its clients' presence with it (as designed).
        await awarenessUntil(a.provider.awareness, () => !sees(a, b), `outage ${outage}: B gone from A`, 10_000)
        await awarenessUntil(b.provider.awareness, () => !sees(b, a), `outage ${outage}: A gone from B`, 10_000)
        n1.fanout.heal()
        n2.fanout.heal()
        const back = Date.now()
        await Promise.all([seenWithin1s(a, b, back, `outage ${outage}: A sees B again`), seenWithin1s(b, a, back, `outage ${outage}: B sees A again`)])
        expect(stateOf(a, b)).toMatchObject({ here: 'b' })
        expect(stateOf(b, a)).toMatchObject({ here: 'a' })
      }
      // Presence still changes live afterwards: the clients' own clocks were not overtaken by the server.
      b.provider.awareness.setLocalStateField('typing', true)
      await awarenessUntil(a.provider.awareness, () => stateOf(a, b)?.typing === true, 'A sees B typing after the outages')
      a.provider.awareness.setLocalStateField('typing', true)
      await awarenessUntil(b.provider.awareness, () => stateOf(b, a)?.typing === true, 'B sees A typing after the outages')
    }, 40_000)

    it('when only one node lost the fan-out (the other never sees an outage), both clients see each other within 1 s of its return', async () => {
      const { n2, a, b } = await twoNodesTwoClients()
      n2.fanout.partition()
      await awarenessUntil(a.provider.awareness, () => !sees(a, b), 'B gone from A', 10_000)
      await awarenessUntil(b.provider.awareness, () => !sees(b, a), 'A gone from B', 10_000)
      n2.fanout.heal()
      const back = Date.now()
      await Promise.all([seenWithin1s(a, b, back, 'A sees B again'), seenWithin1s(b, a, back, 'B sees A again')])
    }, 30_000)

    it('a client whose node died (silent, as after kill -9) and that reconnects to the other node later: everyone there sees it within 1 s of its reconnect', async () => {
      const { n1, n2, a, b } = await twoNodesTwoClients()
      const observer = b
      // Node 1 dies: it goes silent on the fan-out (nothing it does from now on reaches node 2), and its client loses its socket.
      n1.fanout.partition()
      a.provider.disconnect()
      await awarenessUntil(observer.provider.awareness, () => !sees(observer, a), "A's presence gone from node 2", 10_000)
      // A comes back, sent (as by a load balancer) to node 2, with the same awareness and clock as before.
      let reconnectedAt = 0
      a.provider.on('status', ({ status }: { status: string }) => {
        if (status === 'connected') reconnectedAt ||= Date.now()
      })
      a.provider.serverUrl = n2.node.server.url.replace(/^http/, 'ws') + WS_PATH_PREFIX
      a.provider.connect()
      await awarenessUntil(observer.provider.awareness, () => sees(observer, a), 'node 2 sees A again', 5000)
      expect(reconnectedAt).toBeGreaterThan(0)
      expect(Date.now() - reconnectedAt).toBeLessThan(1000)
      expect(stateOf(observer, a)).toMatchObject({ here: 'a' })
      a.provider.awareness.setLocalStateField('typing', true)
      await awarenessUntil(observer.provider.awareness, () => stateOf(observer, a)?.typing === true, 'node 2 sees A typing')
    }, 30_000)

    it('a client whose node died and that reconnects to the other node at once: seen there throughout, and again within 1 s of its old node being declared gone', async () => {
      const { n1, n2, a, b } = await twoNodesTwoClients()
      const observer = b
      n1.fanout.partition()
      a.provider.disconnect()
      a.provider.serverUrl = n2.node.server.url.replace(/^http/, 'ws') + WS_PATH_PREFIX
      a.provider.connect()
      await synced(a.provider)
      // Node 2 still holds A's last state from node 1.
      expect(stateOf(observer, a)).toMatchObject({ here: 'a' })
      // Node 1 is declared gone after 3.5 s of silence: A's presence from it is removed…
      await awarenessUntil(observer.provider.awareness, () => !sees(observer, a), 'node 1 declared gone', 10_000)
      const gone = Date.now()
      // …and A, connected to node 2 now, announces it again.
      await seenWithin1s(observer, a, gone, 'node 2 sees A again')
      a.provider.awareness.setLocalStateField('typing', true)
      await awarenessUntil(observer.provider.awareness, () => stateOf(observer, a)?.typing === true, 'node 2 sees A typing')
    }, 30_000)

    it('a client that loses its socket to one live node and reconnects to the other: seen there within 1 s of its reconnect', async () => {
      const { n2, a, b } = await twoNodesTwoClients()
      const observer = b
      a.provider.disconnect()
      // Node 1 removed A's presence and told node 2.
      await awarenessUntil(observer.provider.awareness, () => !sees(observer, a), "A's presence gone from node 2")
      let reconnectedAt = 0
      a.provider.on('status', ({ status }: { status: string }) => {
        if (status === 'connected') reconnectedAt ||= Date.now()
      })
      a.provider.serverUrl = n2.node.server.url.replace(/^http/, 'ws') + WS_PATH_PREFIX
      a.provider.connect()
      await awarenessUntil(observer.provider.awareness, () => sees(observer, a), 'node 2 sees A again', 5000)
      expect(Date.now() - reconnectedAt).toBeLessThan(1000)
      expect(stateOf(observer, a)).toMatchObject({ here: 'a' })
    })

    it('a client that reconnects to the same node: the others see it within 1 s of its reconnect', async () => {
      const { n1, a, b } = await twoNodesTwoClients()
      const sameNode = connect(n1.node.server.url, a.provider.roomname, a.provider.params.token!)
      await synced(sameNode.provider)
      await awarenessUntil(sameNode.provider.awareness, () => sees(sameNode, a), 'the client on the same node sees A')
      a.provider.disconnect()
      await awarenessUntil(sameNode.provider.awareness, () => !sees(sameNode, a), 'A gone from its own node')
      await awarenessUntil(b.provider.awareness, () => !sees(b, a), 'A gone from the other node')
      let reconnectedAt = 0
      a.provider.on('status', ({ status }: { status: string }) => {
        if (status === 'connected') reconnectedAt ||= Date.now()
      })
      a.provider.connect()
      await Promise.all([
        awarenessUntil(sameNode.provider.awareness, () => sees(sameNode, a), 'its own node sees A again', 5000),
        awarenessUntil(b.provider.awareness, () => sees(b, a), 'the other node sees A again', 5000),
      ])
      expect(Date.now() - reconnectedAt).toBeLessThan(1000)
    })
  })

  it('a node loading a list whose live peer never answers its catch-up request serves what the store holds after the timeout', async () => {
    const [n1, n2] = await faultyCluster(2)
    const { ana, list } = await listOn(n1!.node)
    const a = connect(n1!.node.server.url, list.id, ana.token)
    await synced(a.provider)
    addItem(a.doc, { text: 'stored', createdBy: ana.user.id })
    await saved(a)
    n1!.fanout.drop({ topic: topics.sync(list.id) })

    const started = Date.now()
    const b = connect(n2!.node.server.url, list.id, ana.token)
    await synced(b.provider)
    // Node 2 counted node 1 on the list and waited for its reply, up to the 1 s peer sync timeout.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(itemTexts(b.doc)).toEqual(['stored'])
    // Only catch-up was lost: live updates flow.
    addItem(a.doc, { text: 'live', createdBy: ana.user.id })
    await docUntil(b.doc, () => itemTexts(b.doc).includes('live'), 'B gets the live update')
  })
})
