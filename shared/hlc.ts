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
 * fixed-width decimal string, `WWWWWWWWWWWWWWW-CCCCCC-IIIIIIIIIIIIIIII`
 * (15 + 6 + 16 digits: 16 holds any clientID up to 2^53, which Yrs-based
 * clients use), so the plain string comparison `a < b` is the tuple
 * comparison. Layout v1 wrote a 10-digit clientID; readers left-pad it to 16
 * digits (`normalizeTimestamp`) before comparing, so both read alike.
 */
import type * as Y from 'yjs'

export type HlcTimestamp = string

const WALL_DIGITS = 15
const COUNTER_DIGITS = 6
const CLIENT_DIGITS = 16
const V1_CLIENT_DIGITS = 10
const MAX_WALL = 10 ** WALL_DIGITS - 1
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1
/** The largest clientID any Yjs implementation uses (Yrs: 53 bits). */
export const MAX_CLIENT_ID = Number.MAX_SAFE_INTEGER
/** MAX_CLIENT_ID as 16 digits (it has 16). */
const MAX_CLIENT_DIGITS = String(MAX_CLIENT_ID)
const TIMESTAMP_PATTERN = /^(\d{15})-(\d{6})-(\d{16}|\d{10})$/
const V2_LENGTH = WALL_DIGITS + COUNTER_DIGITS + CLIENT_DIGITS + 2
const V1_LENGTH = WALL_DIGITS + COUNTER_DIGITS + V1_CLIENT_DIGITS + 2

/**
 * How far ahead of its own time a clock believes another timestamp can be.
 * The server refuses register timestamps more than `MAX_CLOCK_SKEW_MS`
 * (default 5 minutes) ahead of its clock and strips older ones when it
 * upgrades a document, so one a day ahead can only be a relic of a forged
 * write; a clock that adopted it would issue timestamps the server refuses.
 * Generous on purpose: a device whose clock runs behind must still adopt
 * honest timestamps that look like the future to it.
 */
export const DEFAULT_MAX_AHEAD_MS = 24 * 60 * 60_000

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

/** Returns null for anything that is not a well-formed (v1 or v2) timestamp. */
export function parseTimestamp(value: unknown): HlcParts | null {
  if (typeof value !== 'string') return null
  const match = TIMESTAMP_PATTERN.exec(value)
  if (!match) return null
  const clientId = Number(match[3])
  if (clientId > MAX_CLIENT_ID) return null
  return { wall: Number(match[1]), counter: Number(match[2]), clientId }
}

/**
 * The v2 form of a well-formed timestamp (v1 ones get their clientID padded
 * to 16 digits), or null. Compare normalized timestamps as plain strings.
 */
export function normalizeTimestamp(value: unknown): HlcTimestamp | null {
  if (typeof value !== 'string') return null
  // A v2 timestamp's clientID has 16 digits: compared as strings, it is at most MAX_CLIENT_ID's.
  if (value.length === V2_LENGTH) return TIMESTAMP_PATTERN.test(value) && value.slice(-CLIENT_DIGITS) <= MAX_CLIENT_DIGITS ? value : null
  if (value.length === V1_LENGTH && TIMESTAMP_PATTERN.test(value)) {
    const cut = WALL_DIGITS + COUNTER_DIGITS + 2
    return value.slice(0, cut) + value.slice(cut).padStart(CLIENT_DIGITS, '0')
  }
  return null
}

/** The wall-clock part (ms since the epoch) of a well-formed timestamp, or null. */
export function wallOf(value: unknown): number | null {
  return parseTimestamp(value)?.wall ?? null
}

export interface ClockOptions {
  /** Milliseconds since the epoch; defaults to Date.now. Tests pass a fake one, the web client a corrected one. */
  now: () => number
  /** Observed timestamps further ahead of `now()` than this are ignored (default DEFAULT_MAX_AHEAD_MS). */
  maxAheadMs?: number
}

export class HybridLogicalClock {
  readonly now: () => number
  readonly maxAheadMs: number
  #wall = 0
  #counter = 0

  constructor(options: ClockOptions) {
    this.now = options.now
    this.maxAheadMs = options.maxAheadMs ?? DEFAULT_MAX_AHEAD_MS
  }

  /**
   * Moves the clock past `timestamp`, so the next tick sorts after it.
   * Malformed input is ignored, and so is a timestamp more than `maxAheadMs`
   * in the future: adopting it would make every later write of this clock
   * one the server refuses.
   */
  observe(timestamp: unknown): void {
    const seen = parseTimestamp(timestamp)
    if (!seen) return
    if (seen.wall > this.physical() + this.maxAheadMs) return
    if (seen.wall > this.#wall || (seen.wall === this.#wall && seen.counter > this.#counter)) {
      this.#wall = seen.wall
      this.#counter = seen.counter
    }
  }

  /**
   * A fresh timestamp, greater than every one this clock issued or observed.
   * Never throws: at the end of the representable range it saturates (returns
   * the greatest timestamp again), which only a forged timestamp can bring about.
   */
  tick(clientId: number): HlcTimestamp {
    if (!Number.isSafeInteger(clientId) || clientId < 0) throw new Error(`clientID ${clientId} is not a Yjs clientID`)
    const physical = this.physical()
    if (physical > this.#wall) {
      this.#wall = physical
      this.#counter = 0
    } else if (this.#counter < MAX_COUNTER) {
      this.#counter++
    } else if (this.#wall < MAX_WALL) {
      // A million writes within one millisecond of a future timestamp: borrowing
      // the next millisecond keeps the order strictly increasing.
      this.#wall++
      this.#counter = 0
    }
    return encodeTimestamp({ wall: this.#wall, counter: this.#counter, clientId })
  }

  private physical(): number {
    const now = Math.floor(this.now())
    return Number.isFinite(now) ? Math.min(Math.max(now, 0), MAX_WALL) : 0
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
 * with it; the web client corrects its device clock by the server's). Replacing
 * a clock is safe: every write first observes the timestamps it competes with,
 * so nothing the old clock knew is needed.
 */
export function attachClock(doc: Y.Doc, options: ClockOptions): HybridLogicalClock {
  const clock = new HybridLogicalClock(options)
  clocks.set(doc, clock)
  return clock
}
