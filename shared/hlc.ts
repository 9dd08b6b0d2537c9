/**
 * Hybrid logical clock (HLC) timestamps for the list's last-writer-wins
 * registers.
 *
 * Wall clocks alone cannot order writes: devices disagree by seconds or hours.
 * A plain Lamport counter orders causally but ignores time, so an offline edit
 * made yesterday could beat one made a minute ago. An HLC is both: it follows
 * the wall clock when it can and only counts up when it has seen a timestamp
 * from the future. A write made after observing another always gets a larger
 * timestamp, whatever the two devices' clocks say.
 *
 * A timestamp orders by (wall ms, counter, Yjs clientID) and is encoded as a
 * fixed-width decimal string, `WWWWWWWWWWWWWWW-CCCCCC-IIIIIIIIII`
 * (15 + 6 + 10 digits), so the plain string comparison `a < b` is the tuple
 * comparison. Any reader, in any language, compares timestamps as strings.
 */
import type * as Y from 'yjs'

export type HlcTimestamp = string

const WALL_DIGITS = 15
const COUNTER_DIGITS = 6
const CLIENT_DIGITS = 10
const MAX_WALL = 10 ** WALL_DIGITS - 1
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1
const MAX_CLIENT_ID = 10 ** CLIENT_DIGITS - 1
const TIMESTAMP_PATTERN = /^(\d{15})-(\d{6})-(\d{10})$/

export interface HlcParts {
  wall: number
  counter: number
  clientId: number
}

export function encodeTimestamp({ wall, counter, clientId }: HlcParts): HlcTimestamp {
  return [
    String(wall).padStart(WALL_DIGITS, '0'),
    String(counter).padStart(COUNTER_DIGITS, '0'),
    String(clientId).padStart(CLIENT_DIGITS, '0'),
  ].join('-')
}

/** Returns null for anything that is not a well-formed timestamp (e.g. written by a buggy client). */
export function parseTimestamp(value: unknown): HlcParts | null {
  if (typeof value !== 'string') return null
  const match = TIMESTAMP_PATTERN.exec(value)
  if (!match) return null
  return { wall: Number(match[1]), counter: Number(match[2]), clientId: Number(match[3]) }
}

export function isTimestamp(value: unknown): value is HlcTimestamp {
  return typeof value === 'string' && TIMESTAMP_PATTERN.test(value)
}

export interface ClockOptions {
  /** Milliseconds since the epoch; defaults to Date.now. Tests pass a fake one. */
  now: () => number
}

export class HybridLogicalClock {
  readonly now: () => number
  #wall = 0
  #counter = 0

  constructor(options: ClockOptions) {
    this.now = options.now
  }

  /** Moves the clock past `timestamp`, so the next tick sorts after it. Malformed input is ignored. */
  observe(timestamp: unknown): void {
    const seen = parseTimestamp(timestamp)
    if (!seen) return
    if (seen.wall > this.#wall || (seen.wall === this.#wall && seen.counter > this.#counter)) {
      this.#wall = seen.wall
      this.#counter = seen.counter
    }
  }

  /** A fresh timestamp, greater than every one this clock issued or observed. */
  tick(clientId: number): HlcTimestamp {
    // Yjs clientIDs are uint32; anything else would break the fixed width.
    if (!Number.isSafeInteger(clientId) || clientId < 0 || clientId > MAX_CLIENT_ID) {
      throw new Error(`clientID ${clientId} does not fit an HLC timestamp`)
    }
    const physical = Math.floor(this.now())
    if (Number.isFinite(physical) && physical > this.#wall) {
      this.#wall = Math.min(physical, MAX_WALL)
      this.#counter = 0
    } else if (this.#counter < MAX_COUNTER) {
      this.#counter++
    } else {
      // A million writes within one millisecond of a future timestamp: borrowing
      // the next millisecond keeps the order strictly increasing.
      this.#wall++
      this.#counter = 0
    }
    if (this.#wall > MAX_WALL) throw new Error('hybrid logical clock overflowed (a timestamp near the year 33000 was observed)')
    return encodeTimestamp({ wall: this.#wall, counter: this.#counter, clientId })
  }
}

const clocks = new WeakMap<Y.Doc, HybridLogicalClock>()

/** The doc's clock, created on first use with the real wall clock. */
export function clockOf(doc: Y.Doc): HybridLogicalClock {
  let clock = clocks.get(doc)
  if (!clock) {
    clock = new HybridLogicalClock({ now: Date.now })
    clocks.set(doc, clock)
  }
  return clock
}

/**
 * Gives `doc` a clock with its own time source (tests simulate skewed devices
 * with it). Replacing a clock is safe: every write first observes the
 * timestamps it competes with, so nothing the old clock knew is needed.
 */
export function attachClock(doc: Y.Doc, options: ClockOptions): HybridLogicalClock {
  const clock = new HybridLogicalClock(options)
  clocks.set(doc, clock)
  return clock
}
