import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  addCategory,
  addItem,
  attachClock,
  getItem,
  getTitle,
  listCategories,
  listItems,
  moveCategory,
  moveItem,
  observeListEvents,
  removeCategory,
  removeChecked,
  removeItem,
  renameCategory,
  restoreCategory,
  restoreItem,
  editItemText,
  setChecked,
  setTitle,
  updateItem,
  type ListEvent,
} from './list-document.ts'
import { encodeTimestamp, HybridLogicalClock, normalizeTimestamp, parseTimestamp } from './hlc.ts'
import { categoriesMap } from './list-layout.ts'
import { readField, writeField } from './lww-register.ts'

// ---------------------------------------------------------------------------
// Replicas and a hand-driven network
// ---------------------------------------------------------------------------

/** A replica with a fixed clientID and a wall clock the test controls. */
function replica(clientID: number, startMs = 1_000_000): { doc: Y.Doc; clock: { ms: number } } {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const clock = { ms: startMs }
  attachClock(doc, { now: () => clock.ms })
  return { doc, clock }
}

/** Everything `from` has that `to` lacks. */
function diffUpdate(from: Y.Doc, to: Y.Doc): Uint8Array {
  return Y.encodeStateAsUpdate(from, Y.encodeStateVector(to))
}

function syncAll(...docs: Y.Doc[]): void {
  for (const from of docs) for (const to of docs) if (from !== to) Y.applyUpdate(to, diffUpdate(from, to), 'test')
}

/** Records every update a doc produces, to deliver later in a chosen order. */
function recordUpdates(doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'test') updates.push(update)
  })
  return updates
}

function deliver(to: Y.Doc, updates: readonly Uint8Array[]): void {
  for (const update of updates) Y.applyUpdate(to, update, 'test')
}

function ids(doc: Y.Doc): string[] {
  return listItems(doc).items.map((item) => item.id)
}

function texts(doc: Y.Doc): string[] {
  return listItems(doc).items.map((item) => item.text)
}

/** Two replicas that share one list of items, synced. */
function twoReplicasWithItems(texts: string[], clientIDs: [number, number] = [1, 2]) {
  const a = replica(clientIDs[0])
  const b = replica(clientIDs[1])
  const itemIds = texts.map((text) => addItem(a.doc, { text, createdBy: 'alice' }))
  syncAll(a.doc, b.doc)
  return { a, b, itemIds }
}

// ---------------------------------------------------------------------------
// Single-replica behaviour
// ---------------------------------------------------------------------------

describe('title', () => {
  it('is empty until set, then reads back trimmed', () => {
    const { doc } = replica(1)
    expect(getTitle(doc)).toBe('')
    setTitle(doc, '  Groceries ')
    expect(getTitle(doc)).toBe('Groceries')
    expect(listItems(doc).title).toBe('Groceries')
  })

  it('rejects an empty or too long title', () => {
    const { doc } = replica(1)
    expect(() => setTitle(doc, '   ')).toThrow(/must not be empty/)
    expect(() => setTitle(doc, 'x'.repeat(201))).toThrow(/at most 200/)
  })
})

