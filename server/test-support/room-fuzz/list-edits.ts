/**
 * The edits an honest person makes in the room fuzz, all through the public
 * functions of shared/list-document.ts (never the layout underneath): items
 * added, retyped, re-quantified, recategorised, checked, moved, removed;
 * categories added, renamed, moved, removed; the title; and undo, which
 * replays the inverse of the person's own last edit as the UI's undo does.
 */
import * as prng from 'lib0/prng'
import type * as Y from 'yjs'
import * as listDocument from '../../../shared/list-document.ts'
import {
  LIMITS,
  addCategory,
  addItem,
  listCategories,
  listItems,
  moveCategory,
  moveItem,
  removeCategory,
  removeChecked,
  removeItem,
  renameCategory,
  setChecked,
  setTitle,
  updateItem,
  type Item,
} from '../../../shared/list-document.ts'
import type { EditScope, ExplicitWrites } from './list-oracle.ts'

/**
 * Functions of the list model that not every layout version has (v2 added
 * them); looked up at run time so the fuzz runs against either.
 */
const optional = listDocument as unknown as Partial<{
  restoreItem(doc: Y.Doc, id: string): void
  restoreCategory(doc: Y.Doc, id: string): void
  editItemText(doc: Y.Doc, id: string, edit: (text: Y.Text) => void): void
}>

export interface Edit {
  /** What was done, for the trace. */
  label: string
  scope: EditScope
  /** Writes the views before and after cannot show. */
  writes: ExplicitWrites
}

interface Inverse {
  label: string
  scope: EditScope
  run(doc: Y.Doc): ExplicitWrites | void
}

/** Creation order of every id honest clients created: picks go by it, so a seed decides them whatever the ids are. */
export class CreationOrder {
  private readonly seqs = new Map<string, number>()
  private next = 0

  note(id: string): void {
    if (!this.seqs.has(id)) this.seqs.set(id, this.next++)
  }

  sorted<T extends { id: string }>(rows: readonly T[]): T[] {
    const seq = (id: string) => this.seqs.get(id) ?? Number.MAX_SAFE_INTEGER
    return [...rows].sort((a, b) => seq(a.id) - seq(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }
}

const WORDS = ['milk', 'eggs', 'bread', 'olive oil', 'tomatoes', 'rice', 'coffee', 'apples', 'soap', 'basil', 'flour', 'lemons', 'cheese', 'pasta', 'tea']
const QUANTITIES = ['', '1', '2', '6', '500 g', '1 kg', 'a dozen', 'extra virgin', '2 × 250 ml']
const CATEGORY_NAMES = ['Dairy', 'Produce', 'Bakery', 'Pantry', 'Household', 'Drinks']
const TITLES = ['Groceries', 'Weekend', 'Party', 'Camping trip', 'Week 12']
const UNDO_DEPTH = 20

type EditName =
  | 'addItem'
  | 'editText'
  | 'setQuantity'
  | 'setCategory'
  | 'toggleChecked'
  | 'moveItem'
  | 'removeItem'
  | 'removeChecked'
  | 'addCategory'
  | 'renameCategory'
  | 'moveCategory'
  | 'removeCategory'
  | 'setTitle'
  | 'undo'

const WEIGHTS: ReadonlyArray<[EditName, number]> = [
  ['addItem', 14],
  ['editText', 12],
  ['setQuantity', 7],
  ['setCategory', 6],
  ['toggleChecked', 10],
  ['moveItem', 7],
  ['removeItem', 7],
  ['removeChecked', 1],
  ['addCategory', 3],
  ['renameCategory', 2],
  ['moveCategory', 2],
  ['removeCategory', 2],
  ['setTitle', 2],
  ['undo', 7],
]
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0)

export class ListEditor {
  private readonly undoStacks = new WeakMap<Y.Doc, Inverse[]>()

  constructor(
    private readonly gen: prng.PRNG,
    private readonly order: CreationOrder,
  ) {}

  /**
   * Makes one random edit on `doc` as `userId`; null when the pick does not
   * apply to the list as it is (e.g. removing from an empty list).
   */
  edit(doc: Y.Doc, userId: string): Edit | null {
    let pick = prng.int32(this.gen, 0, TOTAL_WEIGHT - 1)
    const [name] = WEIGHTS.find(([, weight]) => (pick -= weight) < 0)!
    if (name === 'undo') return this.undo(doc)
    return this.perform(doc, userId, name)
  }

