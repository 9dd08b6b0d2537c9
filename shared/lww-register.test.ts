import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CATEGORY_REGISTERS, ITEM_REGISTERS, readCategory, readItem, readItemStatus, scanEntries } from './list-layout.ts'
import { FALLBACK_ORDER_KEY } from './order-keys.ts'
import { fieldOfEntryKey, parseEntryKey, readEntry, type ReadEntry } from './lww-register.ts'

describe('entry keys', () => {
  it('fieldOfEntryKey gives what parseEntryKey gives, for keys seen before and new ones, past its memory’s size', () => {
    const keys = ['checked:1', 'order:9007199254740991', 'order:9007199254740992', 'name:12345678901234567', 'text', 'checked:', ':1', '1x:2', 'quantity:0042', 'a:1:2']
    for (let i = 0; i < 5000; i++) keys.push(`field${i % 7}:${i}`)
    for (const round of [0, 1])
      for (const key of keys) expect(fieldOfEntryKey(key), `${key} (round ${round})`).toBe(parseEntryKey(key)?.field ?? null)
  })
})

describe('scanEntries', () => {
  it('reads the same entries as a walk over the map’s entries(), with keys overwritten and deleted', () => {
    const doc = new Y.Doc()
    const owner = doc.getMap<unknown>('item')
    const t = (n: number) => `${String(n).padStart(15, '0')}-000000-${String(7).padStart(16, '0')}`
    owner.set('checked:7', { v: false, t: t(1) })
    owner.set('checked:7', { v: true, t: t(2) })
    owner.set('order:8', { v: 'a0', t: t(3) })
    owner.set('order:9', { v: 'a1', t: t(4) })
    owner.delete('order:9')
    owner.set('quantity:7', 'not an entry')
    owner.set('createdBy', 'u1')
    const expected = new Map<string, ReadEntry[]>()
    for (const [key, value] of owner.entries()) {
      const parsed = parseEntryKey(key)
      const entry = parsed && readEntry(key, value)
      if (parsed && entry) expected.set(parsed.field, [...(expected.get(parsed.field) ?? []), entry])
    }
    expect(scanEntries(owner)).toEqual(expected)
    expect([...scanEntries(owner).keys()].sort()).toEqual(['checked', 'order'])
    expect(scanEntries(owner).get('checked')).toEqual([{ v: true, t: t(2), key: 'checked:7' }])
  })
})

/**
 * The readers (readItem, readItemStatus, readCategory) take one pass over an item's entries; here
 * they are checked against the rule read the long way: collect every entry (scanEntries), then per
 * field the greatest (t, key) among values of the field's type, and existence against the latest
 * write of any other field. Items are made at random (seeded, so a failure replays) with what
 * any client may write: several writers, v1 nested registers, v1 and v2 and malformed timestamps,
 * equal timestamps, values of the wrong type, malformed order keys, unknown fields and field names
 * that are also names of Object's own properties.
 */
