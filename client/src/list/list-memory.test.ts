import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addCategory, addItem, listCategories, listItems, listPastItems, removeCategory, removeItem, renameCategory, restoreItem, setChecked, updateItem } from '../../../shared/list-document.ts'
import { itemsMap } from '../../../shared/list-layout.ts'
import { memoryOf, warmMemory } from './list-memory.ts'
import { rememberItems } from './suggestions.ts'

describe('a list’s memory, kept item by item', () => {
  it.each([1, 2, 3, 4])('is what a whole read gives after random edits, here and merged from another replica (seed %i)', (seed) => {
    const rng = prng.create(seed)
    const doc = new Y.Doc()
    const other = new Y.Doc()
    const names = ['Milk', 'milk ', 'Eggs', 'Bread', 'Crème', 'Tea']
    for (let round = 0; round < 60; round++) {
      const target = prng.int32(rng, 0, 3) === 0 ? other : doc
      const items = listItems(target).items
      const categories = listCategories(target)
      const item = items.length ? items[prng.int32(rng, 0, items.length - 1)] : undefined
      const category = categories.length ? categories[prng.int32(rng, 0, categories.length - 1)] : undefined
      switch (prng.int32(rng, 0, 8)) {
        case 0:
        case 1:
          addItem(target, { text: prng.oneOf(rng, names), quantity: prng.bool(rng) ? '2' : '', categoryId: category?.id ?? null, createdBy: 'u' })
          break
        case 2:
          if (item) setChecked(target, item.id, !item.checked)
          break
        case 3:
          if (item) updateItem(target, item.id, { text: prng.oneOf(rng, names), categoryId: category?.id ?? null })
          break
        case 4:
          if (item) removeItem(target, item.id)
          break
        case 5: {
          const gone = [...itemsMap(target).keys()].find((id) => !items.some((row) => row.id === id))
          if (gone) restoreItem(target, gone)
          break
        }
        case 6:
          if (category) renameCategory(target, category.id, `${category.name}!`)
          else addCategory(target, { name: 'Dairy' })
          break
        case 7:
          if (category && prng.bool(rng)) removeCategory(target, category.id)
          else addCategory(target, { name: `Aisle ${round}` })
          break
        default:
          Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)))
          Y.applyUpdate(other, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(other)))
      }
      if (round % 3 === 0) expect(memoryOf(doc)).toEqual(rememberItems(listPastItems(doc)))
    }
    expect(memoryOf(doc)).toEqual(rememberItems(listPastItems(doc)))
    // Unchanged, the memory is the same object (typing does not read again).
    expect(memoryOf(doc)).toBe(memoryOf(doc))
  })

  it('on a long list, remembers again only the changed texts, and a memory handed out stays as it was', () => {
    const rng = prng.create(7)
    const doc = new Y.Doc()
    for (let i = 0; i < 300; i++) addItem(doc, { text: `Item ${i % 250}`, createdBy: 'u' })
    let before = memoryOf(doc)
    expect(before).toEqual(rememberItems(listPastItems(doc)))
    for (let round = 0; round < 40; round++) {
      const items = listItems(doc).items
      const item = items[prng.int32(rng, 0, items.length - 1)]!
      const snapshot = new Map(before)
      switch (prng.int32(rng, 0, 3)) {
        case 0:
          setChecked(doc, item.id, !item.checked)
          break
        case 1:
          updateItem(doc, item.id, { text: `Item ${prng.int32(rng, 0, 260)}` })
          break
        case 2:
          removeItem(doc, item.id)
          break
        default:
          addItem(doc, { text: `New ${round}`, createdBy: 'u' })
      }
      const after = memoryOf(doc)
      expect(after).toEqual(rememberItems(listPastItems(doc)))
      expect(before).toEqual(snapshot)
      before = after
    }
  })

  it('is read whole on a page that is never idle: each slice, run late, takes its few milliseconds', () => {
    const slices: Array<{ fn: (deadline: IdleDeadline) => void; timeout: number | undefined }> = []
    const idle = globalThis as unknown as { requestIdleCallback?: unknown; cancelIdleCallback?: unknown }
    idle.requestIdleCallback = (fn: (deadline: IdleDeadline) => void, options?: IdleRequestOptions) => slices.push({ fn, timeout: options?.timeout })
    idle.cancelIdleCallback = () => {}
    try {
      const doc = new Y.Doc()
      for (let i = 0; i < 2000; i++) addItem(doc, { text: `item ${i}`, createdBy: 'u' })
      warmMemory(doc)
      let runs = 0
      while (slices.length > 0 && runs < 10_000) {
        const { fn, timeout } = slices.shift()!
        // A busy page: the browser runs the callback only once its timeout passed, with no idle time.
        expect(timeout).toBeGreaterThan(0)
        fn({ didTimeout: true, timeRemaining: () => 0 })
        runs++
      }
      expect(slices).toHaveLength(0)
      expect(runs).toBeGreaterThan(1)
      // Read and made while warming: reading it now is the memory already made.
      const made = memoryOf(doc)
      expect(made).toEqual(rememberItems(listPastItems(doc)))
      expect(memoryOf(doc)).toBe(made)
    } finally {
      delete idle.requestIdleCallback
      delete idle.cancelIdleCallback
    }
  })

  it('read a few items per idle slice while the list changes, is what a whole read gives', () => {
    const slices: Array<(deadline: IdleDeadline) => void> = []
    const idle = globalThis as unknown as { requestIdleCallback?: unknown; cancelIdleCallback?: unknown }
    idle.requestIdleCallback = (fn: (deadline: IdleDeadline) => void) => slices.push(fn)
    idle.cancelIdleCallback = () => {}
    try {
      const doc = new Y.Doc()
      const ids = Array.from({ length: 40 }, (_, i) => addItem(doc, { text: `item ${i}`, createdBy: 'u' }))
      warmMemory(doc)
      let turn = 0
      while (slices.length > 0) {
        let budget = 3
        slices.shift()!({ didTimeout: false, timeRemaining: () => (budget-- > 0 ? 5 : 0) })
        // Between slices: an item already read and one not yet read change, one is added.
        updateItem(doc, ids[turn]!, { text: `renamed ${turn}` })
        setChecked(doc, ids[39 - turn]!, true)
        addItem(doc, { text: `new ${turn}`, createdBy: 'u' })
        turn++
      }
      expect(turn).toBeGreaterThan(5)
      expect(memoryOf(doc)).toEqual(rememberItems(listPastItems(doc)))
    } finally {
      delete idle.requestIdleCallback
      delete idle.cancelIdleCallback
    }
  })
})