describe('items', () => {
  it('addItem appends at the end by default, inserts first with after: null, and after a given item', () => {
    const { doc } = replica(1)
    const milk = addItem(doc, { text: 'milk', createdBy: 'alice' })
    const eggs = addItem(doc, { text: 'eggs', createdBy: 'alice' })
    const bread = addItem(doc, { text: 'bread', createdBy: 'alice', after: null })
    const butter = addItem(doc, { text: 'butter', createdBy: 'alice', after: milk })
    expect(ids(doc)).toEqual([bread, milk, butter, eggs])
  })

  it('getItem returns every field, trimmed, and null for an unknown id', () => {
    const { doc, clock } = replica(7, 1_700_000_000_000)
    const category = addCategory(doc, { name: 'Dairy' })
    const id = addItem(doc, { text: ' milk ', quantity: ' 2 l ', categoryId: category, createdBy: 'alice' })
    expect(getItem(doc, id)).toEqual({
      id,
      text: 'milk',
      checked: false,
      quantity: '2 l',
      categoryId: category,
      order: 'a0',
      createdBy: 'alice',
      createdAt: clock.ms,
    })
    expect(getItem(doc, 'nope')).toBeNull()
  })

  it('updateItem changes only the fields given, and edits the Y.Text in place', () => {
    const { doc } = replica(1)
    const category = addCategory(doc, { name: 'Dairy' })
    const id = addItem(doc, { text: 'milk', quantity: '1', createdBy: 'alice' })
    const text = (doc.getMap('items').get(id) as Y.Map<unknown>).get('text') as Y.Text
    updateItem(doc, id, { text: 'oat milk', categoryId: category })
    expect(getItem(doc, id)).toMatchObject({ text: 'oat milk', quantity: '1', categoryId: category })
    expect((doc.getMap('items').get(id) as Y.Map<unknown>).get('text')).toBe(text)
    updateItem(doc, id, { quantity: '', categoryId: null })
    expect(getItem(doc, id)).toMatchObject({ text: 'oat milk', quantity: '', categoryId: null })
  })

  it('setChecked toggles checked and listItems splits checked from grouped items', () => {
    const { doc } = replica(1)
    const milk = addItem(doc, { text: 'milk', createdBy: 'alice' })
    const eggs = addItem(doc, { text: 'eggs', createdBy: 'alice' })
    setChecked(doc, milk, true)
    const view = listItems(doc)
    expect(view.checked.map((item) => item.id)).toEqual([milk])
    expect(view.groups).toEqual([{ category: null, items: [getItem(doc, eggs)] }])
    setChecked(doc, milk, false)
    expect(listItems(doc).checked).toEqual([])
  })

  it('removeItem deletes the item and removeChecked deletes all checked items in one transaction', () => {
    const { doc } = replica(1)
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((text) => addItem(doc, { text, createdBy: 'alice' })) as [
      string,
      string,
      string,
      string,
    ]
    removeItem(doc, a)
    setChecked(doc, b, true)
    setChecked(doc, d, true)
    let transactions = 0
    doc.on('afterTransaction', () => transactions++)
    expect(removeChecked(doc)).toEqual([b, d])
    expect(transactions).toBe(1)
    expect(ids(doc)).toEqual([c])
  })

  it('moveItem places the item after another, first with null, and is a no-op for itself or its current spot', () => {
    const { doc } = replica(1)
    const [a, b, c] = ['a', 'b', 'c'].map((text) => addItem(doc, { text, createdBy: 'alice' })) as [string, string, string]
    moveItem(doc, a, { after: c })
    expect(ids(doc)).toEqual([b, c, a])
    moveItem(doc, a, { after: null })
    expect(ids(doc)).toEqual([a, b, c])
    const before = Y.encodeStateVector(doc)
    moveItem(doc, b, { after: a })
    moveItem(doc, b, { after: b })
    expect(Y.encodeStateVector(doc)).toEqual(before)
  })

  it('moveItem between two items that share an order key re-keys the tied ones', () => {
    // Two replicas append concurrently, so both new items get the same key.
    const { a, b, itemIds } = twoReplicasWithItems(['first'])
    const fromA = addItem(a.doc, { text: 'from a', createdBy: 'alice' })
    const fromB = addItem(b.doc, { text: 'from b', createdBy: 'bob' })
    syncAll(a.doc, b.doc)
    expect(getItem(a.doc, fromA)?.order).toBe(getItem(a.doc, fromB)?.order)
    const [lower, upper] = [fromA, fromB].sort()
    moveItem(a.doc, itemIds[0]!, { after: lower! })
    expect(ids(a.doc)).toEqual([lower, itemIds[0], upper])
    syncAll(a.doc, b.doc)
    expect(ids(b.doc)).toEqual(ids(a.doc))
  })

  it('addItem after one of several tied items lands right after it', () => {
    const { a, b } = twoReplicasWithItems([])
    const x = addItem(a.doc, { text: 'x', createdBy: 'alice' })
    const y = addItem(b.doc, { text: 'y', createdBy: 'bob' })
    syncAll(a.doc, b.doc)
    const [lower, upper] = [x, y].sort() as [string, string]
    const z = addItem(a.doc, { text: 'z', createdBy: 'alice', after: lower })
    expect(ids(a.doc)).toEqual([lower, z, upper])
  })

  it('rejects invalid input and unknown ids with a clear error', () => {
    const { doc } = replica(1)
    const id = addItem(doc, { text: 'milk', createdBy: 'alice' })
    expect(() => addItem(doc, { text: '  ', createdBy: 'alice' })).toThrow(/item text must not be empty/)
    expect(() => addItem(doc, { text: 'x'.repeat(2001), createdBy: 'alice' })).toThrow(/at most 2000/)
    expect(() => addItem(doc, { text: 42 as unknown as string, createdBy: 'alice' })).toThrow(/must be a string/)
    expect(() => addItem(doc, { text: 'x', createdBy: '' })).toThrow(/createdBy/)
    expect(() => addItem(doc, { text: 'x', createdBy: 'alice', categoryId: 'nope' })).toThrow(/unknown category nope/)
    expect(() => addItem(doc, { text: 'x', createdBy: 'alice', after: 'nope' })).toThrow(/unknown item nope/)
    expect(() => updateItem(doc, 'nope', { text: 'x' })).toThrow(/unknown item nope/)
    expect(() => updateItem(doc, id, { quantity: 'x'.repeat(201) })).toThrow(/quantity/)
    expect(() => updateItem(doc, id, { categoryId: 'nope' })).toThrow(/unknown category nope/)
    expect(() => setChecked(doc, 'nope', true)).toThrow(/unknown item nope/)
    expect(() => setChecked(doc, id, 'yes' as unknown as boolean)).toThrow(/boolean/)
    expect(() => removeItem(doc, 'nope')).toThrow(/unknown item nope/)
    expect(() => moveItem(doc, 'nope', { after: null })).toThrow(/unknown item nope/)
    expect(() => moveItem(doc, id, { after: 'nope' })).toThrow(/unknown item nope/)
    expect(texts(doc)).toEqual(['milk'])
  })
})