  private perform(doc: Y.Doc, userId: string, name: Exclude<EditName, 'undo'>): Edit | null {
    const gen = this.gen
    const items = this.order.sorted(listItems(doc).items)
    const categories = this.order.sorted(listCategories(doc))
    const item = items.length > 0 ? prng.oneOf(gen, items) : null
    const category = categories.length > 0 ? prng.oneOf(gen, categories) : null
    const push = (inverse: Inverse | null) => inverse && this.pushUndo(doc, inverse)
    switch (name) {
      case 'addItem': {
        const categoryId = category && prng.bool(gen) ? category.id : null
        const after = items.length === 0 || prng.int32(gen, 0, 3) === 0 ? undefined : prng.bool(gen) ? null : prng.oneOf(gen, items).id
        const text = `${prng.oneOf(gen, WORDS)} ${prng.int32(gen, 1, 999)}`
        const quantity = prng.bool(gen) ? prng.oneOf(gen, QUANTITIES) : undefined
        const id = addItem(doc, { text, quantity, categoryId, createdBy: userId, after })
        this.order.note(id)
        push({ label: `undo add ${id}`, scope: 'items', run: (d) => removeItem(d, id) })
        return { label: `add item ${id} ${JSON.stringify(text)} after ${after === undefined ? 'the end' : after}`, scope: 'items', writes: {} }
      }
      case 'editText': {
        if (!item) return null
        const before = item.text
        const label = this.editText(doc, item)
        if (label === null) return null
        // Concurrent deletions may have left it blank: that is no text a person could set back.
        if (before.trim().length > 0) push({ label: `undo text of ${item.id}`, scope: 'items', run: (d) => updateItem(d, item.id, { text: before }) })
        return { label, scope: 'items', writes: {} }
      }
      case 'setQuantity': {
        if (!item) return null
        const quantity = prng.oneOf(gen, QUANTITIES)
        updateItem(doc, item.id, { quantity })
        push({ label: `undo quantity of ${item.id}`, scope: 'items', run: (d) => updateItem(d, item.id, { quantity: item.quantity }) })
        return { label: `quantity of ${item.id} := ${JSON.stringify(quantity)}`, scope: 'items', writes: {} }
      }
      case 'setCategory': {
        if (!item) return null
        const categoryId = category && prng.int32(gen, 0, 3) > 0 ? category.id : null
        updateItem(doc, item.id, { categoryId })
        push({ label: `undo category of ${item.id}`, scope: 'items', run: (d) => categorise(d, item.id, item.categoryId) })
        return { label: `category of ${item.id} := ${categoryId}`, scope: 'items', writes: categoryWrites(item, categoryId) }
      }
      case 'toggleChecked': {
        if (!item) return null
        setChecked(doc, item.id, !item.checked)
        push({ label: `undo check of ${item.id}`, scope: 'items', run: (d) => setChecked(d, item.id, item.checked) })
        return { label: `checked of ${item.id} := ${!item.checked}`, scope: 'items', writes: {} }
      }
      case 'moveItem': {
        if (!item) return null
        const view = listItems(doc).items
        const index = view.findIndex((row) => row.id === item.id)
        const predecessor = index > 0 ? view[index - 1]!.id : null
        const others = items.filter((row) => row.id !== item.id)
        const after = others.length === 0 || prng.int32(gen, 0, 3) === 0 ? null : prng.oneOf(gen, others).id
        moveItem(doc, item.id, { after })
        push({ label: `undo move of ${item.id}`, scope: 'items', run: (d) => move(d, 'items', item.id, predecessor) })
        return { label: `move ${item.id} after ${after}`, scope: 'items', writes: moveWrites(item.id, predecessor, after) }
      }
      case 'removeItem': {
        if (!item) return null
        removeItem(doc, item.id)
        const restore = optional.restoreItem
        push(restore ? { label: `undo remove of ${item.id}`, scope: 'items', run: (d) => restore(d, item.id) } : null)
        return { label: `remove ${item.id}`, scope: 'items', writes: {} }
      }
      case 'removeChecked': {
        if (!items.some((row) => row.checked)) return null
        const ids = removeChecked(doc)
        const restore = optional.restoreItem
        push(restore ? { label: `undo remove checked`, scope: 'items', run: (d) => ids.forEach((id) => restore(d, id)) } : null)
        return { label: `remove checked ${ids.join(', ')}`, scope: 'items', writes: {} }
      }
      case 'addCategory': {
        const id = addCategory(doc, { name: prng.oneOf(gen, CATEGORY_NAMES) })
        this.order.note(id)
        push({ label: `undo add category ${id}`, scope: 'categories', run: (d) => removeCategory(d, id) })
        return { label: `add category ${id}`, scope: 'categories', writes: {} }
      }
      case 'renameCategory': {
        if (!category) return null
        const name = prng.oneOf(gen, CATEGORY_NAMES)
        renameCategory(doc, category.id, name)
        push({
          label: `undo rename of ${category.id}`,
          scope: 'categories',
          run: (d) => {
            renameCategory(d, category.id, category.name)
            return { categoryName: { id: category.id, name: category.name } }
          },
        })
        return { label: `rename category ${category.id} := ${name}`, scope: 'categories', writes: { categoryName: { id: category.id, name } } }
      }
      case 'moveCategory': {
        if (!category) return null
        const index = categories.findIndex((row) => row.id === category.id)
        const view = listCategories(doc)
        const at = view.findIndex((row) => row.id === category.id)
        const predecessor = at > 0 ? view[at - 1]!.id : null
        const others = categories.filter((_, i) => i !== index)
        const after = others.length === 0 || prng.bool(gen) ? null : prng.oneOf(gen, others).id
        moveCategory(doc, category.id, { after })
        push({ label: `undo move of category ${category.id}`, scope: 'categories', run: (d) => move(d, 'categories', category.id, predecessor) })
        return { label: `move category ${category.id} after ${after}`, scope: 'categories', writes: moveWrites(category.id, predecessor, after) }
      }
      case 'removeCategory': {
        if (!category) return null
        removeCategory(doc, category.id)
        const restore = optional.restoreCategory
        push(restore ? { label: `undo remove of category ${category.id}`, scope: 'categories', run: (d) => restore(d, category.id) } : null)
        return { label: `remove category ${category.id}`, scope: 'categories', writes: {} }
      }
      case 'setTitle': {
        const previous = listItems(doc).title
        const title = prng.oneOf(gen, TITLES)
        setTitle(doc, title)
        push(
          previous === ''
            ? null
            : {
                label: 'undo title',
                scope: 'title',
                run: (d) => {
                  setTitle(d, previous)
                  return { title: previous }
                },
              },
        )
        return { label: `title := ${title}`, scope: 'title', writes: { title } }
      }
    }
  }

