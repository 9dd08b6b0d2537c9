/**
 * Fractional order keys for items and categories.
 *
 * Each row carries a key string; the list is sorted by (key, id) with plain
 * code-unit string comparison (never localeCompare). Moving a row writes only
 * that row's key, so concurrent moves of different rows never conflict.
 *
 * Two replicas inserting at the same spot concurrently produce the same key;
 * the id tiebreak orders them identically everywhere. Inserting between two
 * rows that share a key is impossible without changing one of them, so that
 * case re-keys the tied rows that should come after the insertion point.
 */
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing'

export interface OrderedRow {
  id: string
  order: string
}

/** Key a row gets when its stored key is missing or malformed; sorts like any valid key. */
export const FALLBACK_ORDER_KEY = 'a0'

/**
 * The shape of nearly every key the package makes: a positive integer part (head `a`–`y`, then as
 * many base-62 digits as the head says) and a fraction not ending in `0`. Every key of this shape
 * is one the package accepts (order-keys.test.ts checks that against it); any other goes to the
 * package. Reading a list validates each item's key: 2,000 items' keys through the package were a
 * sixth of reading them, cold.
 */
const COMMON_KEY = /^[a-y][0-9A-Za-z]+$/

function isCommonKey(value: string): boolean {
  const integerLength = value.charCodeAt(0) - 97 + 2
  return value.length >= integerLength && (value.length === integerLength || value.charCodeAt(value.length - 1) !== 48) && COMMON_KEY.test(value)
}

export function isOrderKey(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false
  if (isCommonKey(value)) return true
  try {
    // The package has no exported validator; generating a neighbour validates.
    generateKeyBetween(value, null)
    return true
  } catch {
    return false
  }
}

export function compareRows(a: OrderedRow, b: OrderedRow): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1
  if (a.id !== b.id) return a.id < b.id ? -1 : 1
  return 0
}

export interface Placement {
  /** Key for the row being placed. */
  key: string
  /** Rows that must take a new key so the placed row fits (only when neighbours tie). */
  rekeyed: OrderedRow[]
}

/**
 * Where to put a row so it lands at `index` in `sorted` (which must be sorted
 * with compareRows and must not contain the row itself).
 */
export function placeAt(sorted: readonly OrderedRow[], index: number): Placement {
  if (index < 0 || index > sorted.length) throw new Error(`position ${index} is outside the list`)
  const before = sorted[index - 1]?.order ?? null
  const after = sorted[index]?.order ?? null
  if (before === null || after === null || before < after) {
    return { key: generateKeyBetween(before, after), rekeyed: [] }
  }
  // before === after: the rows from `index` to the end of the tie move up
  // into the gap before the next distinct key, behind the placed row.
  let tieEnd = index
  while (sorted[tieEnd + 1]?.order === before) tieEnd++
  const next = sorted[tieEnd + 1]?.order ?? null
  const moved = sorted.slice(index, tieEnd + 1)
  const keys = generateNKeysBetween(before, next, moved.length + 1)
  return {
    key: keyAt(keys, 0),
    rekeyed: moved.map((row, i) => ({ id: row.id, order: keyAt(keys, i + 1) })),
  }
}

function keyAt(keys: readonly string[], index: number): string {
  const key = keys[index]
  if (key === undefined) throw new Error('fractional-indexing returned too few keys')
  return key
}

/**
 * The rows of a list in order, as far as placing one row needs them: the few
 * rows around a place, not the whole list. `sortedNeighbours` reads them from
 * a sorted array (finding a row is a scan); the list's `ListIndex` from its
 * sorted rows (a binary search), so a move or an insertion on a list of
 * 10,000 items reads a handful of them.
 */
export interface RowNeighbours {
  /**
   * The rows `placeAt` reads to put a row right after the row `after` (null:
   * first; undefined: last), leaving out the row `excluding` (the one being
   * moved), and the index to place at among them: `placeAt(rows, index)` is
   * `placeAt` over the whole list without `excluding`. Throws for an unknown
   * `after`.
   */
  around(after: string | null | undefined, excluding: string | null): { rows: OrderedRow[]; index: number }
  /** The id of the row just before `id` (null: it is first), or undefined if `id` is not a row. */
  before(id: string): string | null | undefined
}

/** A list of rows as `RowNeighbours` needs it: its size, the row at a position, a row's position (-1: none). */
export interface RowSequence {
  size(): number
  at(index: number): OrderedRow | undefined
  positionOf(id: string): number
}

/** `RowNeighbours` over any `RowSequence` (sorted by `compareRows`). */
export function neighboursIn(sequence: RowSequence): RowNeighbours {
  return {
    around(after, excluding) {
      if (after === undefined) {
        // Appending: only the last row's key matters.
        for (let i = sequence.size() - 1; i >= 0; i--) {
          const row = sequence.at(i)!
          if (row.id !== excluding) return { rows: [row], index: 1 }
        }
        return { rows: [], index: 0 }
      }
      if (after === null) {
        // First: only the first row's key matters.
        for (let i = 0; i < sequence.size(); i++) {
          const row = sequence.at(i)!
          if (row.id !== excluding) return { rows: [row], index: 0 }
        }
        return { rows: [], index: 0 }
      }
      const at = sequence.positionOf(after)
      if (at < 0) throw new Error(`unknown row ${after}`)
      // The row itself, the rows tied with its key (placeAt re-keys those), and the next distinct key.
      const anchor = sequence.at(at)!
      const rows: OrderedRow[] = [anchor]
      for (let i = at + 1; i < sequence.size(); i++) {
        const row = sequence.at(i)!
        if (row.id === excluding) continue
        rows.push(row)
        if (row.order !== anchor.order) break
      }
      return { rows, index: 1 }
    },
    before(id) {
      const at = sequence.positionOf(id)
      if (at < 0) return undefined
      return at === 0 ? null : sequence.at(at - 1)!.id
    },
  }
}

/** `RowNeighbours` over rows sorted by `compareRows` (finding a row is a scan). */
export function sortedNeighbours(sorted: readonly OrderedRow[]): RowNeighbours {
  return neighboursIn({ size: () => sorted.length, at: (index) => sorted[index], positionOf: (id) => sorted.findIndex((row) => row.id === id) })
}