describe('categories', () => {
  it('addCategory appends, renameCategory renames, moveCategory reorders', () => {
    const { doc } = replica(1)
    const dairy = addCategory(doc, { name: 'Dairy' })
    const bakery = addCategory(doc, { name: ' Bakery ' })
    expect(listCategories(doc).map((c) => c.name)).toEqual(['Dairy', 'Bakery'])
    renameCategory(doc, dairy, 'Milk & cheese')
    moveCategory(doc, bakery, { after: null })
    expect(listCategories(doc).map((c) => [c.id, c.name])).toEqual([
      [bakery, 'Bakery'],
      [dairy, 'Milk & cheese'],
    ])
  })

  it('groups list unchecked items by category in category order, uncategorised first, empty categories kept', () => {
    const { doc } = replica(1)
    const dairy = addCategory(doc, { name: 'Dairy' })
    const bakery = addCategory(doc, { name: 'Bakery' })
    const empty = addCategory(doc, { name: 'Empty' })
    const bread = addItem(doc, { text: 'bread', categoryId: bakery, createdBy: 'alice' })
    const milk = addItem(doc, { text: 'milk', categoryId: dairy, createdBy: 'alice' })
    const pens = addItem(doc, { text: 'pens', createdBy: 'alice' })
    const cheese = addItem(doc, { text: 'cheese', categoryId: dairy, createdBy: 'alice' })
    setChecked(doc, cheese, true)
    const groups = listItems(doc).groups.map((group) => [group.category?.id ?? null, group.items.map((i) => i.id)])
    expect(groups).toEqual([
      [null, [pens]],
      [dairy, [milk]],
      [bakery, [bread]],
      [empty, []],
    ])
  })

  it('removeCategory leaves its items uncategorised, not deleted', () => {
    const { doc } = replica(1)
    const dairy = addCategory(doc, { name: 'Dairy' })
    const milk = addItem(doc, { text: 'milk', categoryId: dairy, createdBy: 'alice' })
    removeCategory(doc, dairy)
    expect(listCategories(doc)).toEqual([])
    expect(getItem(doc, milk)?.categoryId).toBeNull()
  })

  it('rejects invalid names and unknown ids', () => {
    const { doc } = replica(1)
    const dairy = addCategory(doc, { name: 'Dairy' })
    expect(() => addCategory(doc, { name: '' })).toThrow(/category name must not be empty/)
    expect(() => addCategory(doc, { name: 'x'.repeat(101) })).toThrow(/at most 100/)
    expect(() => renameCategory(doc, 'nope', 'x')).toThrow(/unknown category nope/)
    expect(() => renameCategory(doc, dairy, ' ')).toThrow(/must not be empty/)
    expect(() => removeCategory(doc, 'nope')).toThrow(/unknown category nope/)
    expect(() => moveCategory(doc, 'nope', { after: null })).toThrow(/unknown category nope/)
    expect(() => moveCategory(doc, dairy, { after: 'nope' })).toThrow(/unknown category nope/)
  })
})

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

