/**
 * A fan-out endpoint that misbehaves on request, for tests of what rooms do
 * when messages between nodes are lost, late or cut off. It wraps a real
 * endpoint (normally a `LocalFanoutHub`'s, or a `RedisFanout`) and passes
 * everything through until told otherwise — with no fault set it passes the
 * fan-out contract (fanout.contract.ts) itself:
 *
 * - `drop(filter)`: matching messages are lost.
 * - `delay(ms, filter)`: matching messages arrive `ms` later (a real timer);
 *   among themselves they keep their order, other messages overtake them.
 * - `hold(filter)`: matching messages wait at a gate until `release()` lets
 *   them through, oldest first. Deterministic lateness: the test decides
 *   exactly when a message arrives, whatever the event loop does meanwhile.
 * - `partition()`: this node loses the fan-out, as when its Redis connection
 *   drops: `connected` is false, nothing goes out or comes in, `peerCount`
 *   is 0. `heal()` ends it and runs the `onReconnect` listeners, as
 *   `RedisFanout` does once Redis is back.
 * - `FaultyFanout.split(a, b)`: two nodes stop hearing each other, and both
 *   still hear everyone else.
 *
 * A filter picks messages by direction (`'send'`, the default: what this
 * node publishes, lost or late for every peer; `'receive'`: what reaches
 * this node's handlers), by topic, by sending node, and by count (only the
 * next `times`). The first fault that matches a message decides its fate;
 * each control returns a function that lifts it. `heal()` lifts every fault,
 * lets held messages through and ends a partition.
 *
 * A fault is decided when the message is published (send) or arrives
 * (receive); a delayed or held message is still lost if the node is
 * partitioned or closed by the time it would go on.
 */
import type { Fanout, FanoutHandler } from './fanout.ts'

export interface FaultFilter {
  /** `'send'`: published by this node (the default). `'receive'`: delivered to this node. */
  direction?: 'send' | 'receive'
  /** A topic's exact name, a pattern, or a test. Default: every topic. */
  topic?: string | RegExp | ((topic: string) => boolean)
  /** Receive only: messages from this node. */
  from?: string
  /** Applies to this many messages, then lifts. Default: until lifted. */
  times?: number
}

export interface FanoutFaultCounts {
  /** Published through to the inner fan-out. */
  sent: number
  /** Handed to this node's handlers (once per message, whatever the number of handlers). */
  received: number
  dropped: number
  delayed: number
  held: number
}

type Action = { kind: 'drop' } | { kind: 'delay'; ms: number } | { kind: 'hold' }

interface Fault {
  action: Action
  filter: FaultFilter
  remaining: number
}

export class FaultyFanout implements Fanout {
  readonly counts: FanoutFaultCounts = { sent: 0, received: 0, dropped: 0, delayed: 0, held: 0 }

  #faults: Fault[] = []
  #partitioned = false
  #closed = false
  readonly #gate: Array<() => void> = []
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #handlers = new Map<string, { handlers: Set<FanoutHandler>; unsubscribe: () => void }>()
  readonly #reconnectListeners = new Set<() => void>()

  constructor(readonly inner: Fanout) {}

  /** Two nodes stop hearing each other until the returned function is called (or either heals). */
  static split(a: FaultyFanout, b: FaultyFanout): () => void {
    const liftA = a.drop({ direction: 'receive', from: b.nodeId })
    const liftB = b.drop({ direction: 'receive', from: a.nodeId })
    return () => {
      liftA()
      liftB()
    }
  }

  // --- controls -------------------------------------------------------------

  /** Matching messages are lost. */
  drop(filter: FaultFilter = {}): () => void {
    return this.#add({ kind: 'drop' }, filter)
  }

  /** Matching messages go on `ms` later. */
  delay(ms: number, filter: FaultFilter = {}): () => void {
    return this.#add({ kind: 'delay', ms: Math.max(0, ms) }, filter)
  }

  /** Matching messages wait at the gate until `release`. */
  hold(filter: FaultFilter = {}): () => void {
    return this.#add({ kind: 'hold' }, filter)
  }

  /** Messages waiting at the gate. */
  get held(): number {
    return this.#gate.length
  }

  /** Lets the `count` oldest held messages go on (default all); returns how many did. */
  release(count = Infinity): number {
    let released = 0
    while (released < count && this.#gate.length > 0) {
      this.#gate.shift()!()
      released++
    }
    return released
  }

  /** This node loses the fan-out until `heal()`. */
  partition(): void {
    this.#partitioned = true
  }

