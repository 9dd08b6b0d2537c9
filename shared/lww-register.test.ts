import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { scanEntries } from './list-layout.ts'
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
