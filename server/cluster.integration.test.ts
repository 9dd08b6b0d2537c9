/**
 * Two real Colist node processes sharing a real PostgreSQL and a real Redis,
 * with nginx in front, all on 127.0.0.1 — the deployment README describes.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, listItems } from '../shared/list-document.ts'
import { CloseCode } from '../shared/protocol.ts'
import { startNginx, type Balancer } from './cluster/nginx.ts'
import { useCluster } from './test-support/cluster-fixture.ts'
import { freePort } from './test-support/free-port.ts'
import { Api, awarenessUntil, connectClient, docUntil, saved, synced, type ServerProcess, type TestClient } from './test-support/harness.ts'

const JWT_SECRET = 'cluster-test-secret-shared-by-every-node-0123456789'
const itemTexts = (doc: Y.Doc) => listItems(doc).items.map((item) => item.text)

const clients: TestClient[] = []
const cluster = useCluster({
  name: 'cluster',
  jwtSecret: JWT_SECRET,
  closeClients: () => {
    for (const client of clients.splice(0)) client.destroy()
  },
})

function connect(...args: Parameters<typeof connectClient>): TestClient {
  const client = connectClient(...args)
  clients.push(client)
  return client
}

async function ready(node: ServerProcess): Promise<number> {
  return (await fetch(`${node.url}/readyz`)).status
}

describe('a cluster on Redis and PostgreSQL', () => {
  it('two clients through two nodes converge; presence and typing cross nodes; revocation on node 1 closes a socket on node 2', async () => {
    const [n1, n2] = await cluster.startNodes()
    const api = new Api(n1.url)
    const ana = await api.signup('Ana')
    const bob = await api.signup('Bob')
    const list = await api.createList(ana.token)
    await api.share(ana.token, list.id, bob.user.email, 'editor')

    const a = connect(n1.url, list.id, ana.token)
    const b = connect(n2.url, list.id, bob.token)
    await Promise.all([synced(a.provider), synced(b.provider)])
    addItem(a.doc, { text: 'via node 1', createdBy: ana.user.id })
    addItem(b.doc, { text: 'via node 2', createdBy: bob.user.id })
    await docUntil(a.doc, () => itemTexts(a.doc).length === 2, 'A has both')
    await docUntil(b.doc, () => itemTexts(b.doc).length === 2, 'B has both')
    expect(listItems(a.doc)).toEqual(listItems(b.doc))
    await Promise.all([saved(a), saved(b)])

    b.provider.awareness.setLocalState({ typing: true })
    await awarenessUntil(a.provider.awareness, () => (a.provider.awareness.getStates().get(b.doc.clientID) as { typing?: boolean } | undefined)?.typing === true, 'A sees Bob typing')
    expect(a.provider.awareness.getStates().get(b.doc.clientID)).toMatchObject({ user: { id: bob.user.id, name: 'Bob' } })

    const closed = b.nextClose()
    const started = Date.now()
    expect((await api.request('DELETE', `/api/lists/${list.id}/members/${bob.user.id}`, undefined, ana.token)).status).toBe(204)
    expect(await closed).toBe(CloseCode.Forbidden.code)
    expect(Date.now() - started).toBeLessThan(1000)
  }, 60_000)

  it('kill -9 of a node: its client reconnects through nginx to the other, no acknowledged update is lost, its presence disappears', async () => {
    const [n1, n2] = await cluster.startNodes()
    const balancerPort = await freePort()
    let balancer: Balancer | null = null
    try {
      balancer = await startNginx(balancerPort, [`127.0.0.1:${n1.port}`, `127.0.0.1:${n2.port}`])
      const api = new Api(n2.url)
      const ana = await api.signup('Ana')
      const list = await api.createList(ana.token)
      // The bystander and (through nginx) the writer are on node 1, which dies; the observer is on node 2.
      const observer = connect(n2.url, list.id, ana.token)
      const bystander = connect(n1.url, list.id, ana.token)
      await Promise.all([synced(observer.provider), synced(bystander.provider)])
      const connectionsOnNode1 = async () => Number((await (await fetch(`${n1.url}/metrics`)).text()).match(/^colist_ws_connections (\d+)/m)![1])
      let writer = connect(balancer.url, list.id, ana.token)
      await synced(writer.provider)
      if ((await connectionsOnNode1()) !== 2) {
        // Round robin put it on node 2; the next connection goes to node 1.
        const second = connect(balancer.url, list.id, ana.token)
        await synced(second.provider)
        writer.provider.disconnect()
        writer = second
      }
      expect(await connectionsOnNode1()).toBe(2)
      bystander.provider.awareness.setLocalState({ here: true })
      const bystanderId = bystander.doc.clientID
      await awarenessUntil(observer.provider.awareness, () => observer.provider.awareness.getStates().has(bystanderId), 'observer sees the bystander')

      const durableAt = new Map<string, number>()
      const acknowledged = () => {
        const clock = writer.server.persisted.get(writer.doc.clientID) ?? 0
        return [...durableAt].filter(([, end]) => end <= clock).map(([text]) => text)
      }
      let written = 0
      const write = (count: number) => {
        for (let i = 0; i < count; i++, written++) {
          addItem(writer.doc, { text: `w${written}`, createdBy: ana.user.id })
          durableAt.set(`w${written}`, Y.decodeStateVector(Y.encodeStateVector(writer.doc)).get(writer.doc.clientID)!)
        }
      }
      write(50)
      await saved(writer)
      write(50)
      // Note the moment the bystander's presence vanishes for the observer, from the kill on.
      const killedAt = Date.now()
      let presenceGoneAt: number | null = null
      const notePresence = () => {
        if (presenceGoneAt === null && !observer.provider.awareness.getStates().has(bystanderId)) presenceGoneAt = Date.now()
      }
      observer.provider.awareness.on('change', notePresence)
      n1.child.kill('SIGKILL')
      await n1.exited
      const acked = acknowledged()
      write(20)

      // The writer reconnects on its own, through nginx, to the surviving node.
      await saved(writer, 20_000)
      const reader = connect(n2.url, list.id, ana.token)
      await synced(reader.provider)
      const present = new Set(itemTexts(reader.doc))
      expect(acked.filter((text) => !present.has(text))).toEqual([])
      await docUntil(reader.doc, () => itemTexts(reader.doc).length === written, `reader has all ${written}`, 10_000)

      // The bystander's node died: its presence goes within a few seconds, not after the 30 s awareness timeout.
      await awarenessUntil(observer.provider.awareness, () => presenceGoneAt !== null, 'bystander presence gone', 20_000)
      expect(presenceGoneAt! - killedAt).toBeLessThan(8000)
      observer.provider.awareness.off('change', notePresence)
    } finally {
      await balancer?.stop()
    }
  }, 90_000)

  it('Redis restarted mid-editing: nodes serve their own clients, report not ready, then every client converges', async () => {
    const [n1, n2] = await cluster.startNodes()
    const api = new Api(n1.url)
    const ana = await api.signup()
    const list = await api.createList(ana.token)
    const a = connect(n1.url, list.id, ana.token)
    const b = connect(n2.url, list.id, ana.token)
    await Promise.all([synced(a.provider), synced(b.provider)])
    addItem(a.doc, { text: 'before', createdBy: ana.user.id })
    await docUntil(b.doc, () => itemTexts(b.doc).includes('before'), 'B has it')

    await cluster.redis.kill()
    await readyzUntil(n1, 503)
    addItem(a.doc, { text: 'during, node 1', createdBy: ana.user.id })
    addItem(b.doc, { text: 'during, node 2', createdBy: ana.user.id })
    // Each node still stores its own clients' writes.
    await Promise.all([saved(a, 10_000), saved(b, 10_000)])

    await cluster.redis.start()
    await readyzUntil(n1, 200)
    await readyzUntil(n2, 200)
    await docUntil(a.doc, () => itemTexts(a.doc).length === 3, 'A has all three', 15_000)
    await docUntil(b.doc, () => itemTexts(b.doc).length === 3, 'B has all three', 15_000)
    expect(listItems(a.doc)).toEqual(listItems(b.doc))
    addItem(b.doc, { text: 'after', createdBy: ana.user.id })
    await docUntil(a.doc, () => itemTexts(a.doc).includes('after'), 'live again')
  }, 60_000)
})

describe('presence across nodes on Redis and PostgreSQL', () => {
  type Presence = { here?: string }
  const stateOf = (observer: TestClient, client: TestClient) => observer.provider.awareness.getStates().get(client.doc.clientID) as Presence | undefined
  const sees = (observer: TestClient, client: TestClient) => stateOf(observer, client) !== undefined
  /** Resolves once `observer` sees `client`'s presence; fails if that is over 1 s after `since` (the wait itself is bounded well past it). */
  async function seenWithin1s(observer: TestClient, client: TestClient, since: number, what: string): Promise<void> {
    await awarenessUntil(observer.provider.awareness, () => sees(observer, client), what, 20_000)
    expect(Date.now() - since, what).toBeLessThan(1000)
  }

  it('Redis down longer than the node timeout: each client sees the other again within 1 s of the fan-out returning', async () => {
    const [n1, n2] = await cluster.startNodes()
    const api = new Api(n1.url)
    const ana = await api.signup('Ana')
    const bob = await api.signup('Bob')
    const list = await api.createList(ana.token)
    await api.share(ana.token, list.id, bob.user.email, 'editor')
    const a = connect(n1.url, list.id, ana.token)
    const b = connect(n2.url, list.id, bob.token)
    await Promise.all([synced(a.provider), synced(b.provider)])
    a.provider.awareness.setLocalState({ here: 'ana' })
    b.provider.awareness.setLocalState({ here: 'bob' })
    await awarenessUntil(a.provider.awareness, () => stateOf(a, b)?.here === 'bob', 'Ana sees Bob')
    await awarenessUntil(b.provider.awareness, () => stateOf(b, a)?.here === 'ana', 'Bob sees Ana')

    await cluster.redis.kill()
    // Past the 3.5 s node timeout each node drops the other's clients (as designed).
    await awarenessUntil(a.provider.awareness, () => !sees(a, b), "Bob's presence gone from Ana", 15_000)
    await awarenessUntil(b.provider.awareness, () => !sees(b, a), "Ana's presence gone from Bob", 15_000)

    await cluster.redis.start()
    // The fan-out is back once both nodes are connected again (ioredis retries on its own schedule, up to 2 s apart).
    const back = Math.max(...(await Promise.all([readyAgainAt(n1), readyAgainAt(n2)])))
    await Promise.all([seenWithin1s(a, b, back, 'Ana sees Bob again'), seenWithin1s(b, a, back, 'Bob sees Ana again')])
    expect(stateOf(a, b)).toMatchObject({ here: 'bob', user: { id: bob.user.id, name: 'Bob' } })
    expect(stateOf(b, a)).toMatchObject({ here: 'ana', user: { id: ana.user.id, name: 'Ana' } })
  }, 60_000)

  it('kill -9 of a node while its client is offline; the client comes back through nginx to the other node: seen there within 1 s of its reconnect', async () => {
    const [n1, n2] = await cluster.startNodes()
    const balancerPort = await freePort()
    let balancer: Balancer | null = null
    try {
      balancer = await startNginx(balancerPort, [`127.0.0.1:${n1.port}`, `127.0.0.1:${n2.port}`])
      const api = new Api(n2.url)
      const ana = await api.signup('Ana')
      const list = await api.createList(ana.token)
      const observer = connect(n2.url, list.id, ana.token)
      await synced(observer.provider)
      const connectionsOnNode1 = async () => Number((await (await fetch(`${n1.url}/metrics`)).text()).match(/^colist_ws_connections (\d+)/m)![1])
      // The mover is on node 1 (round robin may need a second try).
      let mover = connect(balancer.url, list.id, ana.token)
      await synced(mover.provider)
      if ((await connectionsOnNode1()) !== 1) {
        const second = connect(balancer.url, list.id, ana.token)
        await synced(second.provider)
        mover.destroy()
        mover = second
      }
      expect(await connectionsOnNode1()).toBe(1)
      mover.provider.awareness.setLocalState({ here: 'mover' })
      await awarenessUntil(observer.provider.awareness, () => stateOf(observer, mover)?.here === 'mover', 'observer sees the mover')

      // The mover goes offline; its node dies; node 2 drops the dead node's clients after the node timeout.
      mover.provider.disconnect()
      n1.child.kill('SIGKILL')
      await n1.exited
      await awarenessUntil(observer.provider.awareness, () => !sees(observer, mover), "mover's presence gone from node 2", 15_000)

      // Back online, with the same awareness and clock; nginx sends it to the surviving node.
      let reconnectedAt = 0
      mover.provider.on('status', ({ status }: { status: string }) => {
        if (status === 'connected') reconnectedAt ||= Date.now()
      })
      mover.provider.connect()
      await awarenessUntil(observer.provider.awareness, () => sees(observer, mover), 'observer sees the mover again', 20_000)
      expect(reconnectedAt).toBeGreaterThan(0)
      expect(Date.now() - reconnectedAt).toBeLessThan(1000)
      expect(stateOf(observer, mover)).toMatchObject({ here: 'mover' })
    } finally {
      await balancer?.stop()
    }
  }, 60_000)
})

/** Polls /readyz every 20 ms (bounded) until it answers 200; resolves with that moment. */
async function readyAgainAt(node: ServerProcess): Promise<number> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if ((await ready(node)) === 200) return Date.now()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`${node.url}/readyz never answered 200 again`)
}

/** Polls /readyz (bounded) until it answers `status`. */
async function readyzUntil(node: ServerProcess, status: number): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if ((await ready(node)) === status) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${node.url}/readyz never answered ${status}`)
}