  get partitioned(): boolean {
    return this.#partitioned
  }

  /** Lifts every fault, lets held messages go on, and ends a partition (running the `onReconnect` listeners). */
  heal(): void {
    const wasPartitioned = this.#partitioned
    this.#partitioned = false
    this.#faults = []
    this.release()
    if (!wasPartitioned || this.#closed) return
    for (const listener of this.#reconnectListeners) listener()
  }

  // --- Fanout ---------------------------------------------------------------

  get nodeId(): string {
    return this.inner.nodeId
  }

  get connected(): boolean {
    return !this.#partitioned && !this.#closed && this.inner.connected
  }

  publish(topic: string, payload: Uint8Array): void {
    if (this.#closed) return
    // The caller may reuse its buffer once publish returns; a late message must not see that.
    this.#route('send', topic, this.nodeId, payload.slice(), (bytes) => {
      this.counts.sent++
      this.inner.publish(topic, bytes)
    })
  }

  subscribe(topic: string, handler: FanoutHandler): () => void {
    let entry = this.#handlers.get(topic)
    if (!entry) {
      const handlers = new Set<FanoutHandler>()
      const unsubscribe = this.inner.subscribe(topic, (payload, fromNode) =>
        this.#route('receive', topic, fromNode, payload, (bytes) => this.#dispatch(topic, bytes, fromNode)),
      )
      this.#handlers.set(topic, (entry = { handlers, unsubscribe }))
    }
    const current = entry
    current.handlers.add(handler)
    return () => {
      current.handlers.delete(handler)
      if (current.handlers.size > 0 || this.#handlers.get(topic) !== current) return
      this.#handlers.delete(topic)
      current.unsubscribe()
    }
  }

  async peerCount(topic: string): Promise<number> {
    if (this.#partitioned || this.#closed) return 0
    return this.inner.peerCount(topic)
  }

  onReconnect(listener: () => void): () => void {
    // A real outage of the inner fan-out reaches the listener too.
    const offInner = this.inner.onReconnect(listener)
    this.#reconnectListeners.add(listener)
    return () => {
      offInner()
      this.#reconnectListeners.delete(listener)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    this.#gate.length = 0
    this.#faults = []
    for (const { unsubscribe } of this.#handlers.values()) unsubscribe()
    this.#handlers.clear()
    this.#reconnectListeners.clear()
    await this.inner.close()
  }

  // --- internals ------------------------------------------------------------

  #add(action: Action, filter: FaultFilter): () => void {
    const fault: Fault = { action, filter, remaining: filter.times ?? Infinity }
    this.#faults.push(fault)
    return () => {
      this.#faults = this.#faults.filter((f) => f !== fault)
    }
  }

  /** Decides a message's fate; `deliver` sends it on now, later, or never. */
  #route(direction: 'send' | 'receive', topic: string, fromNode: string, payload: Uint8Array, deliver: (payload: Uint8Array) => void): void {
    if (this.#partitioned) {
      this.counts.dropped++
      return
    }
    const fault = this.#match(direction, topic, fromNode)
    const goOn = () => {
      if (this.#closed) return
      if (this.#partitioned) this.counts.dropped++
      else deliver(payload)
    }
    switch (fault?.kind) {
      case undefined:
        return deliver(payload)
      case 'drop':
        this.counts.dropped++
        return
      case 'delay': {
        this.counts.delayed++
        const timer = setTimeout(() => {
          this.#timers.delete(timer)
          goOn()
        }, fault.ms)
        this.#timers.add(timer)
        return
      }
      case 'hold':
        this.counts.held++
        this.#gate.push(goOn)
        return
    }
  }

  #match(direction: 'send' | 'receive', topic: string, fromNode: string): Action | undefined {
    const fault = this.#faults.find((f) => matches(f.filter, direction, topic, fromNode))
    if (!fault) return undefined
    if (--fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault)
    return fault.action
  }

  #dispatch(topic: string, payload: Uint8Array, fromNode: string): void {
    const entry = this.#handlers.get(topic)
    if (!entry) return
    this.counts.received++
    for (const handler of entry.handlers) handler(payload, fromNode)
  }
}

function matches(filter: FaultFilter, direction: 'send' | 'receive', topic: string, fromNode: string): boolean {
  if ((filter.direction ?? 'send') !== direction) return false
  if (filter.from !== undefined && filter.from !== fromNode) return false
  const t = filter.topic
  if (t === undefined) return true
  if (typeof t === 'string') return t === topic
  if (t instanceof RegExp) return t.test(topic)
  return t(topic)
}