describe('concurrent edits', () => {
  it('edits to different items all survive an exchange of updates', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['milk', 'eggs'])
    const [milk, eggs] = itemIds as [string, string]
    updateItem(a.doc, milk, { text: 'oat milk', quantity: '2' })
    setChecked(b.doc, eggs, true)
    updateItem(b.doc, eggs, { quantity: '12' })
    syncAll(a.doc, b.doc)
    for (const doc of [a.doc, b.doc]) {
      expect(getItem(doc, milk)).toMatchObject({ text: 'oat milk', quantity: '2' })
      expect(getItem(doc, eggs)).toMatchObject({ checked: true, quantity: '12' })
    }
  })

  it('edits to different fields of one item all survive an exchange of updates', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['milk', 'eggs'])
    const [milk, eggs] = itemIds as [string, string]
    const dairy = addCategory(a.doc, { name: 'Dairy' })
    syncAll(a.doc, b.doc)
    updateItem(a.doc, milk, { quantity: '2 l' })
    setChecked(a.doc, milk, true)
    updateItem(b.doc, milk, { categoryId: dairy })
    moveItem(b.doc, milk, { after: eggs })
    syncAll(a.doc, b.doc)
    for (const doc of [a.doc, b.doc]) {
      expect(getItem(doc, milk)).toMatchObject({ quantity: '2 l', checked: true, categoryId: dairy })
      expect(ids(doc)).toEqual([eggs, milk])
    }
  })

  it('concurrent typing in one item merges character by character', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['milk'])
    const [milk] = itemIds as [string]
    updateItem(a.doc, milk, { text: 'oat milk' })
    updateItem(b.doc, milk, { text: 'milk 2%' })
    syncAll(a.doc, b.doc)
    expect(getItem(a.doc, milk)?.text).toBe('oat milk 2%')
    expect(getItem(b.doc, milk)?.text).toBe('oat milk 2%')
  })

  interface FieldCaseIds {
    item: string
    other: string
    third: string
    catA: string
    catB: string
  }

  // Each case: `earlier` writes at t=1000, `later` at t=2000, concurrently.
  // The earlier writer has the LARGER clientID, which is the writer Yjs itself
  // would pick for two concurrent sets of one map key.
  const fieldCases: Array<{
    field: string
    write: (doc: Y.Doc, ids: FieldCaseIds, who: 'earlier' | 'later') => void
    read: (doc: Y.Doc, ids: FieldCaseIds) => unknown
    expected: (ids: FieldCaseIds) => unknown
  }> = [
    {
      field: 'checked',
      // The later writer checks then unchecks, so the two replicas end on different values.
      write: (doc, ids, who) => {
        setChecked(doc, ids.item, true)
        if (who === 'later') setChecked(doc, ids.item, false)
      },
      read: (doc, ids) => getItem(doc, ids.item)?.checked,
      expected: () => false,
    },
    {
      field: 'quantity',
      write: (doc, ids, who) => updateItem(doc, ids.item, { quantity: who }),
      read: (doc, ids) => getItem(doc, ids.item)?.quantity,
      expected: () => 'later',
    },
    {
      field: 'category',
      write: (doc, ids, who) => updateItem(doc, ids.item, { categoryId: who === 'later' ? ids.catA : ids.catB }),
      read: (doc, ids) => getItem(doc, ids.item)?.categoryId,
      expected: (ids) => ids.catA,
    },
    {
      field: 'order',
      write: (doc, ids, who) => moveItem(doc, ids.item, { after: who === 'later' ? ids.other : ids.third }),
      read: (doc) => ids(doc),
      expected: (ids) => [ids.other, ids.item, ids.third],
    },
  ]

  describe.each(fieldCases)('concurrent writes to $field', ({ write, read, expected }) => {
    for (const order of ['earlier update applied first', 'later update applied first'] as const) {
      it(`resolve to the later write by time on every replica (${order})`, () => {
        const earlier = replica(4_000_000_000, 1_000)
        const later = replica(5, 1_000)
        const item = addItem(earlier.doc, { text: 'milk', createdBy: 'alice' })
        const other = addItem(earlier.doc, { text: 'eggs', createdBy: 'alice' })
        const third = addItem(earlier.doc, { text: 'bread', createdBy: 'alice' })
        const catA = addCategory(earlier.doc, { name: 'A' })
        const catB = addCategory(earlier.doc, { name: 'B' })
        const observer = replica(77, 1_000)
        syncAll(earlier.doc, later.doc, observer.doc)
        const context = { item, other, third, catA, catB }

        const fromEarlier = recordUpdates(earlier.doc)
        const fromLater = recordUpdates(later.doc)
        earlier.clock.ms = 1_000
        write(earlier.doc, context, 'earlier')
        later.clock.ms = 2_000
        write(later.doc, context, 'later')

        if (order === 'earlier update applied first') {
          deliver(observer.doc, [...fromEarlier, ...fromLater])
        } else {
          deliver(observer.doc, [...fromLater, ...fromEarlier])
        }
        deliver(earlier.doc, fromLater)
        deliver(later.doc, fromEarlier)
        for (const doc of [earlier.doc, later.doc, observer.doc]) expect(read(doc, context)).toEqual(expected(context))
      })
    }
  })

  it('a write made after observing a write with a future timestamp still wins (clock skew)', () => {
    const ahead = replica(9, 10_000_000) // this device's clock runs hours ahead
    const behind = replica(1, 1_000)
    const milk = addItem(ahead.doc, { text: 'milk', createdBy: 'alice' })
    updateItem(ahead.doc, milk, { quantity: 'from the future' })
    syncAll(ahead.doc, behind.doc)
    updateItem(behind.doc, milk, { quantity: 'seen and replaced' })
    setChecked(behind.doc, milk, true)
    syncAll(ahead.doc, behind.doc)
    expect(getItem(ahead.doc, milk)).toMatchObject({ quantity: 'seen and replaced', checked: true })
    expect(getItem(behind.doc, milk)).toMatchObject({ quantity: 'seen and replaced', checked: true })
  })

  it('a register keeps one entry per writer, and a writer overwrites only its own', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['milk'])
    const [milk] = itemIds as [string]
    updateItem(a.doc, milk, { quantity: '1' })
    updateItem(b.doc, milk, { quantity: '2' })
    syncAll(a.doc, b.doc)
    const quantityKeys = () => [...(a.doc.getMap('items').get(milk) as Y.Map<unknown>).keys()].filter((key) => key.startsWith('quantity:')).sort()
    expect(quantityKeys()).toEqual(['quantity:1', 'quantity:2'])
    updateItem(a.doc, milk, { quantity: '3' })
    expect(quantityKeys()).toEqual(['quantity:1', 'quantity:2'])
    expect(getItem(a.doc, milk)?.quantity).toBe('3')
  })

  it('concurrent moves of one item never duplicate or lose it', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['a', 'b', 'c', 'd'])
    const [first, second, , last] = itemIds as [string, string, string, string]
    moveItem(a.doc, first, { after: last })
    moveItem(b.doc, first, { after: second })
    syncAll(a.doc, b.doc)
    expect(ids(a.doc)).toEqual(ids(b.doc))
    expect(ids(a.doc).filter((id) => id === first)).toHaveLength(1)
    expect(ids(a.doc)).toHaveLength(4)
  })

  it('a delete later than a concurrent move and edit removes the item everywhere, without duplicates', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['a', 'b', 'c'])
    const [first, , last] = itemIds as [string, string, string]
    moveItem(a.doc, first, { after: last })
    updateItem(a.doc, first, { text: 'edited' })
    b.clock.ms += 1_000
    removeItem(b.doc, first)
    syncAll(a.doc, b.doc)
    for (const doc of [a.doc, b.doc]) {
      expect(getItem(doc, first)).toBeNull()
      expect(ids(doc)).toEqual(itemIds.slice(1))
    }
  })

  it('an edit made offline after a partner deleted the item brings it back with the edit, once, everywhere', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['milk', 'eggs'])
    const [milk] = itemIds as [string, string]
    removeItem(a.doc, milk) // a deletes at t = 1_000_000…
    b.clock.ms += 60_000 // …and b, offline, checks it a minute later and changes its quantity
    setChecked(b.doc, milk, true)
    updateItem(b.doc, milk, { quantity: '2' })
    syncAll(a.doc, b.doc)
    for (const doc of [a.doc, b.doc]) {
      expect(getItem(doc, milk)).toMatchObject({ text: 'milk', checked: true, quantity: '2' })
      expect(ids(doc).filter((id) => id === milk)).toHaveLength(1)
    }
  })

  it('a text edit made after a concurrent delete brings the item back too', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['milk'])
    const [milk] = itemIds as [string]
    removeItem(a.doc, milk)
    b.clock.ms += 1_000
    editItemText(b.doc, milk, (text) => text.insert(4, ' (oat)'))
    syncAll(a.doc, b.doc)
    for (const doc of [a.doc, b.doc]) expect(getItem(doc, milk)?.text).toBe('milk (oat)')
  })

  it('a delete made after seeing a write removes the item, even when the writer\'s clock ran ahead', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['milk'])
    const [milk] = itemIds as [string]
    a.clock.ms += 3_600_000 // a's clock is an hour fast
    setChecked(a.doc, milk, true)
    syncAll(a.doc, b.doc)
    removeItem(b.doc, milk)
    syncAll(a.doc, b.doc)
    for (const doc of [a.doc, b.doc]) expect(getItem(doc, milk)).toBeNull()
  })

  it('restoreItem and Y.UndoManager bring a deleted item back as it was, the same item', () => {
    const { doc } = replica(1)
    const milk = addItem(doc, { text: 'milk', quantity: '2', createdBy: 'alice' })
    setChecked(doc, milk, true)
    const before = getItem(doc, milk)
    removeItem(doc, milk)
    expect(getItem(doc, milk)).toBeNull()
    restoreItem(doc, milk)
    expect(getItem(doc, milk)).toEqual(before)

    const undo = new Y.UndoManager(doc.getMap('items'), { captureTimeout: 0 })
    removeItem(doc, milk)
    expect(getItem(doc, milk)).toBeNull()
    undo.undo()
    expect(getItem(doc, milk)).toEqual(before)
  })

  it('an item assigned to a category that is concurrently removed ends up uncategorised, not lost', () => {
    const { a, b, itemIds } = twoReplicasWithItems(['milk', 'eggs'])
    const [milk, eggs] = itemIds as [string, string]
    const dairy = addCategory(a.doc, { name: 'Dairy' })
    updateItem(a.doc, eggs, { categoryId: dairy })
    syncAll(a.doc, b.doc)
    b.clock.ms += 1_000 // the assignment is the later write, so it wins its register
    updateItem(b.doc, milk, { categoryId: dairy })
    removeCategory(a.doc, dairy)
    syncAll(a.doc, b.doc)
    for (const doc of [a.doc, b.doc]) {
      expect(listCategories(doc)).toEqual([])
      expect(listItems(doc).items.map((item) => [item.id, item.categoryId])).toEqual([
        [milk, null],
        [eggs, null],
      ])
      expect(listItems(doc).groups).toEqual([{ category: null, items: listItems(doc).items }])
    }
  })
})

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

