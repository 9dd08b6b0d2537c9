/**
 * The behaviour every Fanout implementation must have, as a vitest suite, in
 * the manner of automerge-repo's `runNetworkAdapterTests` and
 * storage/storage.contract.ts: an implementation's test file calls
 * `fanoutContract` with a factory of clusters, and nothing here knows which
 * implementation it is testing.
 *
 * It is what the rooms rely on (peer-sync.ts, peer-nodes.ts,
 * room-registry.ts): delivery to the other nodes and never back to the
 * sender, the sender's node id with each message, per-topic isolation, one
 * node's order kept, no replay, unsubscribing, `peerCount` (catch-up waits
 * for that many replies), a node that goes away, and — for clusters that can
 * have one — an outage: messages lost meanwhile, `onReconnect` once they
 * flow again.
 *
 * Over a network, a subscription takes effect a moment after `subscribe`
 * returns, so tests wait until the publisher's `peerCount` shows it. To show
 * that something did *not* arrive, a test sends a marker after it from the
 * same node and waits for the marker: one node's messages arrive in order.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Fanout } from './fanout.ts'
import { pollUntil } from './test-support/poll-until.ts'

export interface FanoutCluster {
  /** A new node, connected to the others of this cluster. */
  node(): Promise<Fanout>
  /**
   * Cuts every node off from the others, and ends that (as a Redis restart
   * does). Omit it for a fan-out that never disconnects; the outage tests are
   * then skipped.
   */
  outage?: { begin(): Promise<void>; end(): Promise<void> }
  /** Closes every node it made (some may be closed already) and whatever else it started. */
  cleanup(): Promise<void>
}

interface Received {
  topic: string
  text: string
  from: string
}

/** Everything one node's handlers received, in arrival order. */
class Inbox {
  readonly got: Received[] = []

  constructor(readonly fanout: Fanout) {}

  /** Subscribes a recording handler; returns its unsubscribe function. */
  listen(topic: string, into: Received[] = this.got): () => void {
    return this.fanout.subscribe(topic, (payload, from) => into.push({ topic, text: new TextDecoder().decode(payload), from }))
  }

  texts(topic?: string): string[] {
    return this.got.filter((r) => topic === undefined || r.topic === topic).map((r) => r.text)
  }

  async until(what: string, check: (got: Received[]) => boolean): Promise<void> {
    await pollUntil(() => check(this.got), what, { timeoutMs: 10_000, intervalMs: 5 })
  }
}

const text = (value: string) => new TextEncoder().encode(value)

