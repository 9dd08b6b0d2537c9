/**
 * The list document model: everything Colist does to a list, as functions of
 * a Y.Doc. Client and server both use it, so a list means the same thing on
 * either side; docs/list-document.md describes the Yjs layout underneath for
 * clients that do not use this module.
 *
 * Every mutation is one `doc.transact`, so it reaches other replicas as one
 * update and observers see it as one change. Unknown ids and invalid input
 * throw before anything is written.
 */
import * as Y from 'yjs'
import { simpleDiffString } from 'lib0/diff'
import { uuidv4 } from 'lib0/random'
import { clockOf } from './hlc.ts'
import { stampAfter, writeField, writeRegister } from './lww-register.ts'
import {
  CATEGORY_REGISTERS,
  ITEM_REGISTERS,
  allEntries,
  categoriesMap,
  createCategoryMap,
  createItemMap,
  entryMap,
  itemsMap,
  latestWrite,
  liveCategories,
  readAllCategories,
  readAllItems,
  noteChange,
  readFields,
  readItem,
  readStoredCategoryId,
  readTitle,
  titleRegister,
  type Category,
  type Item,
} from './list-layout.ts'
import {
  LIMITS,
  validBoolean,
  validCategoryName,
  validId,
  validItemText,
  validQuantity,
  validTitle,
  validUserId,
} from './list-input.ts'
import { placeAt, sortedNeighbours, type OrderedRow, type RowNeighbours } from './order-keys.ts'

export { attachClock, type ClockOptions, type HybridLogicalClock } from './hlc.ts'
export { observeListEvents, type ListEvent, type ListEventType, type ItemField, type CategoryField } from './list-events.ts'
export { LIMITS } from './list-input.ts'
export { LAYOUT_VERSION, readLayoutVersion } from './list-layout.ts'
export type { Item, Category } from './list-layout.ts'

export interface ItemGroup {
  /** Null for the uncategorised group. */
  category: Category | null
  items: Item[]
}

export interface ListView {
  title: string
  /** Every item, checked or not, in list order. */
  items: Item[]
  /**
   * Unchecked items by category: the uncategorised group first (omitted when
   * empty), then every category in category order, including empty ones so a
   * UI can show them as drop targets.
   */
  groups: ItemGroup[]
  /** Checked items in list order. */
  checked: Item[]
}

export interface NewItem {
  text: string
  quantity?: string
  categoryId?: string | null
  createdBy: string
  /** Id of the item to insert after; null inserts first; omitted appends at the end. */
  after?: string | null
  /**
   * When appending (`after` omitted): the last item in list order, if the
   * caller knows it (the server's index; null for an empty list). Then no
   * other item is read.
   */
  last?: OrderedRow | null
  /**
   * The list's rows as they are before this change (its `ListIndex`): the
   * item is placed reading only its neighbours. Without it (and without
   * `last`), every item is read.
   */
  rows?: RowNeighbours
}

export interface ItemChanges {
  text?: string
  quantity?: string
  /** Null makes the item uncategorised. */
  categoryId?: string | null
}

export interface MoveTarget {
  /** Id to place after; null places first. */
  after: string | null
}

/** Runs one mutation as one transaction that also notes the change, if it changed anything (see `noteChange`). */
function change(doc: Y.Doc, fn: () => void): void {
  doc.transact((transaction) => {
    fn()
    if (transaction.changed.size > 0 || transaction.deleteSet.clients.size > 0) noteChange(doc)
  })
}

// ---------------------------------------------------------------------------
// Title
// ---------------------------------------------------------------------------

export function setTitle(doc: Y.Doc, title: string): void {
  const value = validTitle(title)
  change(doc, () => writeRegister(doc, titleRegister(doc), value))
}

/** '' until a title is set. */
export function getTitle(doc: Y.Doc): string {
  return readTitle(doc)
}

// ---------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------

export function addItem(doc: Y.Doc, input: NewItem): string {
  const text = validItemText(input.text)
  const quantity = validQuantity(input.quantity ?? '')
  const createdBy = validUserId(input.createdBy)
  const categoryId = input.categoryId ?? null
  if (categoryId !== null) requireCategory(doc, categoryId)
  if (input.after !== undefined && input.after !== null) requireItem(doc, input.after)
  const id = uuidv4()
  change(doc, () => {
    const known = input.after === undefined ? input.last : undefined
    const neighbours = input.rows ?? sortedNeighbours(known === undefined ? readAllItems(doc) : known === null ? [] : [known])
    const { rows, index } = neighbours.around(input.after, null)
    const placement = placeAt(rows, index)
    writeOrderKeys(doc, itemsMap(doc), placement.rekeyed)
    const fields = { text, quantity, categoryId, order: placement.key, createdBy, createdAt: clockOf(doc).now() }
    itemsMap(doc).set(id, createItemMap(doc, fields, clockOf(doc).tick(doc.clientID)))
  })
  return id
}

