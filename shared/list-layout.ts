/**
 * The Yjs layout of a list document: the names of its shared types, how a new
 * item or category is built, and how each is read back into a plain snapshot.
 * docs/list-document.md describes the same layout for other Yjs clients.
 *
 * Readers are defensive on purpose: any client may write to the document, so
 * a field of the wrong type reads as its default instead of throwing, and
 * every replica reads the same document the same way.
 */
import * as Y from 'yjs'
import { createRegister, readRegister, type RegisterMap } from './lww-register.ts'
import { compareRows, FALLBACK_ORDER_KEY, isOrderKey } from './order-keys.ts'

/** Names of the root shared types. */
export const ROOT = {
  title: 'title',
  items: 'items',
  categories: 'categories',
  /** clientID → how many changes that replica made; see `noteChange`. */
  changes: 'changes',
} as const

export interface Item {
  id: string
  text: string
  checked: boolean
  /** Quantity or note, '' if none. */
  quantity: string
  /** Null when uncategorised or when the category no longer exists. */
  categoryId: string | null
  order: string
  createdBy: string
  createdAt: number
}

export interface Category {
  id: string
  name: string
  order: string
  createdAt: number
}

const isString = (value: unknown): value is string => typeof value === 'string'
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean'
const isStringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string'

export function titleRegister(doc: Y.Doc): RegisterMap {
  return doc.getMap(ROOT.title)
}

export function itemsMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ROOT.items)
}

export function categoriesMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ROOT.categories)
}

/**
 * Bumps this replica's counter in the `changes` map. Deleting in Yjs writes
 * no new struct, so a change made only of deletions (removing an item,
 * erasing text) would leave the replica's state vector where it was, and
 * durable acknowledgement by state vector (docs/protocol.md) could not tell
 * it from no change at all. Writing one small value makes every change
 * advance the writer's clock. Must run inside the change's transaction.
 */
export function noteChange(doc: Y.Doc): void {
  const changes = doc.getMap<number>(ROOT.changes)
  const key = String(doc.clientID)
  changes.set(key, (changes.get(key) ?? 0) + 1)
}

export function readTitle(doc: Y.Doc): string {
  return readRegister(titleRegister(doc), isString) ?? ''
}

/** The nested map of one item or category, or null if absent (or not a map). */
export function entryMap(parent: Y.Map<unknown>, id: string): Y.Map<unknown> | null {
  const value = parent.get(id)
  return value instanceof Y.Map ? (value as Y.Map<unknown>) : null
}

/** A register field of an item or category; writes need it to exist. */
export function registerOf(owner: Y.Map<unknown>, field: string): RegisterMap {
  const register = owner.get(field)
  // Creating it here would race with another replica doing the same, so a
  // missing register (only a foreign client could cause that) is an error.
  if (!(register instanceof Y.Map)) throw new Error(`field "${field}" of this entry is not a register`)
  return register as RegisterMap
}

export interface NewItemFields {
  text: string
  quantity: string
  categoryId: string | null
  order: string
  createdBy: string
  createdAt: number
}

/** Every nested type an item will ever have is created here, at once. */
export function createItemMap(doc: Y.Doc, fields: NewItemFields): Y.Map<unknown> {
  const item = new Y.Map<unknown>()
  item.set('text', new Y.Text(fields.text))
  item.set('createdBy', fields.createdBy)
  item.set('createdAt', fields.createdAt)
  item.set('checked', createRegister(doc, false))
  item.set('quantity', createRegister(doc, fields.quantity))
  item.set('category', createRegister(doc, fields.categoryId))
  item.set('order', createRegister(doc, fields.order))
  return item
}

export interface NewCategoryFields {
  name: string
  order: string
  createdAt: number
}

export function createCategoryMap(doc: Y.Doc, fields: NewCategoryFields): Y.Map<unknown> {
  const category = new Y.Map<unknown>()
  category.set('name', createRegister(doc, fields.name))
  category.set('order', createRegister(doc, fields.order))
  category.set('createdAt', fields.createdAt)
  return category
}

function readCreatedAt(owner: Y.Map<unknown>): number {
  const value = owner.get('createdAt')
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

function readOrder(owner: Y.Map<unknown>): string {
  return readRegister(owner.get('order'), isOrderKey) ?? FALLBACK_ORDER_KEY
}

/** The item's category as stored, whether or not that category still exists. */
export function readStoredCategoryId(item: Y.Map<unknown>): string | null {
  return readRegister(item.get('category'), isStringOrNull) ?? null
}

export function readItem(id: string, item: Y.Map<unknown>, categories: Y.Map<unknown>): Item {
  const text = item.get('text')
  const createdBy = item.get('createdBy')
  const storedCategoryId = readStoredCategoryId(item)
  return {
    id,
    text: text instanceof Y.Text ? text.toString() : '',
    checked: readRegister(item.get('checked'), isBoolean) ?? false,
    quantity: readRegister(item.get('quantity'), isString) ?? '',
    // A concurrent "assign to category X" can outlive X's removal; it reads as uncategorised.
    categoryId: storedCategoryId !== null && entryMap(categories, storedCategoryId) ? storedCategoryId : null,
    order: readOrder(item),
    createdBy: isString(createdBy) ? createdBy : '',
    createdAt: readCreatedAt(item),
  }
}

export function readCategory(id: string, category: Y.Map<unknown>): Category {
  return {
    id,
    name: readRegister(category.get('name'), isString) ?? '',
    order: readOrder(category),
    createdAt: readCreatedAt(category),
  }
}

/** All items, sorted by (order, id). */
export function readAllItems(doc: Y.Doc): Item[] {
  const categories = categoriesMap(doc)
  const items: Item[] = []
  for (const [id, value] of itemsMap(doc).entries()) {
    if (value instanceof Y.Map) items.push(readItem(id, value as Y.Map<unknown>, categories))
  }
  return items.sort(compareRows)
}

/** All categories, sorted by (order, id). */
export function readAllCategories(doc: Y.Doc): Category[] {
  const categories: Category[] = []
  for (const [id, value] of categoriesMap(doc).entries()) {
    if (value instanceof Y.Map) categories.push(readCategory(id, value as Y.Map<unknown>))
  }
  return categories.sort(compareRows)
}
