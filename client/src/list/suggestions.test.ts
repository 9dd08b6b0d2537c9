import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  addCategory,
  addItem,
  listCategories,
  listPastItems,
  removeCategory,
  removeItem,
  setChecked,
  updateItem,
} from '../../../shared/list-document.ts'
import { normalizeText, planAdd, rememberItems, rememberedCategory, suggest, type OtherList } from './suggestions.ts'

const USER = 'user-1'

function list(): Y.Doc {
  return new Y.Doc()
}

const memoryOf = (doc: Y.Doc) => rememberItems(listPastItems(doc))

/** A second replica holding everything `doc` has. */
function replicaOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}

describe('listPastItems', () => {
  it('holds open, checked and deleted items, with the name of a deleted category', () => {
    const doc = list()
    const dairy = addCategory(doc, { name: 'Dairy' })
    const milk = addItem(doc, { text: 'Milk', quantity: '2 l', categoryId: dairy, createdBy: USER })
    const bread = addItem(doc, { text: 'Bread', createdBy: USER })
    const eggs = addItem(doc, { text: 'Eggs', createdBy: USER })
    setChecked(doc, bread, true)
    removeItem(doc, eggs)
    removeCategory(doc, dairy)
    const past = new Map(listPastItems(doc).map((item) => [item.id, item]))
    expect(past.get(milk)).toMatchObject({ text: 'Milk', quantity: '2 l', categoryId: dairy, categoryName: 'Dairy', checked: false, deleted: false })
    expect(past.get(bread)).toMatchObject({ checked: true, deleted: false, categoryName: null })
    expect(past.get(eggs)).toMatchObject({ text: 'Eggs', deleted: true })
    expect(past.get(eggs)!.lastWrite > past.get(bread)!.lastWrite).toBe(true)
  })
})

describe('addCategory after', () => {
  it('places a new category right after another, or first', () => {
    const doc = list()
    const a = addCategory(doc, { name: 'A' })
    addCategory(doc, { name: 'B' })
    addCategory(doc, { name: 'New', after: a })
    addCategory(doc, { name: 'Top', after: null })
    expect(listCategories(doc).map((category) => category.name)).toEqual(['Top', 'A', 'New', 'B'])
  })
})

describe('suggest', () => {
  it("offers a checked 'Milk' for 'milk', and choosing it unchecks that item instead of adding one", () => {
    const doc = list()
    const milk = addItem(doc, { text: 'Milk', createdBy: USER })
    setChecked(doc, milk, true)
    const memory = memoryOf(doc)
    const [first] = suggest('milk', memory, [])
    expect(first).toMatchObject({ kind: 'checked', itemId: milk, text: 'Milk', exact: true })
    expect(planAdd('milk', first!, memory, [], null)).toEqual({ kind: 'uncheck', itemId: milk, text: 'Milk' })
    // Enter on the typed text alone does the same.
    expect(planAdd(' MILK ', null, memory, [], null)).toEqual({ kind: 'uncheck', itemId: milk, text: 'Milk' })
  })

  it('points out an item already on the list instead of adding it twice', () => {
    const doc = list()
    const dairy = addCategory(doc, { name: 'Dairy' })
    const milk = addItem(doc, { text: 'Milk', categoryId: dairy, createdBy: USER })
    const memory = memoryOf(doc)
    const plan = planAdd('milk', null, memory, listCategories(doc), null)
    expect(plan).toMatchObject({ kind: 'duplicate', itemId: milk, text: 'Milk', category: { name: 'Dairy' } })
  })

  it('an open item wins over a checked one of the same text', () => {
    const doc = list()
    const checked = addItem(doc, { text: 'Milk', createdBy: USER })
    setChecked(doc, checked, true)
    const open = addItem(doc, { text: 'milk', createdBy: USER })
    expect(planAdd('Milk', null, memoryOf(doc), [], null)).toMatchObject({ kind: 'duplicate', itemId: open })
  })

  it('suggests a deleted item with its last quantity and category, added again as a new item', () => {
    const doc = list()
    const dairy = addCategory(doc, { name: 'Dairy' })
    const yoghurt = addItem(doc, { text: 'Greek yoghurt', quantity: '500 g', categoryId: dairy, createdBy: USER })
    removeItem(doc, yoghurt)
    const memory = memoryOf(doc)
    const categories = listCategories(doc)
    const [first] = suggest('yog', memory, categories)
    expect(first).toMatchObject({ kind: 'past', text: 'Greek yoghurt', quantity: '500 g', category: { id: dairy }, itemId: null, exact: false })
    expect(planAdd('yog', first!, memory, categories, null)).toEqual({ kind: 'add', text: 'Greek yoghurt', quantity: '500 g', categoryId: dairy })
  })

  it('ranks exact, then starts-with, then word-start, then contains; nothing for an empty query', () => {
    const doc = list()
    for (const text of ['Oat milk', 'Milk chocolate', 'Buttermilk', 'Milk']) addItem(doc, { text, createdBy: USER })
    const memory = memoryOf(doc)
    expect(suggest('milk', memory, []).map((s) => s.text)).toEqual(['Milk', 'Milk chocolate', 'Oat milk', 'Buttermilk'])
    expect(suggest('m', memory, []).map((s) => s.text)).toEqual(['Milk', 'Milk chocolate', 'Oat milk'])
    expect(suggest('   ', memory, [])).toEqual([])
    expect(suggest('milk', memory, [], [], 2)).toHaveLength(2)
  })

  it("suggests items of the person's other lists, with a category of the same name in this list", () => {
    const here = list()
    const bakery = addCategory(here, { name: 'bakery' })
    addItem(here, { text: 'Butter', createdBy: USER })
    const there = list()
    const thereBakery = addCategory(there, { name: 'Bakery' })
    addItem(there, { text: 'Bagels', quantity: '6', categoryId: thereBakery, createdBy: USER })
    addItem(there, { text: 'butter', quantity: '1', createdBy: USER })
    const others: OtherList[] = [{ id: 'l2', title: 'Weekend', memory: memoryOf(there) }]
    const categories = listCategories(here)
    const found = suggest('b', memoryOf(here), categories, others)
    // This list's Butter, not the other list's; then the other list's Bagels.
    expect(found.map((s) => [s.text, s.kind, s.from])).toEqual([
      ['Butter', 'open', null],
      ['Bagels', 'elsewhere', 'Weekend'],
    ])
    expect(found[1]!.category?.id).toBe(bakery)
    expect(planAdd('b', found[1]!, memoryOf(here), categories, null)).toEqual({ kind: 'add', text: 'Bagels', quantity: '6', categoryId: bakery })
  })

  it('every replica suggests the same, in the same order', () => {
    const doc = list()
    for (const text of ['Milk', 'Mint', 'Mince', 'Muesli']) addItem(doc, { text, createdBy: USER })
    const copy = replicaOf(doc)
    expect(suggest('m', memoryOf(copy), [])).toEqual(suggest('m', memoryOf(doc), []))
  })
})

