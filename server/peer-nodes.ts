/**
 * Which other server nodes are alive. Every node beats on the fan-out once a
 * `intervalMs`; a node not heard from for `timeoutMs` (or that said it is
 * leaving) is gone, and `onGone` lets the rooms drop its clients' presence —
 * within seconds, instead of the 30 s awareness timeout.
 */
import type { Fanout } from './fanout.ts'
import { decodeBeat, encodeBeat, topics } from './node-protocol.ts'

export interface PeerNodesOptions {
  intervalMs: number
  timeoutMs: number
  onGone: (node: string) => void
}

export class PeerNodes {
  private readonly lastSeen = new Map<string, number>()
  private readonly timer: NodeJS.Timeout
  private readonly unsubscribe: () => void

  constructor(
    private readonly fanout: Fanout,
    private readonly options: PeerNodesOptions,
  ) {
    this.unsubscribe = fanout.subscribe(topics.nodes, (payload, node) => {
      if (decodeBeat(payload) === 'leaving') this.gone(node)
      else this.saw(node)
    })
    this.timer = setInterval(() => this.tick(), options.intervalMs)
    this.timer.unref()
    fanout.publish(topics.nodes, encodeBeat('alive'))
  }

  /**
   * Any message from a node shows it alive. A node can die before this one
   * hears its first beat (it published it before we subscribed); once it has
   * spoken for a client here, its silence must still count.
   */
  saw(node: string): void {
    if (node !== this.fanout.nodeId) this.lastSeen.set(node, Math.max(this.lastSeen.get(node) ?? 0, Date.now()))
  }

  private tick(): void {
    this.fanout.publish(topics.nodes, encodeBeat('alive'))
    const deadline = Date.now() - this.options.timeoutMs
    for (const [node, seen] of this.lastSeen) if (seen < deadline) this.gone(node)
  }

  private gone(node: string): void {
    this.lastSeen.delete(node)
    this.options.onGone(node)
  }

  /** Says goodbye so peers drop this node's presence at once. */
  close(): void {
    clearInterval(this.timer)
    this.unsubscribe()
    this.fanout.publish(topics.nodes, encodeBeat('leaving'))
  }
}
