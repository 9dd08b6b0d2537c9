import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  addCategory,
  addItem,
  listCategories,
  listItems,
  moveItem,
  removeCategory,
  removeChecked,
  removeItem,
  restoreItem,
  setChecked,
  updateItem,
  viewOf,
} from './list-document.ts'
import { ListIndex } from './list-index.ts'
import { itemsMap, readTitle } from './list-layout.ts'

/** Every item the index holds, page by page. */
function allPages(index: ListIndex, limit: number) {
  const items = []
  let cursor: string | null = null
  do {
    const page = index.page(cursor, limit)
    items.push(...page.items)
    cursor = page.next
  } while (cursor !== null)
  return items
}

/** Random edits of every kind on `doc`, some from a second replica merged in (as a client's write arrives). */
function randomEdits(rng: prng.PRNG, doc: Y.Doc, other: Y.Doc, steps: number): void {
  for (let step = 0; step < steps; step++) {
    const target = prng.int32(rng, 0, 3) === 0 ? other : doc
    const items = listItems(target).items
    const categories = listCategories(target)
    const pick = <T>(rows: T[]): T | undefined => (rows.length === 0 ? undefined : rows[prng.int32(rng, 0, rows.length - 1)])
    const item = pick(items)
    const category = pick(categories)
    switch (prng.int32(rng, 0, 9)) {
      case 0:
      case 1:
        addItem(target, { text: `item ${step}`, createdBy: 'u', categoryId: prng.bool(rng) ? (category?.id ?? null) : null, after: prng.bool(rng) ? undefined : (item?.id ?? null) })
        break
      case 2:
        if (item) setChecked(target, item.id, !item.checked)
        break
      case 3:
        if (item) updateItem(target, item.id, { text: `edited ${step}`, categoryId: category?.id ?? null })
        break
      case 4:
        if (item) moveItem(target, item.id, { after: pick(items)?.id ?? null })
        break
      case 5:
        if (item) removeItem(target, item.id)
        break
      case 6: {
        const gone = [...(target.getMap('items').keys() as Iterable<string>)].find((id) => !items.some((row) => row.id === id))
        if (gone) restoreItem(target, gone)
        break
      }
      case 7:
        addCategory(target, { name: `category ${step}` })
        break
      case 8:
        if (category && prng.int32(rng, 0, 3) === 0) removeCategory(target, category.id)
        break
      default:
        Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)))
        Y.applyUpdate(other, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(other)))
    }
  }
}

describe('ListIndex', () => {
  it.each([1, 2, 3, 4, 5])('agrees with a full read of the document after random edits (seed %i)', async (seed) => {
    const rng = prng.create(seed)
    const doc = new Y.Doc()
    const other = new Y.Doc()
    for (let i = 0; i < 20; i++) addItem(doc, { text: `seed ${i}`, createdBy: 'u' })
    const index = new ListIndex(doc)
    for (let round = 0; round < 10; round++) {
      randomEdits(rng, doc, other, 30)
      // Unsettled, the count is an upper bound (unread items counted live), never above the ids the list has.
      const unsettled = index.liveCounts().items
      expect(unsettled).toBeGreaterThanOrEqual(listItems(doc).items.length)
      expect(unsettled).toBeLessThanOrEqual(itemsMap(doc).size)
      await index.settle()
      const full = listItems(doc)
      expect(allPages(index, prng.int32(rng, 1, 7))).toEqual(full.items)
      expect(index.readCategories()).toEqual(listCategories(doc))
      expect(index.lastRow()?.id ?? null).toBe(full.items.at(-1)?.id ?? null)
      expect(index.liveCounts()).toEqual({ items: full.items.length, categories: listCategories(doc).length })
      for (const item of full.items) expect(index.item(item.id)).toEqual(item)
    }
    index.destroy()
  })

  it.each([6, 7, 8])('read now after every few edits, gives the view a full read gives, keeping unchanged items (seed %i)', (seed) => {
    const rng = prng.create(seed)
    const doc = new Y.Doc()
    const other = new Y.Doc()
    for (let i = 0; i < 20; i++) addItem(doc, { text: `seed ${i}`, createdBy: 'u' })
    const index = new ListIndex(doc)
    let before = new Map<string, unknown>()
    for (let round = 0; round < 30; round++) {
      randomEdits(rng, doc, other, prng.int32(rng, 1, 4))
      index.settleNow()
      expect(index.settled).toBe(true)
      const items = index.items()
      expect(viewOf(items, index.readCategories(), readTitle(doc))).toEqual(listItems(doc))
      // Items no edit touched are the same objects as before (React skips their rows).
      const same = items.filter((item) => before.get(item.id) === item).length
      if (round > 0) expect(same).toBeGreaterThan(0)
      before = new Map(items.map((item) => [item.id, item]))
    }
    index.destroy()
  })

  it('appending with the last row from the index gives the key a full read gives', async () => {
    const doc = new Y.Doc()
    const index = new ListIndex(doc)
    for (let i = 0; i < 5; i++) {
      await index.settle()
      addItem(doc, { text: `x${i}`, createdBy: 'u', last: index.lastRow() })
    }
    expect(listItems(doc).items.map((item) => item.text)).toEqual(['x0', 'x1', 'x2', 'x3', 'x4'])
  })

  it('reads a large list in slices, counting unread items as live until then', async () => {
    const doc = new Y.Doc()
    for (let i = 0; i < 3000; i++) addItem(doc, { text: `x${i}`, createdBy: 'u', last: null })
    const index = new ListIndex(doc)
    expect(index.settled).toBe(false)
    expect(index.liveCounts().items).toBe(3000)
    await index.settle()
    expect(allPages(index, 1000).length).toBe(3000)
  })
})