export function updateItem(doc: Y.Doc, id: string, changes: ItemChanges): void {
  const item = requireItem(doc, id)
  const text = changes.text === undefined ? undefined : validItemText(changes.text)
  const quantity = changes.quantity === undefined ? undefined : validQuantity(changes.quantity)
  const categoryId = changes.categoryId
  if (categoryId !== undefined && categoryId !== null) requireCategory(doc, categoryId)
  change(doc, () => {
    const current = readItem(id, item, liveCategories(doc))
    if (text !== undefined && text !== current?.text) {
      replaceText(textOf(item), text)
      writeField(doc, item, 'edited', true)
    }
    if (quantity !== undefined && quantity !== current?.quantity) writeField(doc, item, 'quantity', quantity)
    // Compare with the stored id: a dangling id reads as null but should still be overwritten.
    if (categoryId !== undefined && categoryId !== readStoredCategoryId(item)) writeField(doc, item, 'category', categoryId)
  })
}

/** The item's Y.Text, for binding an editor to it (see `editItemText`); null for an unknown or deleted item. */
export function itemText(doc: Y.Doc, id: string): Y.Text | null {
  const item = entryMap(itemsMap(doc), id)
  if (!item || !readFields(item, ITEM_REGISTERS).existence.alive) return null
  const text = item.get('text')
  return text instanceof Y.Text ? text : null
}

/**
 * Edits the item's text in place, one keystroke or composition at a time:
 * `edit` inserts and deletes on the Y.Text at positions, so concurrent edits
 * merge character by character. Runs as one change that also stamps the
 * item's `edited` field, so an edit made after a deletion brings the item
 * back. Text beyond `LIMITS.itemText` is cut off in the same transaction
 * (the server refuses longer texts). Nothing is trimmed: the person may be
 * about to type past a trailing space.
 */
export function editItemText(doc: Y.Doc, id: string, edit: (text: Y.Text) => void): void {
  const item = requireItem(doc, id)
  const text = textOf(item)
  change(doc, () => {
    const before = text.toString()
    edit(text)
    if (text.length > LIMITS.itemText) text.delete(LIMITS.itemText, text.length - LIMITS.itemText)
    if (text.toString() !== before) writeField(doc, item, 'edited', true)
  })
}

export function setChecked(doc: Y.Doc, id: string, checked: boolean): void {
  const item = requireItem(doc, id)
  const value = validBoolean(checked, 'checked')
  change(doc, () => {
    if (readItem(id, item, liveCategories(doc))?.checked !== value) writeField(doc, item, 'checked', value)
  })
}

/**
 * Deletes the item: writes a deletion later than every write to it that this
 * replica has seen. A write made after the deletion (by HLC) brings it back;
 * `restoreItem` undoes it, keeping every field as it was.
 */
export function removeItem(doc: Y.Doc, id: string): void {
  const item = requireItem(doc, id)
  change(doc, () => markDeleted(doc, item, true))
}

/** Brings a deleted item back as it was (the undo of `removeItem`). */
export function restoreItem(doc: Y.Doc, id: string): void {
  const item = entryMap(itemsMap(doc), validId(id, 'item id'))
  if (!item) throw new Error(`unknown item ${id}`)
  if (readFields(item, ITEM_REGISTERS).existence.alive) return
  change(doc, () => markDeleted(doc, item, false))
}

/** The list's checked items, known without reading every item (its `ListIndex`, settled). */
export interface CheckedRows {
  checkedIds(): string[]
}

/**
 * Removes every checked item in one transaction; returns their ids in list
 * order. `checked`: the list's index, so that only the checked items are
 * read; without it, every item is.
 */
export function removeChecked(doc: Y.Doc, checked?: CheckedRows): string[] {
  let ids: string[] = []
  change(doc, () => {
    ids = checked
      ? checked.checkedIds()
      : readAllItems(doc)
          .filter((item) => item.checked)
          .map((item) => item.id)
    for (const id of ids) {
      const item = entryMap(itemsMap(doc), id)
      if (item) markDeleted(doc, item, true)
    }
  })
  return ids
}