describe('observeListEvents', () => {
  /** Runs `act` on `a` and returns the events seen on `a` (local) and on `b` after syncing (remote). */
  function eventsOf(act: (doc: Y.Doc) => void, setup: (doc: Y.Doc) => void = () => {}) {
    const a = replica(1)
    const b = replica(2)
    setup(a.doc)
    syncAll(a.doc, b.doc)
    const local: ListEvent[] = []
    const remote: ListEvent[] = []
    const stopLocal = observeListEvents(a.doc, (event) => local.push(event))
    const stopRemote = observeListEvents(b.doc, (event) => remote.push(event))
    act(a.doc)
    syncAll(a.doc, b.doc)
    stopLocal()
    stopRemote()
    return { local, remote, doc: a.doc }
  }

  function expectBoth(result: ReturnType<typeof eventsOf>, expected: (local: boolean) => unknown[]) {
    expect(result.local).toEqual(expected(true))
    expect(result.remote).toEqual(expected(false))
  }

  const withMilk = (doc: Y.Doc) => {
    addItem(doc, { text: 'milk', createdBy: 'alice' })
  }
  const milkId = (doc: Y.Doc) => listItems(doc).items[0]!.id

  it('item_created carries the new item', () => {
    let id = ''
    const result = eventsOf((doc) => {
      id = addItem(doc, { text: 'milk', createdBy: 'alice' })
    })
    const item = getItem(result.doc, id)
    expectBoth(result, (local) => [{ type: 'item_created', local, origin: local ? null : 'test', item }])
  })

  it('item_updated names the changed fields', () => {
    const result = eventsOf((doc) => updateItem(doc, milkId(doc), { text: 'oat milk', quantity: '2' }), withMilk)
    const item = getItem(result.doc, milkId(result.doc))!
    expectBoth(result, (local) => [
      expect.objectContaining({
        type: 'item_updated',
        local,
        item,
        changes: ['text', 'quantity'],
        previous: { ...item, text: 'milk', quantity: '' },
      }),
    ])
  })

  it('item_checked and item_unchecked fire on toggling', () => {
    const checked = eventsOf((doc) => setChecked(doc, milkId(doc), true), withMilk)
    expectBoth(checked, (local) => [
      expect.objectContaining({ type: 'item_checked', local, item: getItem(checked.doc, milkId(checked.doc)) }),
    ])
    const unchecked = eventsOf(
      (doc) => setChecked(doc, milkId(doc), false),
      (doc) => setChecked(doc, addItem(doc, { text: 'milk', createdBy: 'alice' }), true),
    )
    expectBoth(unchecked, (local) => [
      expect.objectContaining({ type: 'item_unchecked', local, item: getItem(unchecked.doc, milkId(unchecked.doc)) }),
    ])
  })

  it('item_deleted carries the id and the last known item', () => {
    let before: unknown
    const result = eventsOf((doc) => {
      before = getItem(doc, milkId(doc))
      removeItem(doc, milkId(doc))
    }, withMilk)
    expectBoth(result, (local) => [
      expect.objectContaining({ type: 'item_deleted', local, id: (before as { id: string }).id, item: before }),
    ])
  })

  it('removeChecked of 3 items emits one items_bulk_deleted with all ids', () => {
    let removed: string[] = []
    const result = eventsOf(
      (doc) => {
        removed = removeChecked(doc)
      },
      (doc) => {
        for (const text of ['a', 'b', 'c', 'd']) {
          const id = addItem(doc, { text, createdBy: 'alice' })
          if (text !== 'd') setChecked(doc, id, true)
        }
      },
    )
    expect(removed).toHaveLength(3)
    expectBoth(result, (local) => [
      expect.objectContaining({ type: 'items_bulk_deleted', local, ids: removed, items: expect.any(Array) }),
    ])
  })

  it('category_created, category_updated and category_deleted fire with the category', () => {
    let id = ''
    const created = eventsOf((doc) => {
      id = addCategory(doc, { name: 'Dairy' })
    })
    const category = listCategories(created.doc)[0]
    expect(category?.id).toBe(id)
    expectBoth(created, (local) => [expect.objectContaining({ type: 'category_created', local, category })])

    const updated = eventsOf(
      (doc) => renameCategory(doc, listCategories(doc)[0]!.id, 'Milk'),
      (doc) => {
        addCategory(doc, { name: 'Dairy' })
      },
    )
    expectBoth(updated, (local) => [
      expect.objectContaining({
        type: 'category_updated',
        local,
        changes: ['name'],
        category: listCategories(updated.doc)[0],
      }),
    ])

    let gone: unknown
    const deleted = eventsOf(
      (doc) => {
        gone = listCategories(doc)[0]
        removeCategory(doc, listCategories(doc)[0]!.id)
      },
      (doc) => {
        addCategory(doc, { name: 'Dairy' })
      },
    )
    expectBoth(deleted, (local) => [
      expect.objectContaining({ type: 'category_deleted', local, id: (gone as { id: string }).id, category: gone }),
    ])
  })

  it('removing a category reports its items as updated (categoryId) before the category_deleted', () => {
    const result = eventsOf(
      (doc) => removeCategory(doc, listCategories(doc)[0]!.id),
      (doc) => {
        const dairy = addCategory(doc, { name: 'Dairy' })
        addItem(doc, { text: 'milk', categoryId: dairy, createdBy: 'alice' })
      },
    )
    expectBoth(result, (local) => [
      expect.objectContaining({ type: 'item_updated', local, changes: ['categoryId'] }),
      expect.objectContaining({ type: 'category_deleted', local }),
    ])
  })

  it('restoring a category reports the items filed under it as updated (categoryId), and no other item', () => {
    const result = eventsOf(
      (doc) => restoreCategory(doc, [...categoriesMap(doc).keys()][0]!),
      (doc) => {
        const dairy = addCategory(doc, { name: 'Dairy' })
        addItem(doc, { text: 'milk', categoryId: dairy, createdBy: 'alice' })
        addItem(doc, { text: 'bread', createdBy: 'alice' })
        removeCategory(doc, dairy)
      },
    )
    expectBoth(result, (local) => [
      expect.objectContaining({ type: 'category_created', local }),
      expect.objectContaining({ type: 'item_updated', local, item: expect.objectContaining({ text: 'milk' }), changes: ['categoryId'] }),
    ])
  })

  it('a remote update that both creates and edits an item emits one item_created with the final state', () => {
    const a = replica(1)
    const b = replica(2)
    const remote: ListEvent[] = []
    observeListEvents(b.doc, (event) => remote.push(event))
    const id = addItem(a.doc, { text: 'milk', createdBy: 'alice' })
    updateItem(a.doc, id, { text: 'oat milk', quantity: '2' })
    setChecked(a.doc, id, true)
    syncAll(a.doc, b.doc)
    expect(remote).toEqual([{ type: 'item_created', local: false, origin: 'test', item: getItem(a.doc, id) }])
  })

  it('unsubscribing stops events', () => {
    const { doc } = replica(1)
    const events: ListEvent[] = []
    const stop = observeListEvents(doc, (event) => events.push(event))
    addItem(doc, { text: 'milk', createdBy: 'alice' })
    stop()
    addItem(doc, { text: 'eggs', createdBy: 'alice' })
    expect(events.map((event) => event.type)).toEqual(['item_created'])
  })
})

