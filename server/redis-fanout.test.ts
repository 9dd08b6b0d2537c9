/**
 * RedisFanout against a real, throwaway redis-server on 127.0.0.1: the
 * fan-out contract (an outage is the server killed and started again on the
 * same port), then what only a network fan-out must survive: foreign or
 * malformed messages on its channels, and a handler that throws.
 */
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fanoutContract } from './fanout.contract.ts'
import { encodeEnvelope } from './node-protocol.ts'
import { RedisFanout } from './redis-fanout.ts'
import { pollUntil } from './test-support/poll-until.ts'
import { startRedis, type TestRedis } from './test-support/redis-server.ts'

const silent = pino({ level: 'silent' })
let redis: TestRedis

beforeAll(async () => {
  redis = await startRedis()
}, 30_000)

afterAll(async () => {
  await redis?.stop()
})

fanoutContract('RedisFanout', async () => {
  const made: RedisFanout[] = []
  return {
    node: async () => {
      const node = await RedisFanout.connect(redis.url, silent)
      made.push(node)
      return node
    },
    outage: {
      begin: () => redis.kill(),
      end: () => redis.start(),
    },
    cleanup: async () => void (await Promise.all(made.map((node) => node.close()))),
  }
})

describe('RedisFanout on a shared Redis', () => {
  const opened: Array<{ close(): Promise<unknown> }> = []
  afterEach(async () => {
    for (const conn of opened.splice(0)) await conn.close()
  })

  async function node(): Promise<RedisFanout> {
    const fanout = await RedisFanout.connect(redis.url, silent)
    opened.push(fanout)
    return fanout
  }

  /** A plain Redis client, as some other program on the same server would be. */
  function raw(): Redis {
    const conn = new Redis(redis.url)
    opened.push({ close: () => conn.quit() })
    return conn
  }

  it('ignores a malformed message on its channel and keeps delivering', async () => {
    const [a, b] = [await node(), await node()]
    const got: string[] = []
    b.subscribe('t', (payload) => got.push(new TextDecoder().decode(payload)))
    await pollUntil(async () => (await a.peerCount('t')) === 1, 'B subscribed')
    // A varstring length far past the end: no node id can be read.
    await raw().publish('colist:t', Buffer.from([0xff, 0x7f, 1]))
    // A well-formed envelope from a node that is not in the cluster is a message like any other.
    await raw().publish('colist:t', Buffer.from(encodeEnvelope('a-stranger', new TextEncoder().encode('stranger'))))
    a.publish('t', new TextEncoder().encode('from a'))
    await pollUntil(() => got.length === 2, 'two messages')
    expect(got).toEqual(['stranger', 'from a'])
  })

  it('a handler that throws does not stop the others', async () => {
    const [a, b] = [await node(), await node()]
    const got: string[] = []
    b.subscribe('t', () => {
      throw new Error('handler bug')
    })
    b.subscribe('t', (payload) => got.push(new TextDecoder().decode(payload)))
    await pollUntil(async () => (await a.peerCount('t')) === 1, 'B subscribed')
    a.publish('t', new TextEncoder().encode('x'))
    await pollUntil(() => got.length === 1, 'the second handler')
  })

  it("ignores channels that are not Colist's", async () => {
    const [a, b] = [await node(), await node()]
    const got: string[] = []
    b.subscribe('t', (payload) => got.push(new TextDecoder().decode(payload)))
    await pollUntil(async () => (await a.peerCount('t')) === 1, 'B subscribed')
    await raw().publish('t', Buffer.from(encodeEnvelope('someone', new TextEncoder().encode('not colist'))))
    a.publish('t', new TextEncoder().encode('colist'))
    await pollUntil(() => got.length >= 1, 'a message')
    expect(got).toEqual(['colist'])
  })
})
