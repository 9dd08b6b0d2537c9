/**
 * The fan-out seam between server nodes. A room publishes every document and
 * awareness update it accepts; other nodes holding the same list receive it.
 * A node never receives its own messages back.
 *
 * One node alone uses a `LocalFanoutHub` with a single endpoint, so publishing
 * costs one map lookup. Tests can put several in-process nodes on one hub; a
 * Redis implementation of `Fanout` joins nodes across machines.
 */
export type FanoutHandler = (payload: Uint8Array) => void

export interface Fanout {
  publish(topic: string, payload: Uint8Array): void
  /** Returns an unsubscribe function. */
  subscribe(topic: string, handler: FanoutHandler): () => void
  close(): Promise<void>
}

export class LocalFanoutHub {
  private readonly endpoints = new Set<LocalFanout>()

  endpoint(): Fanout {
    const endpoint = new LocalFanout(this)
    this.endpoints.add(endpoint)
    return endpoint
  }

  /** @internal */
  deliver(from: LocalFanout, topic: string, payload: Uint8Array): void {
    for (const endpoint of this.endpoints) {
      if (endpoint !== from) endpoint.dispatch(topic, payload)
    }
  }

  /** @internal */
  remove(endpoint: LocalFanout): void {
    this.endpoints.delete(endpoint)
  }
}

class LocalFanout implements Fanout {
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

  dispatch(topic: string, payload: Uint8Array): void {
    for (const handler of this.handlers.get(topic) ?? []) handler(payload)
  }

  async close(): Promise<void> {
    this.handlers.clear()
    this.hub.remove(this)
  }
}