// ---------------------------------------------------------------------------
// Hybrid logical clock
// ---------------------------------------------------------------------------

describe('hybrid logical clock', () => {
  it('encodes to fixed-width strings whose string order is (wall, counter, clientID) order, for clientIDs up to 2^53', () => {
    const stamps = [
      encodeTimestamp({ wall: 999, counter: 5, clientId: Number.MAX_SAFE_INTEGER }),
      encodeTimestamp({ wall: 1000, counter: 0, clientId: 9 }),
      encodeTimestamp({ wall: 1000, counter: 0, clientId: 10 }),
      encodeTimestamp({ wall: 1000, counter: 0, clientId: 4_000_000_000 }),
      encodeTimestamp({ wall: 1000, counter: 0, clientId: 2 ** 53 - 2 }),
      encodeTimestamp({ wall: 1000, counter: 1, clientId: 1 }),
      encodeTimestamp({ wall: 1_700_000_000_000, counter: 0, clientId: 0 }),
    ]
    expect(stamps[1]).toBe('000000000001000-000000-0000000000000009')
    expect([...stamps].sort()).toEqual(stamps)
    expect(parseTimestamp(stamps[0])).toEqual({ wall: 999, counter: 5, clientId: Number.MAX_SAFE_INTEGER })
    expect(parseTimestamp(stamps[5])).toEqual({ wall: 1000, counter: 1, clientId: 1 })
  })

  it('reads v1 timestamps (10-digit clientID) in the same order as v2 ones', () => {
    const v1 = '000000000001000-000000-3141592653'
    expect(parseTimestamp(v1)).toEqual({ wall: 1000, counter: 0, clientId: 3_141_592_653 })
    expect(normalizeTimestamp(v1)).toBe(encodeTimestamp({ wall: 1000, counter: 0, clientId: 3_141_592_653 }))
    const later = encodeTimestamp({ wall: 1000, counter: 0, clientId: 3_141_592_654 })
    const earlier = encodeTimestamp({ wall: 1000, counter: 0, clientId: 999 })
    expect(normalizeTimestamp(earlier)! < normalizeTimestamp(v1)! && normalizeTimestamp(v1)! < later).toBe(true)
    expect(normalizeTimestamp('000000000001000-000000-99999999999999999')).toBeNull() // 17 digits
    expect(parseTimestamp('000000000001000-000000-9999999999999999')).toBeNull() // above 2^53
    // normalizeTimestamp accepts a v2 timestamp exactly when parseTimestamp does, the largest clientID included.
    for (const stamp of ['000000000001000-000000-9007199254740991', '000000000001000-000000-9007199254740992', '000000000001000-000000-9999999999999999', '000000000001000-000000-0000000000000000', '00000000000100a-000000-0000000000000001', '000000000001000-000000+0000000000000001'])
      expect(normalizeTimestamp(stamp), stamp).toBe(parseTimestamp(stamp) ? stamp : null)
    expect(normalizeTimestamp('000000000001000-000000-9007199254740991')).not.toBeNull()
  })

  it('never throws: a far-future timestamp makes it saturate, not overflow', () => {
    const clock = new HybridLogicalClock({ now: () => 1_000, maxAheadMs: Infinity })
    clock.observe('999999999999999-999999-0000000000000007')
    const first = clock.tick(1)
    expect(first).toBe('999999999999999-999999-0000000000000001')
    expect(clock.tick(2)).toBe('999999999999999-999999-0000000000000002')
    expect(() => new HybridLogicalClock({ now: () => Number.NaN }).tick(1)).not.toThrow()
  })

  it('does not adopt a timestamp more than a day ahead of its own time (a forged one)', () => {
    const clock = new HybridLogicalClock({ now: () => 1_000_000 })
    clock.observe(encodeTimestamp({ wall: 1_000_000 + 25 * 3_600_000, counter: 0, clientId: 5 }))
    expect(parseTimestamp(clock.tick(1))?.wall).toBe(1_000_000)
    clock.observe(encodeTimestamp({ wall: 1_000_000 + 3_600_000, counter: 0, clientId: 5 }))
    expect(parseTimestamp(clock.tick(1))?.wall).toBe(1_000_000 + 3_600_000)
  })

  it('ticks strictly upward even when the wall clock goes backwards', () => {
    let now = 5_000
    const clock = new HybridLogicalClock({ now: () => now })
    const first = clock.tick(1)
    now = 4_000
    const second = clock.tick(1)
    const third = clock.tick(1)
    expect(first < second && second < third).toBe(true)
    expect(parseTimestamp(third)).toEqual({ wall: 5_000, counter: 2, clientId: 1 })
  })

  it('ticks past an observed future timestamp, whatever the clientIDs', () => {
    const clock = new HybridLogicalClock({ now: () => 1_000 })
    const future = encodeTimestamp({ wall: 9_000_000, counter: 3, clientId: 4_000_000_000 })
    clock.observe(future)
    expect(clock.tick(1) > future).toBe(true)
  })

  it('ignores malformed timestamps', () => {
    const clock = new HybridLogicalClock({ now: () => 1_000 })
    for (const bad of ['zzz', '9999999999999999-000000-0000000001', '000000000002000-000000-00001', 42, null]) clock.observe(bad)
    expect(parseTimestamp(clock.tick(1))?.wall).toBe(1_000)
    expect(parseTimestamp('1000-0-1')).toBeNull()
  })
})