describe('readers against scanEntries', () => {
  const FIELDS = ['checked', 'quantity', 'category', 'order', 'deleted', 'edited', 'name', 'futureField', 'constructor', 'toString', 'hasOwnProperty']
  const VALUES: unknown[] = [true, false, null, 0, 1, '', 'x', '2 packs', 'a0', 'a1V', 'b00', 'b0', 'a00', 'Zz', 'A00000000000000000000000000', 'z', 'zzz', 'a0~', ' a0', { v: 1 }]
  const stamp = (rng: prng.PRNG): unknown => {
    const wall = String(1_700_000_000_000 + prng.int32(rng, 0, 5)).padStart(15, '0')
    const counter = String(prng.int32(rng, 0, 2)).padStart(6, '0')
    switch (prng.int32(rng, 0, 5)) {
      case 0:
        return `${wall}-${counter}-${String(prng.int32(rng, 1, 3)).padStart(10, '0')}` // v1
      case 1:
        return `${wall}-${counter}-9007199254740992` // clientID past 2^53 − 1: malformed
      case 2:
        return prng.bool(rng) ? 'garbage' : 42
      default:
        return `${wall}-${counter}-${String(prng.int32(rng, 1, 3)).padStart(16, '0')}`
    }
  }
  const value = (rng: prng.PRNG) => VALUES[prng.int32(rng, 0, VALUES.length - 1)]

  function randomOwner(rng: prng.PRNG): Y.Map<unknown> {
    const doc = new Y.Doc()
    const owner = doc.getMap<unknown>('owner')
    owner.set('text', new Y.Text('Milk'))
    owner.set('createdBy', 'u1')
    owner.set('createdAt', 5)
    for (let i = prng.int32(rng, 0, 10); i > 0; i--) {
      const field = FIELDS[prng.int32(rng, 0, FIELDS.length - 1)]!
      const writer = prng.int32(rng, 1, 3)
      if (prng.int32(rng, 0, 5) === 0 && ['checked', 'quantity', 'category', 'order', 'name'].includes(field)) {
        // Layout v1: a nested register map, keys clientIDs.
        const nested = owner.get(field) instanceof Y.Map ? (owner.get(field) as Y.Map<unknown>) : owner.set(field, new Y.Map<unknown>())
        nested.set(String(writer), { v: value(rng), t: stamp(rng) })
      } else owner.set(`${field}:${writer}`, prng.int32(rng, 0, 9) === 0 ? 'not an entry' : { v: value(rng), t: stamp(rng) })
      if (prng.int32(rng, 0, 9) === 0) owner.delete(`${field}:${writer}`)
      // Deletions, often enough to win as often as to lose.
      if (prng.int32(rng, 0, 3) === 0) owner.set(`deleted:${writer}`, { v: prng.int32(rng, 0, 3) > 0, t: stamp(rng) })
    }
    return owner
  }

  /** The rule, the long way. */
  function expected(owner: Y.Map<unknown>, schema: Record<string, (v: unknown) => boolean>) {
    const scanned = scanEntries(owner)
    const winner = (field: string) => {
      let best: ReadEntry | undefined
      for (const entry of scanned.get(field) ?? []) if (schema[field]!(entry.v) && (!best || entry.t > best.t || (entry.t === best.t && entry.key > best.key))) best = entry
      return best
    }
    let lastWrite = ''
    for (const [field, entries] of scanned) if (field !== 'deleted') for (const entry of entries) if (entry.t > lastWrite) lastWrite = entry.t
    const deletion = winner('deleted')
    return { winner, deletion, lastWrite, alive: !(deletion && deletion.v === true && deletion.t > lastWrite) }
  }

  it('readItem, readItemStatus and readCategory give what the rule gives (seeded, 4,000 items)', () => {
    const rng = prng.create(20261204)
    let alive = 0
    for (let round = 0; round < 4000; round++) {
      const owner = randomOwner(rng)
      const item = expected(owner, ITEM_REGISTERS)
      const field = <T>(name: string, fallback: T): T => (item.winner(name)?.v as T | undefined) ?? fallback
      const category = field<string | null>('category', null)
      expect(readItem('i', owner, (id) => id === 'x'), `round ${round}`).toEqual(
        item.alive
          ? { id: 'i', text: 'Milk', checked: field('checked', false), quantity: field('quantity', ''), categoryId: category === 'x' ? 'x' : null, order: field('order', FALLBACK_ORDER_KEY), createdBy: 'u1', createdAt: 5 }
          : null,
      )
      const deleted = item.deletion?.t ?? ''
      expect(readItemStatus(owner), `round ${round}`).toEqual({
        alive: item.alive,
        checked: item.alive && item.winner('checked')?.v === true,
        lastWrite: deleted > item.lastWrite ? deleted : item.lastWrite,
        order: field('order', FALLBACK_ORDER_KEY),
      })
      const asCategory = expected(owner, CATEGORY_REGISTERS)
      expect(readCategory('c', owner), `round ${round}`).toEqual(
        asCategory.alive ? { id: 'c', name: (asCategory.winner('name')?.v as string | undefined) ?? '', order: (asCategory.winner('order')?.v as string | undefined) ?? FALLBACK_ORDER_KEY, createdAt: 5 } : null,
      )
      if (item.alive) alive++
    }
    // Both outcomes are exercised.
    expect(alive).toBeGreaterThan(400)
    expect(alive).toBeLessThan(3600)
  })
})