describe('remembered categories', () => {
  it('an item deleted from Dairy and added again lands in Dairy', () => {
    const doc = list()
    const dairy = addCategory(doc, { name: 'Dairy' })
    const milk = addItem(doc, { text: 'Milk', categoryId: dairy, createdBy: USER })
    removeItem(doc, milk)
    const memory = memoryOf(doc)
    expect(rememberedCategory(memory, 'milk', listCategories(doc))?.id).toBe(dairy)
    expect(planAdd('Milk', null, memory, listCategories(doc), null)).toEqual({ kind: 'add', text: 'Milk', quantity: '', categoryId: dairy })
  })

  it('is remembered by name: a category deleted and made again under the same name gets the item', () => {
    const doc = list()
    const old = addCategory(doc, { name: 'Dairy' })
    const milk = addItem(doc, { text: 'Milk', categoryId: old, createdBy: USER })
    removeItem(doc, milk)
    removeCategory(doc, old)
    expect(planAdd('milk', null, memoryOf(doc), listCategories(doc), null)).toMatchObject({ kind: 'add', categoryId: null })
    const again = addCategory(doc, { name: 'dairy' })
    expect(planAdd('milk', null, memoryOf(doc), listCategories(doc), null)).toMatchObject({ kind: 'add', categoryId: again })
  })

  it('the latest write decides: moved out of Dairy before it was deleted, it comes back uncategorised', () => {
    const doc = list()
    const dairy = addCategory(doc, { name: 'Dairy' })
    const milk = addItem(doc, { text: 'Milk', categoryId: dairy, createdBy: USER })
    updateItem(doc, milk, { categoryId: null })
    removeItem(doc, milk)
    expect(planAdd('milk', null, memoryOf(doc), listCategories(doc), null)).toMatchObject({ kind: 'add', categoryId: null })
  })

  it('a category picked for new items wins over the remembered one', () => {
    const doc = list()
    const dairy = addCategory(doc, { name: 'Dairy' })
    const fridge = addCategory(doc, { name: 'Fridge' })
    removeItem(doc, addItem(doc, { text: 'Milk', categoryId: dairy, createdBy: USER }))
    expect(planAdd('milk', null, memoryOf(doc), listCategories(doc), fridge)).toMatchObject({ categoryId: fridge })
  })

  it('new text is added as typed, in the picked category', () => {
    expect(planAdd('  Kale ', null, new Map(), [], null)).toEqual({ kind: 'add', text: 'Kale', quantity: '', categoryId: null })
  })
})

describe('normalizeText', () => {
  it('trims, collapses spaces and lower-cases without the locale', () => {
    expect(normalizeText('  Oat   MILK ')).toBe('oat milk')
    expect(normalizeText('I')).toBe('i')
  })
})