// ---------------------------------------------------------------------------
// The documented Yjs layout, as another client would use it
// ---------------------------------------------------------------------------

describe('Yjs layout for third-party clients', () => {
  it('an item written by hand in layout v1 (nested registers, 10-digit timestamps) reads back and can be edited', () => {
    const foreign = new Y.Doc()
    foreign.clientID = 123
    const stamp = (n: number) => `000000000001000-${String(n).padStart(6, '0')}-0000000123`
    const register = (value: unknown, n: number) => {
      const map = new Y.Map<unknown>()
      map.set('123', { v: value, t: stamp(n) })
      return map
    }
    foreign.transact(() => {
      const category = new Y.Map<unknown>()
      category.set('name', register('Dairy', 0))
      category.set('order', register('a0', 1))
      category.set('createdAt', 1_000)
      foreign.getMap('categories').set('cat-1', category)
      const item = new Y.Map<unknown>()
      item.set('text', new Y.Text('milk'))
      item.set('createdBy', 'bob')
      item.set('createdAt', 1_000)
      item.set('checked', register(true, 2))
      item.set('quantity', register('2 l', 3))
      item.set('category', register('cat-1', 4))
      item.set('order', register('a0', 5))
      foreign.getMap('items').set('item-1', item)
      foreign.getMap('title').set('123', { v: 'Shop', t: stamp(6) })
    })
    const { doc } = replica(1)
    syncAll(foreign, doc)
    expect(getTitle(doc)).toBe('Shop')
    const milk = { id: 'item-1', text: 'milk', checked: true, quantity: '2 l', categoryId: 'cat-1', order: 'a0', createdBy: 'bob', createdAt: 1_000 }
    expect(getItem(doc, 'item-1')).toEqual(milk)
    expect(listCategories(doc)).toEqual([{ id: 'cat-1', name: 'Dairy', order: 'a0', createdAt: 1_000 }])
    setChecked(doc, 'item-1', false)
    removeCategory(doc, 'cat-1')
    syncAll(foreign, doc)
    // v2 writes land as flat entries beside the v1 register, which is left as it was.
    const item = foreign.getMap('items').get('item-1') as Y.Map<unknown>
    expect(item.get('checked:1')).toEqual({ v: false, t: expect.stringMatching(/^\d{15}-\d{6}-0{15}1$/) })
    expect((item.get('checked') as Y.Map<unknown>).toJSON()).toEqual({ '123': { v: true, t: stamp(2) } })
    expect(getItem(foreign, 'item-1')).toEqual({ ...milk, checked: false, categoryId: null })
  })

  it('an item written by hand in layout v2 (flat entries, absent fields) reads back with defaults', () => {
    const foreign = new Y.Doc()
    foreign.clientID = 2 ** 53 - 1 // a Yrs-sized clientID
    const t = (n: number) => encodeTimestamp({ wall: 1_000, counter: n, clientId: foreign.clientID })
    foreign.transact(() => {
      const item = new Y.Map<unknown>()
      item.set('text', new Y.Text('bread'))
      item.set('createdBy', 'carol')
      item.set('createdAt', 1_000)
      item.set(`order:${foreign.clientID}`, { v: 'a0', t: t(0) })
      foreign.getMap('items').set('item-2', item)
    })
    const { doc } = replica(1)
    syncAll(foreign, doc)
    expect(getItem(doc, 'item-2')).toEqual({ id: 'item-2', text: 'bread', checked: false, quantity: '', categoryId: null, order: 'a0', createdBy: 'carol', createdAt: 1_000 })
  })

  it('malformed entries from a misbehaving client are ignored the same way by every reader', () => {
    const { doc } = replica(1)
    const id = addItem(doc, { text: 'milk', quantity: '1', createdBy: 'alice' })
    const item = doc.getMap('items').get(id) as Y.Map<unknown>
    doc.transact(() => {
      item.set('quantity:666', { v: 'bad timestamp', t: '9999' })
      item.set('quantity:667', { v: 42, t: encodeTimestamp({ wall: 9e12, counter: 0, clientId: 667 }) })
      item.set('order:668', { v: 'not a key!', t: encodeTimestamp({ wall: 9e12, counter: 0, clientId: 668 }) })
      item.set('quantity:x', { v: 'bad key', t: encodeTimestamp({ wall: 9e12, counter: 0, clientId: 669 }) })
      item.set('deleted:670', 'not an entry')
      item.set('createdAt', 'yesterday')
    })
    expect(getItem(doc, id)).toMatchObject({ quantity: '1', order: 'a0', createdAt: 0 })
    updateItem(doc, id, { quantity: '2' }) // and writing over them still works
    expect(getItem(doc, id)?.quantity).toBe('2')
  })

  it('a writer with a 53-bit clientID (as Yrs picks) round-trips every field', () => {
    const big = replica(2 ** 53 - 1)
    const small = replica(7)
    setTitle(big.doc, 'Groceries')
    const dairy = addCategory(big.doc, { name: 'Dairy' })
    const bakery = addCategory(big.doc, { name: 'Bakery' })
    const milk = addItem(big.doc, { text: 'milk', quantity: '2 l', categoryId: dairy, createdBy: 'yrs-user' })
    const bread = addItem(big.doc, { text: 'bread', createdBy: 'yrs-user' })
    setChecked(big.doc, bread, true)
    moveItem(big.doc, milk, { after: bread })
    moveCategory(big.doc, bakery, { after: null })
    renameCategory(big.doc, dairy, 'Milk & co')
    editItemText(big.doc, milk, (text) => text.insert(4, ' (oat)'))
    syncAll(big.doc, small.doc)
    expect(listItems(small.doc)).toEqual(listItems(big.doc))
    expect(listItems(small.doc)).toMatchObject({
      title: 'Groceries',
      items: [
        { id: bread, checked: true },
        { id: milk, text: 'milk (oat)', quantity: '2 l', categoryId: dairy },
      ],
    })
    expect(listCategories(small.doc).map((c) => c.name)).toEqual(['Bakery', 'Milk & co'])
    // A later write from a 32-bit replica wins, and the 53-bit one's later write wins back.
    small.clock.ms += 1_000
    updateItem(small.doc, milk, { quantity: '1 l' })
    syncAll(big.doc, small.doc)
    expect(getItem(big.doc, milk)?.quantity).toBe('1 l')
    big.clock.ms += 2_000
    updateItem(big.doc, milk, { quantity: '3 l' })
    removeItem(big.doc, bread)
    syncAll(big.doc, small.doc)
    expect(getItem(small.doc, milk)?.quantity).toBe('3 l')
    expect(getItem(small.doc, bread)).toBeNull()
  })

  it('a field added later (absent on old items) reads as its default and no concurrent write of it is lost', () => {
    // What adding a `due` field would look like: writers set `due:<clientID>`; no nested type is created.
    const { a, b, itemIds } = twoReplicasWithItems(['milk'])
    const [milk] = itemIds as [string]
    const read = (doc: Y.Doc) => readField(doc.getMap('items').get(milk) as Y.Map<unknown>, 'due', (v): v is string => typeof v === 'string')
    expect(read(a.doc)).toBeUndefined()
    const writeDue = (doc: Y.Doc, value: string) =>
      doc.transact(() => writeField(doc, doc.getMap('items').get(milk) as Y.Map<unknown>, 'due', value))
    writeDue(a.doc, '2026-12-24')
    b.clock.ms += 1_000
    writeDue(b.doc, '2026-12-25')
    syncAll(a.doc, b.doc)
    const item = a.doc.getMap('items').get(milk) as Y.Map<unknown>
    expect([...item.keys()].filter((key) => key.startsWith('due:')).sort()).toEqual(['due:1', 'due:2'])
    expect(read(a.doc)).toBe('2026-12-25')
    expect(read(b.doc)).toBe('2026-12-25')
    expect(getItem(a.doc, milk)?.text).toBe('milk') // readers that do not know the field are unaffected
  })
})