/**
 * Puts the item right after `after` in list order (null: first). Only this
 * item's order key changes, unless its new neighbours share a key, in which
 * case the tied ones after it get fresh keys too. Moving an item after itself,
 * or to where it already is, changes nothing. `rows`: the list's rows as they
 * are before this change (its `ListIndex`), so only the item's new neighbours
 * are read; without it, every item is.
 */
export function moveItem(doc: Y.Doc, id: string, target: MoveTarget, rows?: RowNeighbours): void {
  requireItem(doc, id)
  const after = target.after
  if (after !== null) requireItem(doc, after)
  if (after === id) return
  change(doc, () => moveRow(doc, itemsMap(doc), id, after, rows ?? sortedNeighbours(readAllItems(doc))))
}

/** The item, or null for an unknown or deleted one. */
export function getItem(doc: Y.Doc, id: string): Item | null {
  const item = entryMap(itemsMap(doc), id)
  return item ? readItem(id, item, liveCategories(doc)) : null
}

export function listItems(doc: Y.Doc): ListView {
  return viewOf(readAllItems(doc), readAllCategories(doc), readTitle(doc))
}

/** The view of live `items` and `categories`, each in list order (what `listItems` gives, from an index: shared/list-index.ts). */
export function viewOf(items: Item[], categories: Category[], title: string): ListView {
  const byCategory = new Map<string | null, Item[]>([[null, []], ...categories.map((category): [string, Item[]] => [category.id, []])])
  const checked: Item[] = []
  for (const item of items) {
    if (item.checked) checked.push(item)
    else byCategory.get(item.categoryId)?.push(item)
  }
  const uncategorised = byCategory.get(null)!
  const groups: ItemGroup[] = [
    ...(uncategorised.length > 0 ? [{ category: null, items: uncategorised }] : []),
    ...categories.map((category) => ({ category, items: byCategory.get(category.id)! })),
  ]
  return { title, items, groups, checked }
}

// ---------------------------------------------------------------------------
// Categories
// ---------------------------------------------------------------------------

/**
 * Adds a category: at the end of the category order, or right after
 * `after` (null: first), so it is placed where the person made it.
 */
export function addCategory(doc: Y.Doc, input: { name: string; after?: string | null }): string {
  const name = validCategoryName(input.name)
  if (input.after !== undefined && input.after !== null) requireCategory(doc, input.after)
  const id = uuidv4()
  change(doc, () => {
    const { rows, index } = sortedNeighbours(readAllCategories(doc)).around(input.after, null)
    const placement = placeAt(rows, index)
    writeOrderKeys(doc, categoriesMap(doc), placement.rekeyed)
    const fields = { name, order: placement.key, createdAt: clockOf(doc).now() }
    categoriesMap(doc).set(id, createCategoryMap(doc, fields, clockOf(doc).tick(doc.clientID)))
  })
  return id
}

export function renameCategory(doc: Y.Doc, id: string, name: string): void {
  const category = requireCategory(doc, id)
  const value = validCategoryName(name)
  change(doc, () => writeField(doc, category, 'name', value))
}

/**
 * Deletes the category (last-writer-wins, like items). Its items are never
 * deleted with it: they read as uncategorised while it is deleted, and are
 * back in it if it is restored.
 */
export function removeCategory(doc: Y.Doc, id: string): void {
  const category = requireCategory(doc, id)
  change(doc, () => markDeleted(doc, category, true))
}

/** Brings a deleted category back, with its items. */
export function restoreCategory(doc: Y.Doc, id: string): void {
  const category = entryMap(categoriesMap(doc), validId(id, 'category id'))
  if (!category) throw new Error(`unknown category ${id}`)
  if (readFields(category, CATEGORY_REGISTERS).existence.alive) return
  change(doc, () => markDeleted(doc, category, false))
}

export function moveCategory(doc: Y.Doc, id: string, target: MoveTarget): void {
  requireCategory(doc, id)
  const after = target.after
  if (after !== null) requireCategory(doc, after)
  if (after === id) return
  change(doc, () => moveRow(doc, categoriesMap(doc), id, after, sortedNeighbours(readAllCategories(doc))))
}

export function listCategories(doc: Y.Doc): Category[] {
  return readAllCategories(doc)
}

// ---------------------------------------------------------------------------
// What the list remembers
// ---------------------------------------------------------------------------

/** An item as last written, deleted or not: what the list remembers of it (see `listPastItems`). */
export interface PastItem {
  id: string
  text: string
  quantity: string
  /** Its category as stored, even if that category is deleted now; null when none. */
  categoryId: string | null
  /** That category's name (deleted categories keep theirs until folded); null when none or unknown. */
  categoryName: string | null
  checked: boolean
  deleted: boolean
  /** The timestamp (HLC) of its latest write, its deletion included: how recent it is, the same on every replica. */
  lastWrite: string
}

