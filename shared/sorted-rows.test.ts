import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import { compareRows, type OrderedRow } from './order-keys.ts'
import { SortedRows } from './sorted-rows.ts'

describe('SortedRows', () => {
  it('stays sorted by (order, id) through random inserts and removes, like a sort of the same rows (seeded)', () => {
    const gen = prng.create(0x50f7)
    const rows = new SortedRows<OrderedRow>()
    const live = new Map<string, OrderedRow>()
    for (let step = 0; step < 3000; step++) {
      const id = `i${prng.uint32(gen, 0, 199)}`
      const existing = live.get(id)
      if (existing && prng.bool(gen)) {
        expect(rows.remove(existing)).toBe(true)
        live.delete(id)
      } else {
        if (existing) rows.remove(existing)
        // Few distinct keys, so ties broken by id happen often.
        const row = { id, order: `a${prng.uint32(gen, 0, 20)}` }
        rows.insert(row)
        live.set(id, row)
      }
      if (step % 100 === 0) {
        const expected = [...live.values()].sort(compareRows)
        expect(rows.slice(0)).toEqual(expected)
        expect(rows.length).toBe(expected.length)
      }
    }
    // Removing a row not in (or a stale version of one) removes nothing.
    const any = [...live.values()][0]!
    expect(rows.remove({ id: any.id, order: `${any.order}z` })).toBe(false)
    expect(rows.remove({ id: 'absent', order: 'a0' })).toBe(false)
  })

  it('finds the index after a row whether or not it is in', () => {
    const rows = new SortedRows<OrderedRow>()
    for (const [id, order] of [['b', 'a1'], ['a', 'a1'], ['c', 'a3']] as const) rows.insert({ id, order })
    expect(rows.slice(0).map((row) => row.id)).toEqual(['a', 'b', 'c'])
    expect(rows.indexAfter({ id: 'a', order: 'a1' })).toBe(1)
    expect(rows.indexAfter({ id: 'x', order: 'a2' })).toBe(2)
    expect(rows.indexAfter({ id: 'c', order: 'a3' })).toBe(3)
    expect(rows.at(rows.length - 1)?.id).toBe('c')
  })
})
