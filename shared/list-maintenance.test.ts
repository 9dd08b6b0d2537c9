import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeTimestamp } from './hlc.ts'
import { addCategory, addItem, attachClock, getItem, getTitle, listCategories, listItems, removeCategory, removeItem, setChecked, setTitle, updateItem } from './list-document.ts'
import { LAYOUT_VERSION, readLayoutVersion } from './list-layout.ts'
import { DELETION_HORIZON_MS, foldDeletions, markLayoutVersion, pruneSuperseded, stripFutureEntries } from './list-maintenance.ts'

const DAY = 24 * 60 * 60_000

function replica(clientID: number, ms = 1_700_000_000_000) {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const clock = { ms }
  attachClock(doc, { now: () => clock.ms })
  return { doc, clock }
}

const sync = (...docs: Y.Doc[]) => {
  for (const from of docs) for (const to of docs) if (from !== to) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)))
}

describe('layout version', () => {
  it('a document says nothing until upgraded, then says 2; upgrading twice, or on two replicas at once, is the same', () => {
    const a = replica(1)
    const b = replica(2)
    expect(readLayoutVersion(a.doc)).toBe(1)
    expect(a.doc.transact(() => markLayoutVersion(a.doc))).toBe(true)
    expect(a.doc.transact(() => markLayoutVersion(a.doc))).toBe(false)
    b.doc.transact(() => markLayoutVersion(b.doc))
    sync(a.doc, b.doc)
    expect(readLayoutVersion(a.doc)).toBe(LAYOUT_VERSION)
    expect(b.doc.getMap('meta').toJSON()).toEqual(a.doc.getMap('meta').toJSON())
  })
})

describe('stripFutureEntries', () => {
  it('removes register entries forged far in the future, after which honest writes win again', () => {
    const { doc, clock } = replica(1)
    const milk = addItem(doc, { text: 'milk', createdBy: 'alice' })
    setTitle(doc, 'Shop')
    const forged = encodeTimestamp({ wall: 999_999_999_999_999, counter: 999_999, clientId: 66 })
    doc.transact(() => {
      ;(doc.getMap('items').get(milk) as Y.Map<unknown>).set('quantity:66', { v: 'forever', t: forged })
      doc.getMap('title').set('66', { v: 'Hijacked', t: forged })
    })
    expect(getItem(doc, milk)?.quantity).toBe('forever')
    updateItem(doc, milk, { quantity: '2' }) // does not throw, but cannot win yet
    expect(getItem(doc, milk)?.quantity).toBe('forever')
    expect(doc.transact(() => stripFutureEntries(doc, clock.ms + 5 * 60_000))).toBe(2)
    expect(getItem(doc, milk)?.quantity).toBe('2')
    expect(getTitle(doc)).toBe('Shop')
    expect(doc.transact(() => stripFutureEntries(doc, clock.ms + 5 * 60_000))).toBe(0)
  })
})

describe('foldDeletions', () => {
  it('folds items and categories deleted before the horizon away for good, and keeps newer deletions', () => {
    const { doc, clock } = replica(1)
    const old = addItem(doc, { text: 'old', createdBy: 'alice' })
    const recent = addItem(doc, { text: 'recent', createdBy: 'alice' })
    const kept = addItem(doc, { text: 'kept', createdBy: 'alice' })
    const category = addCategory(doc, { name: 'Gone' })
    removeItem(doc, old)
    removeCategory(doc, category)
    clock.ms += DELETION_HORIZON_MS - DAY
    removeItem(doc, recent)
    clock.ms += 2 * DAY
    const folded = doc.transact(() => foldDeletions(doc, { now: clock.ms }))
    expect(folded.sort()).toEqual([old, category].sort())
    expect(doc.getMap('items').has(old)).toBe(false)
    expect(doc.getMap('items').has(recent)).toBe(true) // still restorable
    expect(doc.getMap('categories').has(category)).toBe(false)
    expect(listItems(doc).items.map((item) => item.id)).toEqual([kept])
  })

  it('an edit made before the fold that arrives after it is discarded, and the item stays deleted', () => {
    const server = replica(1)
    const phone = replica(2)
    const milk = addItem(server.doc, { text: 'milk', createdBy: 'alice' })
    sync(server.doc, phone.doc)
    removeItem(server.doc, milk)
    phone.clock.ms += 1_000
    setChecked(phone.doc, milk, true) // offline, after the deletion: would bring it back…
    server.clock.ms += DELETION_HORIZON_MS + DAY
    server.doc.transact(() => foldDeletions(server.doc, { now: server.clock.ms })) // …but the phone stayed away too long
    sync(server.doc, phone.doc)
    for (const doc of [server.doc, phone.doc]) expect(getItem(doc, milk)).toBeNull()
    expect(listItems(phone.doc)).toEqual(listItems(server.doc))
  })
})

describe('pruneSuperseded', () => {
  it('keeps only entries that can still win, and every reader reads the same after', () => {
    const a = replica(1)
    const b = replica(2)
    const milk = addItem(a.doc, { text: 'milk', createdBy: 'alice' })
    const dairy = addCategory(a.doc, { name: 'Dairy' })
    sync(a.doc, b.doc)
    updateItem(a.doc, milk, { quantity: '1' })
    b.clock.ms += 1_000
    updateItem(b.doc, milk, { quantity: '2' })
    setTitle(a.doc, 'One')
    setTitle(b.doc, 'Two')
    sync(a.doc, b.doc)
    removeItem(a.doc, milk)
    sync(a.doc, b.doc)
    const before = { items: listItems(a.doc), categories: listCategories(a.doc), deleted: getItem(a.doc, milk) }
    const pruned = a.doc.transact(() => pruneSuperseded(a.doc))
    expect(pruned).toBe(2) // quantity:1 and b's or a's older title entry
    sync(a.doc, b.doc)
    for (const doc of [a.doc, b.doc]) {
      expect({ items: listItems(doc), categories: listCategories(doc), deleted: getItem(doc, milk) }).toEqual(before)
    }
    expect(a.doc.transact(() => pruneSuperseded(a.doc))).toBe(0)
    expect(listCategories(a.doc).map((c) => c.id)).toEqual([dairy])
  })
})
