/**
 * The fan-out seam between server nodes. A room publishes every document and
 * awareness update it accepts; other nodes holding the same list receive it.
 * A node never receives its own messages back, and every message names the
 * node that sent it.
 *
 * One node alone uses a `LocalFanoutHub` with a single endpoint, so publishing
 * costs one map lookup. Tests can put several in-process nodes on one hub;
 * `RedisFanout` (redis-fanout.ts) joins nodes across machines.
 */
import { randomUUID } from 'node:crypto'

export type FanoutHandler = (payload: Uint8Array, fromNode: string) => void

export interface Fanout {
  /** Unique per process; how peers tell this node's messages apart. */
  readonly nodeId: string
  /** Best effort: while disconnected, messages are dropped (see `onReconnect`). */
  publish(topic: string, payload: Uint8Array): void
  /** Returns an unsubscribe function. */
  subscribe(topic: string, handler: FanoutHandler): () => void
  /** How many other nodes are subscribed to `topic` right now. */
  peerCount(topic: string): Promise<number>
  /** False while messages between nodes may be lost. */
  readonly connected: boolean
  /** Called after an outage, when messages flow again: whatever was missed must be re-synced. */
  onReconnect(listener: () => void): () => void
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
  readonly connected = true
  private readonly handlers = new Map<string, Set<FanoutHandler>>()

  constructor(private readonly hub: LocalFanoutHub) {}

  publish(topic: string, payload: Uint8Array): void {
    this.hub.deliver(this, topic, payload)
  }

  subscribe(topic: string, handler: FanoutHandler): () => void {
    let set = this.handlers.get(topic)
    if (!set) this.handlers.set(topic, (set = new Set()))
    set.add(handler)
    return () => {
      set.delete(handler)
      if (set.size === 0) this.handlers.delete(topic)
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
    this.handlers.clear()
    this.hub.remove(this)
  }
}