describe('every change advances the writer clock', () => {
  // Durable acknowledgement compares state vectors; a delete-only change must still move one.
  const clockOfClient = (doc: Y.Doc) => Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID) ?? 0
  const mutations: Array<[string, (doc: Y.Doc, ids: { item: string; checked: string; category: string }) => void]> = [
    ['removeItem', (doc, ids) => removeItem(doc, ids.item)],
    ['removeChecked', (doc) => removeChecked(doc)],
    ['removeCategory', (doc, ids) => removeCategory(doc, ids.category)],
    ['updateItem erasing text', (doc, ids) => updateItem(doc, ids.item, { text: 'Mil' })],
  ]
  for (const [name, mutate] of mutations) {
    it(name, () => {
      const origin = new Y.Doc()
      const category = addCategory(origin, { name: 'Dairy' })
      const item = addItem(origin, { text: 'Milk', createdBy: 'u' })
      const checked = addItem(origin, { text: 'Eggs', createdBy: 'u' })
      setChecked(origin, checked, true)
      // The writer is another replica, so before the change it has written nothing of its own.
      const writer = new Y.Doc()
      Y.applyUpdate(writer, Y.encodeStateAsUpdate(origin))
      const before = clockOfClient(writer)
      mutate(writer, { item, checked, category })
      expect(clockOfClient(writer)).toBeGreaterThan(before)
    })
  }
})