/** Two replicas of one list of `items` items. */
function twoReplicas(items: number): [Y.Doc, Y.Doc] {
  const a = new Y.Doc()
  const b = new Y.Doc()
  for (let i = 0; i < items; i++) addItem(a, { text: `item ${i}`, createdBy: 'u' })
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  return [a, b]
}

describe('ListIndex as the rows a move or an insertion reads (RowNeighbours)', () => {
  it('moving and inserting through the index orders the list exactly as reading every item does (seeded, ties from concurrent inserts)', () => {
    const rng = prng.create(7)
    for (let round = 0; round < 20; round++) {
      // Two replicas insert at the same places concurrently: their keys tie, and the id breaks the tie.
      const [a, b] = twoReplicas(12)
      const anchors = listItems(a).items.map((item) => item.id)
      for (let i = 0; i < 8; i++) {
        const after = anchors[prng.int32(rng, 0, anchors.length - 1)]!
        addItem(a, { text: `a ${i}`, createdBy: 'u', after })
        addItem(b, { text: `b ${i}`, createdBy: 'u', after })
      }
      Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
      // The same document twice: one edited through its index, one reading every item.
      const viaIndex = new Y.Doc()
      const whole = new Y.Doc()
      Y.applyUpdate(viaIndex, Y.encodeStateAsUpdate(a))
      Y.applyUpdate(whole, Y.encodeStateAsUpdate(a))
      const index = new ListIndex(viaIndex)
      for (let step = 0; step < 30; step++) {
        index.settleNow()
        // Same order on both (checked below), so a position names the same item in each (added items' ids differ).
        const wholeIds = listItems(whole).items.map((item) => item.id)
        const indexIds = listItems(viaIndex).items.map((item) => item.id)
        const at = prng.int32(rng, 0, wholeIds.length - 1)
        const choice = prng.int32(rng, 0, 4)
        const afterAt = choice === 0 ? null : prng.int32(rng, 0, wholeIds.length - 1)
        if (afterAt === at) continue
        const afterIn = (ids: string[]) => (afterAt === null ? null : ids[afterAt]!)
        if (choice === 4) {
          const text = `new ${step}`
          addItem(viaIndex, { text, createdBy: 'u', after: afterIn(indexIds), rows: index })
          addItem(whole, { text, createdBy: 'u', after: afterIn(wholeIds) })
        } else {
          moveItem(viaIndex, indexIds[at]!, { after: afterIn(indexIds) }, index)
          moveItem(whole, wholeIds[at]!, { after: afterIn(wholeIds) })
        }
        expect(listItems(viaIndex).items.map((item) => item.text)).toEqual(listItems(whole).items.map((item) => item.text))
      }
      index.destroy()
    }
  })
})

describe('ListIndex as the checked items removeChecked reads (CheckedRows)', () => {
  it('knows the checked items in list order as reading every item does, through checks, deletions, restores and a merge (seeded)', () => {
    const rng = prng.create(11)
    for (let round = 0; round < 10; round++) {
      const [a, b] = twoReplicas(30)
      const index = new ListIndex(a)
      const checkedByReading = () => listItems(a).checked.map((item) => item.id)
      for (let step = 0; step < 40; step++) {
        // Edits on both replicas (b's merged into a now and then): concurrent checks of one item included.
        const doc = prng.bool(rng) ? a : b
        const ids = listItems(doc).items.map((item) => item.id)
        const deleted = [...itemsMap(doc).keys()].filter((id) => !ids.includes(id))
        const id = ids[prng.int32(rng, 0, ids.length - 1)]!
        const choice = prng.int32(rng, 0, 5)
        if (choice <= 2) setChecked(doc, id, prng.bool(rng))
        else if (choice === 3) removeItem(doc, id)
        else if (choice === 4 && deleted.length > 0) restoreItem(doc, deleted[prng.int32(rng, 0, deleted.length - 1)]!)
        else {
          const after = ids[prng.int32(rng, 0, ids.length - 1)]!
          moveItem(doc, id, { after: after === id ? null : after })
        }
        if (step % 7 === 6) Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
        index.settleNow()
        expect(index.checkedIds()).toEqual(checkedByReading())
      }
      // Removing them through the index removes exactly what reading every item would.
      const whole = new Y.Doc()
      Y.applyUpdate(whole, Y.encodeStateAsUpdate(a))
      index.settleNow()
      expect(removeChecked(a, index)).toEqual(removeChecked(whole))
      expect(listItems(a).items.map((item) => item.id)).toEqual(listItems(whole).items.map((item) => item.id))
      index.settleNow()
      expect(index.checkedIds()).toEqual([])
      index.destroy()
    }
  })
})
