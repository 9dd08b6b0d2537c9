/**
 * The fan-out seam between server nodes. A room publishes every document and
 * awareness update it accepts; other nodes holding the same list receive it.
 * A node never receives its own messages back, and every message names the
 * node that sent it.
 *
 * One node alone uses a `LocalFanoutHub` with a single endpoint, so publishing
 * costs one map lookup. Tests can put several in-process nodes on one hub;
 * `RedisFanout` (redis-fanout.ts) joins nodes across machines. Both pass one
 * contract suite (fanout.contract.ts), which is the precise meaning of the
 * comments below; `FaultyFanout` (faulty-fanout.ts) wraps either to lose,
 * delay or cut off messages in tests. What travels on it is node-protocol.ts.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from './logger.ts'

/**
 * Receives one message. Must not throw: `RedisFanout` logs and goes on, the
 * in-process hub would let it escape (the room's handlers catch their own).
 */
export type FanoutHandler = (payload: Uint8Array, fromNode: string) => void

/**
 * Subscribes `handler` to the decoded messages of `topic`: one that `decode`
 * throws on (another version, or damage) is logged as "ignoring malformed
 * <what> from fan-out" and dropped. Returns the unsubscribe function.
 */
export function subscribeDecoded<T>(
  fanout: Fanout,
  topic: string,
  decode: (payload: Uint8Array) => T,
  log: Logger,
  what: string,
  handler: (message: T) => void,
): () => void {
  return fanout.subscribe(topic, (payload) => {
    let message: T
    try {
      message = decode(payload)
    } catch {
      log.warn(`ignoring malformed ${what} from fan-out`)
      return
    }
    handler(message)
  })
}

export interface Fanout {
  /** Unique per process; how peers tell this node's messages apart. */
  readonly nodeId: string
  /**
   * To every other node subscribed to `topic` when it arrives, never to this
   * one, and later (never inside this call). Messages of one node reach each
   * peer in the order published, across topics too. No replay: a node that
   * subscribes later does not get it. Best effort: while disconnected, or
   * after `close`, messages are dropped (see `onReconnect`).
   */
  publish(topic: string, payload: Uint8Array): void
  /** Every handler of the topic gets each message once. Returns an unsubscribe function (idempotent). */
  subscribe(topic: string, handler: FanoutHandler): () => void
  /**
   * How many other nodes are subscribed to `topic` right now (a node with
   * several handlers counts once). Over a network a subscription shows here
   * shortly after `subscribe`; a node that is gone, shortly after it went.
   * 0 while disconnected.
   */
  peerCount(topic: string): Promise<number>
  /** False while messages between nodes may be lost, and after `close`. */
  readonly connected: boolean
  /**
   * Called after an outage, when messages flow again (this node's
   * subscriptions are back first): whatever was missed must be re-synced.
   */
  onReconnect(listener: () => void): () => void
  /** Leaves: what it published before still arrives; it sends and receives nothing more. */
  close(): Promise<void>
}

export class LocalFanoutHub {
  private readonly endpoints = new Set<LocalFanout>()

  endpoint(): Fanout {
    const endpoint = new LocalFanout(this)
    this.endpoints.add(endpoint)
    return endpoint
  }

  /**
   * @internal Delivered on a microtask, as a network would deliver it later:
   * a subscriber never runs inside the publisher's call stack. Order is kept.
   */
  deliver(from: LocalFanout, topic: string, payload: Uint8Array): void {
    queueMicrotask(() => {
      for (const endpoint of this.endpoints) {
        if (endpoint !== from) endpoint.dispatch(topic, payload, from.nodeId)
      }
    })
  }

  /** @internal */
  subscribers(topic: string, except: LocalFanout): number {
    let count = 0
    for (const endpoint of this.endpoints) if (endpoint !== except && endpoint.isSubscribed(topic)) count++
    return count
  }

  /** @internal */
  remove(endpoint: LocalFanout): void {
    this.endpoints.delete(endpoint)
  }
}

class LocalFanout implements Fanout {
  readonly nodeId = randomUUID()
  private readonly handlers = new Map<string, Set<FanoutHandler>>()
  private closed = false

  constructor(private readonly hub: LocalFanoutHub) {}

  /** An in-process hub never disconnects; only closing ends it. */
  get connected(): boolean {
    return !this.closed
  }

  publish(topic: string, payload: Uint8Array): void {
    if (!this.closed) this.hub.deliver(this, topic, payload)
  }

  subscribe(topic: string, handler: FanoutHandler): () => void {
    let set = this.handlers.get(topic)
    if (!set) this.handlers.set(topic, (set = new Set()))
    set.add(handler)
    return () => {
      set.delete(handler)
      // Called again after the topic was subscribed anew: the new set is not this one's to remove.
      if (set.size === 0 && this.handlers.get(topic) === set) this.handlers.delete(topic)
    }
  }

  async peerCount(topic: string): Promise<number> {
    return this.hub.subscribers(topic, this)
  }

  onReconnect(): () => void {
    return () => {} // an in-process hub never disconnects
  }

  isSubscribed(topic: string): boolean {
    return this.handlers.has(topic)
  }

  dispatch(topic: string, payload: Uint8Array, fromNode: string): void {
    for (const handler of this.handlers.get(topic) ?? []) handler(payload, fromNode)
  }

  async close(): Promise<void> {
    this.closed = true
    this.handlers.clear()
    this.hub.remove(this)
  }
}
