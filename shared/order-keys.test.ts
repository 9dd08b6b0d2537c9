import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import { generateKeyBetween } from 'fractional-indexing'
import { compareRows, isOrderKey, neighboursIn, placeAt, sortedNeighbours, type OrderedRow } from './order-keys.ts'

/** placeAt over the whole list without `excluding`, as list-document.ts did before RowNeighbours. */
function placeInWhole(sorted: readonly OrderedRow[], after: string | null | undefined, excluding: string | null) {
  const others = sorted.filter((row) => row.id !== excluding)
  const index = after === undefined ? others.length : after === null ? 0 : others.findIndex((row) => row.id === after) + 1
  return placeAt(others, index)
}

/** Rows with keys from a handful, so runs of tied keys are common (concurrent inserts at one place make them). */
function rowsWithTies(rng: prng.PRNG, count: number): OrderedRow[] {
  const keys = ['a0', 'a1', 'a1V', 'a2', 'a3', 'Zz']
  const rows = Array.from({ length: count }, (_, i) => ({ id: `r${String(i).padStart(3, '0')}${prng.word(rng, 2, 4)}`, order: keys[prng.int32(rng, 0, keys.length - 1)]! }))
  return rows.sort(compareRows)
}

describe('RowNeighbours', () => {
  it('places a row exactly as placeAt over the whole list does, ties and the moved row included (seeded, 3,000 cases)', () => {
    const rng = prng.create(20261202)
    for (let round = 0; round < 3000; round++) {
      const sorted = rowsWithTies(rng, prng.int32(rng, 0, 14))
      const ids = sorted.map((row) => row.id)
      const pickId = () => (ids.length === 0 ? null : ids[prng.int32(rng, 0, ids.length - 1)]!)
      const excluding = prng.bool(rng) ? pickId() : null
      const choice = prng.int32(rng, 0, 3)
      const after = choice === 0 ? undefined : choice === 1 ? null : pickId()
      if (after === excluding && after !== null && after !== undefined) continue
      // A sequence read through positions only, as the list's index reads its sorted rows.
      const indexed = neighboursIn({ size: () => sorted.length, at: (i) => sorted[i], positionOf: (id) => sorted.findIndex((row) => row.id === id) })
      for (const neighbours of [sortedNeighbours(sorted), indexed]) {
        const { rows, index } = neighbours.around(after, excluding)
        expect(placeAt(rows, index), JSON.stringify({ sorted, after, excluding })).toEqual(placeInWhole(sorted, after, excluding))
        // A handful of rows, however long the tie before or after.
        expect(rows.length).toBeLessThanOrEqual(sorted.filter((row) => row.order === rows[0]?.order).length + 1)
      }
    }
  })

  it('tells the row before a row, and throws for a place after an unknown row', () => {
    const sorted = [
      { id: 'a', order: 'a0' },
      { id: 'b', order: 'a1' },
    ]
    const neighbours = sortedNeighbours(sorted)
    expect(neighbours.before('a')).toBeNull()
    expect(neighbours.before('b')).toBe('a')
    expect(neighbours.before('c')).toBeUndefined()
    expect(() => neighbours.around('c', null)).toThrow(/unknown row c/)
  })
})

describe('isOrderKey', () => {
  /** What fractional-indexing accepts: a key it can generate a successor of. */
  const accepted = (key: string) => {
    try {
      generateKeyBetween(key, null)
      return true
    } catch {
      return false
    }
  }

  it('accepts exactly what fractional-indexing accepts: keys it made, their near misses and random strings (seeded)', () => {
    const rng = prng.create(20261204)
    const keys = ['a', 'a0', 'a00', 'a01', 'b0', 'b00', 'b000', 'b001', 'y' + '0'.repeat(25), 'y' + '1'.repeat(25) + '0', 'z' + 'z'.repeat(26), 'z' + '0'.repeat(26), 'A' + '0'.repeat(26), 'Zz', 'a0~', 'a0 ', 'é0', 'a0V', '']
    // Keys the package makes: appended, prepended and between, from a few thousand steps.
    let made: string[] = [generateKeyBetween(null, null)]
    for (let i = 0; i < 3000; i++) {
      const at = prng.int32(rng, 0, made.length)
      const key = generateKeyBetween(made[at - 1] ?? null, made[at] ?? null)
      made = [...made.slice(0, at), key, ...made.slice(at)]
    }
    keys.push(...made)
    // Near misses of those (a digit changed, added or dropped) and strings from the key alphabet and beyond.
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-~ é'
    const char = () => alphabet[prng.int32(rng, 0, alphabet.length - 1)]!
    for (const key of made.slice(0, 1500)) {
      const at = prng.int32(rng, 0, key.length - 1)
      keys.push(key.slice(0, at) + char() + key.slice(at + 1), key + char(), key.slice(0, -1), key + '0')
    }
    for (let i = 0; i < 5000; i++) keys.push(Array.from({ length: prng.int32(rng, 1, 8) }, char).join(''))
    let valid = 0
    for (const key of keys) {
      expect(isOrderKey(key), JSON.stringify(key)).toBe(key.length > 0 && accepted(key))
      if (isOrderKey(key)) valid++
    }
    expect(valid).toBeGreaterThan(3000)
    expect(valid).toBeLessThan(keys.length - 3000)
  })
})