  /** Retypes part of the item's text: character edits at a position when the model has them, else a whole new string it diffs. */
  private editText(doc: Y.Doc, item: Item): string | null {
    const gen = this.gen
    const text = item.text
    const insert = text.length <= 1 || text.length > LIMITS.itemText - 20 ? true : prng.bool(gen)
    const at = prng.int32(gen, 0, text.length)
    const word = ` ${prng.oneOf(gen, WORDS)}`
    const span = insert ? 0 : Math.min(prng.int32(gen, 1, 4), text.length - 1)
    const from = insert ? at : Math.min(at, text.length - span)
    const next = insert ? text.slice(0, from) + word + text.slice(from) : text.slice(0, from) + text.slice(from + span)
    // A person cannot blank an item's text (the UI refuses it), in place or whole: nor could its undo restore it.
    if (next.trim().length === 0) return null
    const edit = optional.editItemText
    if (edit) {
      edit(doc, item.id, (yText) => {
        if (insert) yText.insert(from, word)
        else yText.delete(from, span)
      })
    } else {
      updateItem(doc, item.id, { text: next })
    }
    return insert ? `text of ${item.id}: insert ${JSON.stringify(word)} at ${from}` : `text of ${item.id}: delete ${span} at ${from}`
  }

  private pushUndo(doc: Y.Doc, inverse: Inverse): void {
    let stack = this.undoStacks.get(doc)
    if (!stack) this.undoStacks.set(doc, (stack = []))
    stack.push(inverse)
    if (stack.length > UNDO_DEPTH) stack.shift()
  }

  /**
   * Undoes the person's last edit still on the stack. An inverse that no
   * longer applies (its item was deleted since) is dropped, as the UI drops
   * it; it must then have written nothing.
   */
  private undo(doc: Y.Doc): Edit | null {
    const inverse = this.undoStacks.get(doc)?.pop()
    if (!inverse) return null
    let writes: ExplicitWrites = {}
    try {
      writes = inverse.run(doc) ?? {}
    } catch (err) {
      if (!/unknown (item|category)/.test(String(err))) throw err
      return null
    }
    return { label: inverse.label, scope: inverse.scope, writes }
  }
}

/**
 * A move writes the row's order unless it is where it was asked to go,
 * sometimes with the very key it had (then only existence shows the write).
 */
function moveWrites(id: string, predecessor: string | null, after: string | null): ExplicitWrites {
  return predecessor === after || after === id ? {} : { touched: [id] }
}

/** Moves a row back after its old predecessor, as undo does (its writes, as `moveWrites` says). */
function move(doc: Y.Doc, scope: 'items' | 'categories', id: string, after: string | null): ExplicitWrites {
  const rows = scope === 'items' ? listItems(doc).items : listCategories(doc)
  const at = rows.findIndex((row) => row.id === id)
  const predecessor = at > 0 ? rows[at - 1]!.id : null
  if (scope === 'items') moveItem(doc, id, { after })
  else moveCategory(doc, id, { after })
  return moveWrites(id, predecessor, after)
}

/** Assigns a category back, as undo does; a category deleted since counts as none. */
function categorise(doc: Y.Doc, itemId: string, categoryId: string | null): ExplicitWrites {
  const live = categoryId !== null && listCategories(doc).some((category) => category.id === categoryId)
  const target = live ? categoryId : null
  const item = listItems(doc).items.find((row) => row.id === itemId)
  updateItem(doc, itemId, { categoryId: target })
  return item ? categoryWrites(item, target) : {}
}

/** Setting "no category" on an item that reads as uncategorised may overwrite a deleted category's id: the view cannot tell. */
function categoryWrites(item: Item, target: string | null): ExplicitWrites {
  return target === null && item.categoryId === null ? { categoryUnknown: [item.id] } : {}
}