export function fanoutContract(name: string, makeCluster: () => Promise<FanoutCluster>): void {
  describe(`Fanout contract: ${name}`, () => {
    let cluster: FanoutCluster
    /** Unique per test, so tests sharing a server (Redis) never hear each other. */
    let prefix: string
    const topic = (name: string) => `${prefix}:${name}`

    beforeEach(async () => {
      cluster = await makeCluster()
      prefix = `contract-${randomUUID()}`
    })

    afterEach(async () => {
      await cluster.cleanup()
    })

    async function nodes(count: number): Promise<Fanout[]> {
      const made: Fanout[] = []
      for (let i = 0; i < count; i++) made.push(await cluster.node())
      return made
    }

    /** Waits until `publisher` counts `count` other nodes on `t`. */
    async function peersSeen(publisher: Fanout, t: string, count: number): Promise<void> {
      await pollUntil(async () => (await publisher.peerCount(t)) === count, `${count} peers on ${t}`, { timeoutMs: 10_000, intervalMs: 5 })
    }

    /**
     * Once this returns, everything `from` published before the call has
     * reached `to` (one node's messages arrive in order).
     */
    async function flush(from: Fanout, to: Fanout): Promise<void> {
      const t = topic(`flush-${randomUUID()}`)
      const inbox = new Inbox(to)
      const off = inbox.listen(t)
      await peersSeen(from, t, 1)
      from.publish(t, text('marker'))
      await inbox.until('the flush marker', (got) => got.length === 1)
      off()
    }

    describe('identity', () => {
      it('gives each node its own id, which peers see as the sender', async () => {
        const [a, b, c] = await nodes(3)
        expect(new Set([a!.nodeId, b!.nodeId, c!.nodeId]).size).toBe(3)
        for (const node of [a!, b!, c!]) expect(node.nodeId).toMatch(/\S/)
        const idBefore = a!.nodeId
        const inbox = new Inbox(b!)
        inbox.listen(topic('t'))
        await peersSeen(a!, topic('t'), 1)
        a!.publish(topic('t'), text('hi'))
        await inbox.until('the message', (got) => got.length === 1)
        expect(inbox.got[0]!.from).toBe(a!.nodeId)
        expect(a!.nodeId).toBe(idBefore)
      })

      it('is connected once made', async () => {
        const [a] = await nodes(1)
        expect(a!.connected).toBe(true)
      })
    })

    describe('delivery', () => {
      it('reaches every other subscribed node once, and never the sender, though it subscribes too', async () => {
        const [a, b, c] = await nodes(3)
        const t = topic('doc')
        const inboxes = [a!, b!, c!].map((node) => new Inbox(node))
        for (const inbox of inboxes) inbox.listen(t)
        await peersSeen(a!, t, 2)
        a!.publish(t, text('from a'))
        await inboxes[1]!.until('B gets it', (got) => got.length === 1)
        await inboxes[2]!.until('C gets it', (got) => got.length === 1)
        await flush(b!, a!)
        await flush(a!, c!)
        expect(inboxes[0]!.got).toEqual([])
        expect(inboxes[1]!.got).toEqual([{ topic: t, text: 'from a', from: a!.nodeId }])
        expect(inboxes[2]!.got).toEqual([{ topic: t, text: 'from a', from: a!.nodeId }])
      })

      it('never runs a handler inside publish', async () => {
        const [a, b] = await nodes(2)
        const t = topic('async')
        const inbox = new Inbox(b!)
        inbox.listen(t)
        await peersSeen(a!, t, 1)
        a!.publish(t, text('later'))
        expect(inbox.got).toEqual([])
        await inbox.until('it arrives', (got) => got.length === 1)
      })

      it('gives each handler of a topic on a node the message once', async () => {
        const [a, b] = await nodes(2)
        const t = topic('t')
        const first: Received[] = []
        const second: Received[] = []
        const inbox = new Inbox(b!)
        inbox.listen(t, first)
        inbox.listen(t, second)
        await peersSeen(a!, t, 1)
        a!.publish(t, text('x'))
        await pollUntil(() => first.length === 1 && second.length === 1, 'both handlers', { timeoutMs: 10_000, intervalMs: 5 })
        await flush(a!, b!)
        expect([first.length, second.length]).toEqual([1, 1])
      })

      it('keeps topics apart, names matched exactly', async () => {
        const [a, b] = await nodes(2)
        const inbox = new Inbox(b!)
        for (const t of ['doc:l', 'doc:l2', 'doc:', 'awareness:l']) {
          inbox.listen(topic(t))
          await peersSeen(a!, topic(t), 1)
        }
        a!.publish(topic('doc:l'), text('1'))
        a!.publish(topic('nobody-listens'), text('2'))
        a!.publish(topic('awareness:l'), text('3'))
        await flush(a!, b!)
        expect(inbox.got.map((r) => [r.topic, r.text])).toEqual([
          [topic('doc:l'), '1'],
          [topic('awareness:l'), '3'],
        ])
      })

      it('carries payloads byte for byte: empty, every byte value, a view into a larger buffer, 1 MiB', async () => {
        const [a, b] = await nodes(2)
        const t = topic('bytes')
        const got: Uint8Array[] = []
        b!.subscribe(t, (payload) => got.push(payload.slice()))
        await peersSeen(a!, t, 1)
        const every = Uint8Array.from({ length: 256 }, (_, i) => i)
        const pooled = Uint8Array.from({ length: 64 }, (_, i) => 200 + (i % 50))
        const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31) % 251)
        const sent = [new Uint8Array(0), every, pooled.subarray(10, 20), big]
        for (const payload of sent) a!.publish(t, payload)
        await pollUntil(() => got.length === sent.length, 'all four', { timeoutMs: 10_000, intervalMs: 5 })
        const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
        expect(got.map(hex)).toEqual(sent.map(hex))
      })

      it("keeps one node's order, across topics", async () => {
        const [a, b] = await nodes(2)
        const inbox = new Inbox(b!)
        const [doc, persisted] = [topic('doc'), topic('persisted')]
        inbox.listen(doc)
        inbox.listen(persisted)
        await peersSeen(a!, doc, 1)
        await peersSeen(a!, persisted, 1)
        const sent: string[] = []
        for (let i = 0; i < 200; i++) {
          const t = i % 3 === 0 ? persisted : doc
          a!.publish(t, text(`${i}`))
          sent.push(`${t}/${i}`)
        }
        await inbox.until('all 200', (got) => got.length === 200)
        expect(inbox.got.map((r) => `${r.topic}/${r.text}`)).toEqual(sent)
      })

      it('replays nothing: a node that subscribes later gets only what is published after', async () => {
        const [a, b, c] = await nodes(3)
        const t = topic('t')
        const witness = new Inbox(c!)
        witness.listen(t)
        await peersSeen(a!, t, 1)
        a!.publish(t, text('before'))
        await witness.until('the witness has it', (got) => got.length === 1)
        const late = new Inbox(b!)
        late.listen(t)
        await peersSeen(a!, t, 2)
        a!.publish(t, text('after'))
        await late.until('the late subscriber has the second', (got) => got.length >= 1)
        await flush(a!, b!)
        expect(late.texts()).toEqual(['after'])
      })

      it('lets several nodes publish on one topic; each message names its sender', async () => {
        const [a, b, c] = await nodes(3)
        const t = topic('t')
        const inbox = new Inbox(c!)
        inbox.listen(t)
        await peersSeen(a!, t, 1)
        await peersSeen(b!, t, 1)
        for (let i = 0; i < 20; i++) {
          a!.publish(t, text(`a${i}`))
          b!.publish(t, text(`b${i}`))
        }
        await inbox.until('all 40', (got) => got.length === 40)
        // Between two senders no order is promised; each sender's own is.
        expect(inbox.got.filter((r) => r.from === a!.nodeId).map((r) => r.text)).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`))
        expect(inbox.got.filter((r) => r.from === b!.nodeId).map((r) => r.text)).toEqual(Array.from({ length: 20 }, (_, i) => `b${i}`))
      })
    })

    describe('unsubscribe', () => {
      it('stops that handler only', async () => {
        const [a, b] = await nodes(2)
        const t = topic('t')
        const kept: Received[] = []
        const gone: Received[] = []
        const inbox = new Inbox(b!)
        inbox.listen(t, kept)
        const off = inbox.listen(t, gone)
        await peersSeen(a!, t, 1)
        off()
        a!.publish(t, text('x'))
        await pollUntil(() => kept.length === 1, 'the kept handler', { timeoutMs: 10_000, intervalMs: 5 })
        await flush(a!, b!)
        expect(gone).toEqual([])
      })

      it('the last handler gone, the node no longer counts; subscribing again delivers again', async () => {
        const [a, b] = await nodes(2)
        const t = topic('room')
        const inbox = new Inbox(b!)
        const off = inbox.listen(t)
        await peersSeen(a!, t, 1)
        off()
        await peersSeen(a!, t, 0)
        a!.publish(t, text('while away'))
        await flush(a!, b!)
        // The room unloads and loads again: same topic, new subscription.
        inbox.listen(t)
        await peersSeen(a!, t, 1)
        a!.publish(t, text('back'))
        await inbox.until('the message after subscribing again', (got) => got.some((r) => r.text === 'back'))
        await flush(a!, b!)
        expect(inbox.texts()).toEqual(['back'])
      })

      it('is harmless called twice, even after the topic was subscribed anew', async () => {
        const [a, b] = await nodes(2)
        const t = topic('t')
        const inbox = new Inbox(b!)
        const off = inbox.listen(t)
        off()
        inbox.listen(t)
        off()
        await peersSeen(a!, t, 1)
        a!.publish(t, text('still here'))
        await inbox.until('the new subscription still delivers', (got) => got.length === 1)
      })
    })

    describe('peerCount', () => {
      it('counts the other nodes on a topic, each once, never itself', async () => {
        const [a, b, c] = await nodes(3)
        const t = topic('doc')
        expect(await a!.peerCount(t)).toBe(0)
        b!.subscribe(t, () => {})
        b!.subscribe(t, () => {})
        await peersSeen(a!, t, 1)
        a!.subscribe(t, () => {})
        c!.subscribe(t, () => {})
        await peersSeen(a!, t, 2)
        await peersSeen(b!, t, 2)
        await peersSeen(c!, t, 2)
        expect(await a!.peerCount(topic('other'))).toBe(0)
      })

      it('drops a node once its last handler of the topic is gone', async () => {
        const [a, b] = await nodes(2)
        const t = topic('doc')
        const offs = [b!.subscribe(t, () => {}), b!.subscribe(t, () => {})]
        await peersSeen(a!, t, 1)
        offs[0]!()
        // Still subscribed through the second handler: give a network the time to show otherwise.
        await flush(a!, b!)
        expect(await a!.peerCount(t)).toBe(1)
        offs[1]!()
        await peersSeen(a!, t, 0)
      })
    })

    describe('a node that goes away', () => {
      it('what it published before closing still arrives; then it counts no more, sends and receives nothing', async () => {
        const [a, b, c] = await nodes(3)
        const t = topic('t')
        const inboxB = new Inbox(b!)
        const inboxA = new Inbox(a!)
        inboxB.listen(t)
        inboxA.listen(t)
        await peersSeen(b!, t, 1)
        await peersSeen(c!, t, 2)
        for (let i = 0; i < 10; i++) b!.publish(t, text(`last words ${i}`))
        await b!.close()
        await inboxA.until('all it said before closing', (got) => got.length === 10)
        expect(inboxA.texts()).toEqual(Array.from({ length: 10 }, (_, i) => `last words ${i}`))
        expect(b!.connected).toBe(false)
        await peersSeen(c!, t, 1)
        b!.publish(t, text('from the grave'))
        c!.publish(t, text('to the living'))
        await inboxA.until("C's message", (got) => got.some((r) => r.text === 'to the living'))
        // B's would have come first had it been sent: C published after B tried, and A got C's.
        await flush(c!, a!)
        expect(inboxA.texts()).not.toContain('from the grave')
        expect(inboxB.got).toEqual([])
      })

      it('leaves the others talking', async () => {
        const [a, b, c] = await nodes(3)
        const t = topic('t')
        const inbox = new Inbox(b!)
        inbox.listen(t)
        c!.subscribe(t, () => {})
        await peersSeen(a!, t, 2)
        await c!.close()
        await peersSeen(a!, t, 1)
        a!.publish(t, text('still on'))
        await inbox.until('B still hears A', (got) => got.length === 1)
      })
    })

    describe('an outage', () => {
      it('drops messages while it lasts; once back, onReconnect runs and messages flow again both ways', async (ctx) => {
        if (!cluster.outage) return ctx.skip()
        const [a, b] = await nodes(2)
        const t = topic('doc')
        const [inboxA, inboxB] = [new Inbox(a!), new Inbox(b!)]
        inboxA.listen(t)
        inboxB.listen(t)
        const reconnected = { a: 0, b: 0, unsubscribed: 0 }
        a!.onReconnect(() => reconnected.a++)
        b!.onReconnect(() => reconnected.b++)
        const off = a!.onReconnect(() => reconnected.unsubscribed++)
        off()
        await peersSeen(a!, t, 1)
        await peersSeen(b!, t, 1)

        await cluster.outage.begin()
        await pollUntil(() => !a!.connected && !b!.connected, 'both see the outage', { timeoutMs: 10_000, intervalMs: 5 })
        expect(await a!.peerCount(t)).toBe(0)
        a!.publish(t, text('lost'))

        await cluster.outage.end()
        await pollUntil(() => reconnected.a > 0 && reconnected.b > 0, 'onReconnect on both', { timeoutMs: 15_000, intervalMs: 5 })
        expect(a!.connected && b!.connected).toBe(true)
        expect(reconnected.unsubscribed).toBe(0)
        // Subscriptions are back before the listeners run: what a listener sends, the peer hears.
        a!.publish(t, text('a again'))
        b!.publish(t, text('b again'))
        await inboxB.until('B hears A', (got) => got.some((r) => r.text === 'a again'))
        await inboxA.until('A hears B', (got) => got.some((r) => r.text === 'b again'))
        expect(inboxB.texts()).toEqual(['a again'])
        expect(await a!.peerCount(t)).toBe(1)
      })
    })
  })
}
