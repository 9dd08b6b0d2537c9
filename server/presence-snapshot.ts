/**
 * Every awareness state present in a room, as one Awareness message encoded
 * once for all who need it whole: a join, a device channel switching to
 * Foreground, a QueryAwareness. It is encoded again only after the room's
 * awareness changed (any update: a state set, renewed or removed).
 *
 * The message holds at most `maxBytes` of states, the most recently renewed
 * first, so however much presence a list has, a join costs the joiner (and
 * the server) a bounded amount and can never push its socket past
 * MAX_BUFFERED_BYTES. A state left out reaches the joiner with its next
 * renewal (y-protocols renews every 15 s).
 */
import type * as awarenessProtocol from 'y-protocols/awareness'
import { encodeAwarenessEntries, type AwarenessEntry } from '../shared/awareness-entries.ts'
import { encodeAwarenessMessage } from '../shared/protocol.ts'

/** Bytes an entry takes besides its state: a clientID, a clock and a length, as varuints. */
const ENTRY_OVERHEAD_BYTES = 5 + 8 + 5

export class PresenceSnapshot {
  private cached: Uint8Array | null = null

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly maxBytes: number,
    /** Called with how many states an encoding left out, when it left any out. */
    private readonly onLeftOut: (count: number) => void,
  ) {
    awareness.on('update', this.invalidate)
  }

  /** Whether any state is present (a join with none is sent no awareness message). */
  get isEmpty(): boolean {
    return this.awareness.getStates().size === 0
  }

  /** The Awareness message of the present states (an empty update if there is none). */
  message(): Uint8Array {
    this.cached ??= this.encode()
    return this.cached
  }

  destroy(): void {
    this.awareness.off('update', this.invalidate)
  }

  private readonly invalidate = (): void => {
    this.cached = null
  }

  private encode(): Uint8Array {
    const { meta } = this.awareness
    const present = [...this.awareness.getStates()].map(([clientId, state]) => ({ clientId, state, meta: meta.get(clientId) }))
    present.sort((a, b) => (b.meta?.lastUpdated ?? 0) - (a.meta?.lastUpdated ?? 0))
    const entries: AwarenessEntry[] = []
    let bytes = 0
    for (const { clientId, state, meta: m } of present) {
      const stateJson = JSON.stringify(state)
      bytes += Buffer.byteLength(stateJson) + ENTRY_OVERHEAD_BYTES
      if (bytes > this.maxBytes) break
      entries.push({ clientId, clock: m?.clock ?? 0, stateJson })
    }
    if (entries.length < present.length) this.onLeftOut(present.length - entries.length)
    return encodeAwarenessMessage(encodeAwarenessEntries(entries))
  }
}