/**
 * Every item the document still holds — open, checked and deleted ones
 * (deleted items stay until the server folds them, 30 days after their
 * deletion) — as last written, in no particular order. For suggestions and
 * remembered categories; reads every item once.
 */
export function listPastItems(doc: Y.Doc): PastItem[] {
  const names = new Map<string, string | null>()
  const nameOf = (categoryId: string): string | null => {
    if (!names.has(categoryId)) names.set(categoryId, pastCategoryName(doc, categoryId))
    return names.get(categoryId) ?? null
  }
  const items: PastItem[] = []
  for (const id of itemsMap(doc).keys()) {
    const item = readPastItem(doc, id, nameOf)
    if (item) items.push(item)
  }
  return items
}

/** One item as `listPastItems` reads it (null if the document has no item `id`); `nameOf` names its category. */
export function readPastItem(doc: Y.Doc, id: string, nameOf: (categoryId: string) => string | null): PastItem | null {
  const value = itemsMap(doc).get(id)
  if (!(value instanceof Y.Map)) return null
  const item = value as Y.Map<unknown>
  const { winners, existence } = readFields(item, ITEM_REGISTERS)
  const text = item.get('text')
  const categoryId = (winners.get('category')?.v as string | null | undefined) ?? null
  return {
    id,
    text: text instanceof Y.Text ? text.toString() : '',
    quantity: (winners.get('quantity')?.v as string | undefined) ?? '',
    categoryId,
    categoryName: categoryId === null ? null : nameOf(categoryId),
    checked: winners.get('checked')?.v === true,
    deleted: !existence.alive,
    lastWrite: latestWrite(existence),
  }
}

/** The name a past item's category `categoryId` goes by (deleted categories keep theirs); null when none or unknown. */
export function pastCategoryName(doc: Y.Doc, categoryId: string): string | null {
  const category = entryMap(categoriesMap(doc), categoryId)
  const name = category ? readFields(category, CATEGORY_REGISTERS).winners.get('name')?.v : undefined
  return typeof name === 'string' && name.trim() !== '' ? name : null
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** A live item's map; unknown and deleted ids throw. */
function requireItem(doc: Y.Doc, id: string): Y.Map<unknown> {
  const item = entryMap(itemsMap(doc), validId(id, 'item id'))
  if (!item || !readFields(item, ITEM_REGISTERS).existence.alive) throw new Error(`unknown item ${id}`)
  return item
}

function requireCategory(doc: Y.Doc, id: string): Y.Map<unknown> {
  const category = entryMap(categoriesMap(doc), validId(id, 'category id'))
  if (!category || !readFields(category, CATEGORY_REGISTERS).existence.alive) throw new Error(`unknown category ${id}`)
  return category
}

/** Writes `deleted` after every entry of the item or category, so it wins over every write seen so far. */
function markDeleted(doc: Y.Doc, owner: Y.Map<unknown>, deleted: boolean): void {
  writeField(doc, owner, 'deleted', deleted, stampAfter(doc, allEntries(owner)))
}

function textOf(item: Y.Map<unknown>): Y.Text {
  const text = item.get('text')
  if (!(text instanceof Y.Text)) throw new Error('item has no Y.Text "text" field')
  return text
}

/**
 * Rewrites only the changed middle of the text, so a concurrent edit
 * elsewhere in the same text survives and the two merge character by character.
 */
function replaceText(text: Y.Text, next: string): void {
  const { index, remove, insert } = simpleDiffString(text.toString(), next)
  if (remove > 0) text.delete(index, remove)
  if (insert.length > 0) text.insert(index, insert)
}

/** Moves row `id` of `parent` (items or categories) right after `after`, reading its rows through `neighbours`. */
function moveRow(doc: Y.Doc, parent: Y.Map<unknown>, id: string, after: string | null, neighbours: RowNeighbours): void {
  // Already there: writing anyway would lengthen keys and churn the register for nothing.
  if ((neighbours.before(id) ?? null) === after) return
  const { rows, index } = neighbours.around(after, id)
  const placement = placeAt(rows, index)
  writeOrderKeys(doc, parent, placement.rekeyed)
  writeOrderKeys(doc, parent, [{ id, order: placement.key }])
}

function writeOrderKeys(doc: Y.Doc, parent: Y.Map<unknown>, rows: readonly OrderedRow[]): void {
  for (const row of rows) {
    const map = entryMap(parent, row.id)
    if (map) writeField(doc, map, 'order', row.order)
  }
}
