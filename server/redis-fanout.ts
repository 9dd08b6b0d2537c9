/**
 * Fan-out between nodes over Redis pub/sub. Each topic is a Redis channel
 * (`colist:<topic>`); each message is an envelope (node-protocol.ts): the
 * sender's node id followed by the payload, so a node can skip its own
 * messages (Redis echoes them).
 *
 * Pub/sub is fire-and-forget: while Redis is unreachable, publishing drops
 * the message at once (no offline queue that would grow without bound) and
 * `connected` is false, which /readyz reports. When both connections are
 * back, `onReconnect` listeners run, and the rooms catch up with their peers
 * (node-protocol.ts), so nothing missed meanwhile stays missing.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Fanout, FanoutHandler } from './fanout.ts'
import type { Logger } from './logger.ts'
import { decodeEnvelope, encodeEnvelope, type Envelope } from './node-protocol.ts'

const CHANNEL_PREFIX = 'colist:'

export class RedisFanout implements Fanout {
  readonly nodeId = randomUUID()
  private readonly pub: Redis
  private readonly sub: Redis
  private readonly handlers = new Map<string, Set<FanoutHandler>>()
  private readonly reconnectListeners = new Set<() => void>()
  private lost = false
  private closed = false

  private constructor(
    url: string,
    private readonly log: Logger,
  ) {
    const options = {
      // A publish while Redis is down fails at once instead of queueing without bound.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
      lazyConnect: true,
    }
    this.pub = new Redis(url, options)
    this.sub = new Redis(url, { ...options, enableOfflineQueue: true })
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel, message))
    for (const conn of [this.pub, this.sub]) {
      conn.on('error', (err: Error) => this.log.debug({ err: err.message }, 'redis connection error'))
      conn.on('close', () => this.markLost())
      conn.on('ready', () => this.maybeRecovered())
    }
  }

  static async connect(url: string, log: Logger): Promise<RedisFanout> {
    const fanout = new RedisFanout(url, log)
    await Promise.all([fanout.pub.connect(), fanout.sub.connect()])
    return fanout
  }

  get connected(): boolean {
    // Right after `close`, the connections may still read ready until Redis hangs up.
    return !this.closed && this.pub.status === 'ready' && this.sub.status === 'ready'
  }

  publish(topic: string, payload: Uint8Array): void {
    if (!this.connected) return
    this.pub.publish(CHANNEL_PREFIX + topic, Buffer.from(encodeEnvelope(this.nodeId, payload))).catch(() => {
      // Dropped during an outage; the catch-up after reconnecting covers it.
    })
  }

  subscribe(topic: string, handler: FanoutHandler): () => void {
    let set = this.handlers.get(topic)
    if (!set) {
      this.handlers.set(topic, (set = new Set()))
      this.sub.subscribe(CHANNEL_PREFIX + topic).catch((err: Error) => this.log.warn({ err: err.message, topic }, 'redis subscribe failed'))
    }
    set.add(handler)
    return () => {
      set.delete(handler)
      if (set.size > 0 || this.handlers.get(topic) !== set) return
      this.handlers.delete(topic)
      if (!this.closed) this.sub.unsubscribe(CHANNEL_PREFIX + topic).catch(() => {})
    }
  }

  async peerCount(topic: string): Promise<number> {
    try {
      const reply = (await this.pub.pubsub('NUMSUB', CHANNEL_PREFIX + topic)) as [string, number]
      return Math.max(0, Number(reply[1]) - (this.handlers.has(topic) ? 1 : 0))
    } catch {
      // Redis is down: serve from storage now, catch up when it is back.
      return 0
    }
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener)
    return () => this.reconnectListeners.delete(listener)
  }

  private dispatch(channel: Buffer, message: Buffer): void {
    const topic = channel.toString().slice(CHANNEL_PREFIX.length)
    const set = this.handlers.get(topic)
    if (!set) return
    let envelope: Envelope
    try {
      envelope = decodeEnvelope(new Uint8Array(message.buffer, message.byteOffset, message.byteLength))
    } catch {
      this.log.warn({ topic }, 'ignoring malformed fan-out message')
      return
    }
    const { fromNode, payload } = envelope
    if (fromNode === this.nodeId) return
    for (const handler of set) {
      try {
        handler(payload, fromNode)
      } catch (err) {
        this.log.warn({ err, topic }, 'fan-out handler failed')
      }
    }
  }

  private markLost(): void {
    if (this.closed || this.lost) return
    this.lost = true
    this.log.warn('lost the redis connection; serving local clients only until it is back')
  }

  private maybeRecovered(): void {
    if (!this.lost || !this.connected) return
    this.lost = false
    this.log.info('redis connection restored; catching up with peers')
    // Re-subscribe explicitly before catching up, so replies to our requests are heard.
    const channels = [...this.handlers.keys()].map((topic) => CHANNEL_PREFIX + topic)
    const resubscribed = channels.length > 0 ? this.sub.subscribe(...channels) : Promise.resolve()
    resubscribed.then(
      () => {
        for (const listener of this.reconnectListeners) listener()
      },
      (err: Error) => this.log.warn({ err: err.message }, 'redis re-subscribe failed'),
    )
  }

  async close(): Promise<void> {
    this.closed = true
    this.handlers.clear()
    await Promise.allSettled([this.pub.quit(), this.sub.quit()])
  }
}
