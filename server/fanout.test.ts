/**
 * The in-process fan-out and the fault double: both pass the fan-out
 * contract (the double with no fault set, its partition standing in for an
 * outage); then what each fault of `FaultyFanout` does. RedisFanout runs the
 * same contract in redis-fanout.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { LocalFanoutHub, subscribeDecoded, type Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'
import { fanoutContract } from './fanout.contract.ts'
import { FaultyFanout } from './faulty-fanout.ts'

fanoutContract('LocalFanoutHub', async () => {
  const hub = new LocalFanoutHub()
  const made: Fanout[] = []
  return {
    node: async () => {
      const node = hub.endpoint()
      made.push(node)
      return node
    },
    cleanup: async () => void (await Promise.all(made.map((node) => node.close()))),
  }
})

fanoutContract('FaultyFanout over LocalFanoutHub, no fault set', async () => {
  const hub = new LocalFanoutHub()
  const made: FaultyFanout[] = []
  return {
    node: async () => {
      const node = new FaultyFanout(hub.endpoint())
      made.push(node)
      return node
    },
    outage: {
      begin: async () => made.forEach((node) => node.partition()),
      end: async () => made.forEach((node) => node.heal()),
    },
    cleanup: async () => void (await Promise.all(made.map((node) => node.close()))),
  }
})

describe('FaultyFanout', () => {
  const text = (value: string) => new TextEncoder().encode(value)
  const decode = (payload: Uint8Array) => new TextDecoder().decode(payload)
  /** Lets the hub's microtask deliveries run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve))

  /** Nodes on one hub, each wrapped, each recording what it hears on every topic it is asked to. */
  function cluster(count: number) {
    const hub = new LocalFanoutHub()
    return Array.from({ length: count }, () => {
      const fanout = new FaultyFanout(hub.endpoint())
      const heard: string[] = []
      const listen = (topic: string) => fanout.subscribe(topic, (payload) => heard.push(`${topic}/${decode(payload)}`))
      return { fanout, heard, listen }
    })
  }

  it('drops what it sends on matching topics, for every peer, and counts it', async () => {
    const [a, b, c] = cluster(3)
    for (const node of [b!, c!]) {
      node.listen('doc:l')
      node.listen('awareness:l')
    }
    const lift = a!.fanout.drop({ topic: /^doc:/ })
    a!.fanout.publish('doc:l', text('lost'))
    a!.fanout.publish('awareness:l', text('kept'))
    await settle()
    expect(b!.heard).toEqual(['awareness:l/kept'])
    expect(c!.heard).toEqual(['awareness:l/kept'])
    lift()
    a!.fanout.publish('doc:l', text('after'))
    await settle()
    expect(b!.heard).toEqual(['awareness:l/kept', 'doc:l/after'])
    expect(a!.fanout.counts).toMatchObject({ sent: 2, dropped: 1 })
  })

  it('drops only the next `times` messages', async () => {
    const [a, b] = cluster(2)
    b!.listen('t')
    a!.fanout.drop({ topic: 't', times: 2 })
    for (const value of ['1', '2', '3', '4']) a!.fanout.publish('t', text(value))
    await settle()
    expect(b!.heard).toEqual(['t/3', 't/4'])
  })

  it('drops what one node receives, from one sender only', async () => {
    const [a, b, c] = cluster(3)
    c!.listen('t')
    c!.fanout.drop({ direction: 'receive', from: a!.fanout.nodeId })
    a!.fanout.publish('t', text('from a'))
    b!.fanout.publish('t', text('from b'))
    await settle()
    expect(c!.heard).toEqual(['t/from b'])
    expect(c!.fanout.counts).toMatchObject({ received: 1, dropped: 1 })
  })

  it('split: two nodes stop hearing each other and still hear a third', async () => {
    const [a, b, c] = cluster(3)
    for (const node of [a!, b!, c!]) node.listen('t')
    const join = FaultyFanout.split(a!.fanout, b!.fanout)
    a!.fanout.publish('t', text('a1'))
    b!.fanout.publish('t', text('b1'))
    c!.fanout.publish('t', text('c1'))
    await settle()
    expect(a!.heard).toEqual(['t/c1'])
    expect(b!.heard).toEqual(['t/c1'])
    expect(c!.heard).toEqual(['t/a1', 't/b1'])
    join()
    a!.fanout.publish('t', text('a2'))
    await settle()
    expect(b!.heard).toEqual(['t/c1', 't/a2'])
  })

  it('delays matching messages by a real timer; the rest overtake them, the delayed keep their order', async () => {
    const [a, b] = cluster(2)
    b!.listen('doc')
    b!.listen('persisted')
    a!.fanout.delay(30, { topic: 'doc' })
    a!.fanout.publish('doc', text('1'))
    a!.fanout.publish('doc', text('2'))
    a!.fanout.publish('persisted', text('3'))
    await settle()
    expect(b!.heard).toEqual(['persisted/3'])
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(b!.heard).toEqual(['persisted/3', 'doc/1', 'doc/2'])
    expect(a!.fanout.counts).toMatchObject({ delayed: 2, sent: 3 })
  })

  it('holds matching messages until released, oldest first; a late message carries the bytes as published', async () => {
    const [a, b] = cluster(2)
    b!.listen('t')
    a!.fanout.hold({ topic: 't' })
    const reused = text('one')
    a!.fanout.publish('t', reused)
    reused.set(text('XXX')) // the caller reuses its buffer
    a!.fanout.publish('t', text('two'))
    await settle()
    expect(b!.heard).toEqual([])
    expect(a!.fanout.held).toBe(2)
    expect(a!.fanout.release(1)).toBe(1)
    await settle()
    expect(b!.heard).toEqual(['t/one'])
    a!.fanout.release()
    await settle()
    expect(b!.heard).toEqual(['t/one', 't/two'])
  })

  it('holds what one node receives', async () => {
    const [a, b] = cluster(2)
    b!.listen('t')
    b!.fanout.hold({ direction: 'receive' })
    a!.fanout.publish('t', text('late'))
    await settle()
    expect(b!.heard).toEqual([])
    b!.fanout.release()
    expect(b!.heard).toEqual(['t/late'])
  })

  it('partition: not connected, nothing in or out, no peers; heal runs onReconnect and messages flow again', async () => {
    const [a, b] = cluster(2)
    a!.listen('t')
    b!.listen('t')
    let reconnects = 0
    a!.fanout.onReconnect(() => reconnects++)
    expect(await a!.fanout.peerCount('t')).toBe(1)
    a!.fanout.partition()
    expect(a!.fanout.connected).toBe(false)
    expect(await a!.fanout.peerCount('t')).toBe(0)
    a!.fanout.publish('t', text('out'))
    b!.fanout.publish('t', text('in'))
    await settle()
    expect(a!.heard).toEqual([])
    expect(b!.heard).toEqual([])
    expect(reconnects).toBe(0)
    a!.fanout.heal()
    expect(reconnects).toBe(1)
    expect(a!.fanout.connected).toBe(true)
    a!.fanout.publish('t', text('out again'))
    b!.fanout.publish('t', text('in again'))
    await settle()
    expect(a!.heard).toEqual(['t/in again'])
    expect(b!.heard).toEqual(['t/out again'])
    // Healing a node that was not partitioned is no reconnect.
    a!.fanout.heal()
    expect(reconnects).toBe(1)
  })

  it('a held message is lost if its node is partitioned when it would go on; heal lifts every fault', async () => {
    const [a, b] = cluster(2)
    b!.listen('t')
    a!.fanout.hold()
    a!.fanout.publish('t', text('held'))
    a!.fanout.partition()
    a!.fanout.release()
    a!.fanout.drop()
    a!.fanout.heal()
    a!.fanout.publish('t', text('after heal'))
    await settle()
    expect(b!.heard).toEqual(['t/after heal'])
  })

  it('close: timers and held messages go with it', async () => {
    const [a, b] = cluster(2)
    b!.listen('t')
    a!.fanout.delay(10, { topic: 't' })
    a!.fanout.publish('t', text('never'))
    await a!.fanout.close()
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(b!.heard).toEqual([])
    expect(a!.fanout.connected).toBe(false)
  })
})

describe('subscribeDecoded', () => {
  it('hands the handler each decoded message, and drops (and logs) one that does not decode', async () => {
    const hub = new LocalFanoutHub()
    const [a, b] = [hub.endpoint(), hub.endpoint()]
    const warnings: string[] = []
    const log = { warn: (message: string) => void warnings.push(message) } as unknown as Logger
    const decode = (payload: Uint8Array) => {
      if (payload[0] !== 1) throw new Error('not a message')
      return payload.length
    }
    const seen: number[] = []
    const stop = subscribeDecoded(b, 'topic', decode, log, 'test message', (length) => seen.push(length))
    a.publish('topic', Uint8Array.of(1, 2, 3))
    a.publish('topic', Uint8Array.of(9))
    a.publish('topic', Uint8Array.of(1))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(seen).toEqual([3, 1])
    expect(warnings).toEqual(['ignoring malformed test message from fan-out'])
    stop()
    await Promise.all([a.close(), b.close()])
  })
})
