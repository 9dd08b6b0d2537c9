/**
 * The Yjs layout of a list document: the names of its shared types, how a new
 * item or category is built, and how each is read back into a plain snapshot.
 * docs/list-document.md describes the same layout for other Yjs clients.
 *
 * Readers are defensive on purpose: any client may write to the document, so
 * a field of the wrong type reads as its default instead of throwing, and
 * every replica reads the same document the same way. They read layout v1
 * (nested per-field register maps, 10-digit clientID timestamps) and v2
 * (flat `<field>:<clientID>` entries, 16-digit ones) alike.
 */
import * as Y from 'yjs'
import { beats, entryKey, fieldOfEntryKey, readEntry, registerMapEntries, readRegister, type ReadEntry, type RegisterEntry, type RegisterMap } from './lww-register.ts'
import { compareRows, FALLBACK_ORDER_KEY, isOrderKey } from './order-keys.ts'

/** Names of the root shared types. */
export const ROOT = {
  title: 'title',
  items: 'items',
  categories: 'categories',
  /** clientID → how many changes that replica made; see `noteChange`. */
  changes: 'changes',
  /** Server-written: `layout` → the layout version (absent: 1). */
  meta: 'meta',
  /** Server-written: clientID → `{u: userId, at}`, which user owns that clientID on this list. */
  writers: 'writers',
} as const

/** The layout this code writes. Readers understand every version up to it. */
export const LAYOUT_VERSION = 2

export interface Item {
  id: string
  text: string
  checked: boolean
  /** Quantity or note, '' if none. */
  quantity: string
  /** Null when uncategorised or when the category no longer exists (or is deleted). */
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
const isTrue = (value: unknown): value is true => value === true

/**
 * The register fields of items and categories, with the type a value must
 * have to count. An absent field reads as its default. Adding a field is one
 * line here (and in docs/list-document.md): nothing is created per item.
 */
export const ITEM_REGISTERS = {
  checked: isBoolean,
  quantity: isString,
  category: isStringOrNull,
  order: isOrderKey,
  /** Existence: see `isAlive`. */
  deleted: isBoolean,
  /** Written (value `true`) with every text edit, so a text edit counts as a write for existence. */
  edited: isTrue,
} as const satisfies Record<string, (value: unknown) => boolean>

export const CATEGORY_REGISTERS = {
  name: isString,
  order: isOrderKey,
  deleted: isBoolean,
} as const satisfies Record<string, (value: unknown) => boolean>

export type ItemRegister = keyof typeof ITEM_REGISTERS
export type CategoryRegister = keyof typeof CATEGORY_REGISTERS
type FieldSchema = Record<string, (value: unknown) => boolean>

/** Fields that layout v1 kept as nested register maps (keys clientID). */
const LEGACY_NESTED_FIELDS = new Set(['checked', 'quantity', 'category', 'order', 'name'])

export function titleRegister(doc: Y.Doc): RegisterMap {
  return doc.getMap(ROOT.title)
}

export function itemsMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ROOT.items)
}

export function categoriesMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ROOT.categories)
}

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ROOT.meta)
}

/** The layout version the document says it has (1 when it says nothing). */
export function readLayoutVersion(doc: Y.Doc): number {
  const version = metaMap(doc).get('layout')
  return typeof version === 'number' && Number.isInteger(version) && version > 0 ? version : 1
}

/**
 * Bumps this replica's counter in the `changes` map. Deleting in Yjs writes
 * no new struct, so a change made only of deletions (erasing text, undoing)
 * would leave the replica's state vector where it was, and durable
 * acknowledgement by state vector (docs/protocol.md) could not tell it from
 * no change at all. Writing one small value makes every change advance the
 * writer's clock. Must run inside the change's transaction.
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

/**
 * Calls `fn` with each well-formed register entry of an item or category
 * map and its field, flat (v2) and nested (v1) alike. Entries of unknown
 * fields (written by a newer version) are passed too: they count as writes
 * for existence.
 */
function forEachEntry(owner: Y.Map<unknown>, fn: (field: string, entry: ReadEntry) => void): void {
  // Straight over the map's items (what `get` reads), not `entries()`: every read of a list passes here,
  // and the iterator's wrapping objects were most of its cost.
  owner._map.forEach((struct, key) => {
    if (struct.deleted) return
    const value: unknown = struct.content.getContent()[struct.length - 1]
    if (value instanceof Y.Map) {
      if (LEGACY_NESTED_FIELDS.has(key)) for (const entry of registerMapEntries(value)) fn(key, entry)
      return
    }
    const field = fieldOfEntryKey(key)
    if (field === null) return
    const entry = readEntry(key, value)
    if (entry) fn(field, entry)
  })
}

/** Every well-formed register entry of an item or category map, by field (see `forEachEntry`). */
export function scanEntries(owner: Y.Map<unknown>): Map<string, ReadEntry[]> {
  const byField = new Map<string, ReadEntry[]>()
  forEachEntry(owner, (field, entry) => {
    const list = byField.get(field)
    if (list) list.push(entry)
    else byField.set(field, [entry])
  })
  return byField
}

/**
 * What a reader needs of an item or category map, in one pass over its
 * entries: each field's winning entry (the greatest by `beats` among values
 * of the field's type) and its existence (below), without collecting the
 * entries. Every read of an item or category goes through here.
 */
export interface FieldsRead {
  winners: Map<string, ReadEntry>
  existence: Existence
}

export function readFields(owner: Y.Map<unknown>, schema: FieldSchema): FieldsRead {
  const winners = new Map<string, ReadEntry>()
  let lastWrite = ''
  forEachEntry(owner, (field, entry) => {
    if (field !== 'deleted' && entry.t > lastWrite) lastWrite = entry.t
    // A value is checked only if it would win: checking an order key is the dearest check.
    if (Object.hasOwn(schema, field) && beats(entry, winners.get(field)) && schema[field]!(entry.v)) winners.set(field, entry)
  })
  const deletion = winners.get('deleted')
  return { winners, existence: { alive: isAlive(deletion, lastWrite), deletion, lastWrite } }
}

export interface Existence {
  alive: boolean
  /** The winning `deleted` entry, if any. */
  deletion: ReadEntry | undefined
  /** The greatest timestamp of any entry of any other field ('' when none). */
  lastWrite: string
}

/**
 * Existence is last-writer-wins: the item (or category) is deleted when the
 * winning `deleted` entry says true and is later than every entry of every
 * other field. A write made after the deletion (by HLC) brings it back with
 * that write; a deletion made after a write removes it; concurrent ones are
 * ordered by timestamp, the same way on every replica.
 */
function isAlive(deletion: ReadEntry | undefined, lastWrite: string): boolean {
  return !(deletion && deletion.v === true && deletion.t > lastWrite)
}

/** The greatest timestamp of any of its entries, its winning deletion included ('' when none). */
export function latestWrite({ deletion, lastWrite }: Existence): string {
  const deleted = deletion?.t ?? ''
  return deleted > lastWrite ? deleted : lastWrite
}

/** Every well-formed entry of every field of `owner`: what a deletion must come after. */
export function allEntries(owner: Y.Map<unknown>): ReadEntry[] {
  return [...scanEntries(owner).values()].flat()
}

export interface NewItemFields {
  text: string
  quantity: string
  categoryId: string | null
  order: string
  createdBy: string
  createdAt: number
}

/**
 * A new item map, to be set into `items` in the same transaction. Only its
 * Y.Text is a nested type (created now, never later); fields at their
 * default are not written at all.
 */
export function createItemMap(doc: Y.Doc, fields: NewItemFields, t: string): Y.Map<unknown> {
  const item = new Y.Map<unknown>()
  item.set('text', new Y.Text(fields.text))
  item.set('createdBy', fields.createdBy)
  item.set('createdAt', fields.createdAt)
  // A prelim Y.Map keeps its content until it is integrated, so the entries land together with the item.
  const entry = <T>(field: ItemRegister, v: T) => item.set(entryKey(field, doc.clientID), { v, t } satisfies RegisterEntry<T>)
  entry('order', fields.order)
  if (fields.quantity !== '') entry('quantity', fields.quantity)
  if (fields.categoryId !== null) entry('category', fields.categoryId)
  return item
}

export interface NewCategoryFields {
  name: string
  order: string
  createdAt: number
}

export function createCategoryMap(doc: Y.Doc, fields: NewCategoryFields, t: string): Y.Map<unknown> {
  const category = new Y.Map<unknown>()
  category.set('createdAt', fields.createdAt)
  category.set(entryKey('name', doc.clientID), { v: fields.name, t } satisfies RegisterEntry<string>)
  category.set(entryKey('order', doc.clientID), { v: fields.order, t } satisfies RegisterEntry<string>)
  return category
}

function readCreatedAt(owner: Y.Map<unknown>): number {
  const value = owner.get('createdAt')
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

/** The item's category as stored, whether or not that category still exists. */
export function readStoredCategoryId(item: Y.Map<unknown>): string | null {
  return (readFields(item, ITEM_REGISTERS).winners.get('category')?.v as string | null | undefined) ?? null
}

/** Tells whether a category id names a live category; reads each category at most once. */
export type CategoryCheck = (id: string) => boolean

export function liveCategories(doc: Y.Doc): CategoryCheck {
  const categories = categoriesMap(doc)
  const known = new Map<string, boolean>()
  return (id) => {
    let live = known.get(id)
    if (live === undefined) {
      const map = entryMap(categories, id)
      live = map !== null && readFields(map, CATEGORY_REGISTERS).existence.alive
      known.set(id, live)
    }
    return live
  }
}

/** The item as readers see it, or null when it is deleted. */
export function readItem(id: string, item: Y.Map<unknown>, isCategory: CategoryCheck): Item | null {
  const { winners, existence } = readFields(item, ITEM_REGISTERS)
  if (!existence.alive) return null
  const value = <T>(field: ItemRegister, fallback: T): T => (winners.get(field)?.v as T | undefined) ?? fallback
  const text = item.get('text')
  const createdBy = item.get('createdBy')
  const storedCategoryId = value<string | null>('category', null)
  return {
    id,
    text: text instanceof Y.Text ? text.toString() : '',
    checked: value('checked', false),
    quantity: value('quantity', ''),
    // A concurrent "assign to category X" can outlive X's deletion; it reads as uncategorised.
    categoryId: storedCategoryId !== null && isCategory(storedCategoryId) ? storedCategoryId : null,
    order: value('order', FALLBACK_ORDER_KEY),
    createdBy: isString(createdBy) ? createdBy : '',
    createdAt: readCreatedAt(item),
  }
}

/** What counting an item needs, read from one pass over its entries: whether it exists, is checked, and its latest write. */
export interface ItemStatus {
  alive: boolean
  checked: boolean
  /** The greatest timestamp of any of its entries, its deletion included ('' when none). */
  lastWrite: string
  /** Its order key (the lists feed previews the first open items in list order). */
  order: string
}

export function readItemStatus(item: Y.Map<unknown>): ItemStatus {
  const { winners, existence } = readFields(item, ITEM_REGISTERS)
  const checked = winners.get('checked')?.v === true
  const order = (winners.get('order')?.v as string | undefined) ?? FALLBACK_ORDER_KEY
  return { alive: existence.alive, checked: existence.alive && checked, lastWrite: latestWrite(existence), order }
}

/** The category as readers see it, or null when it is deleted. */
export function readCategory(id: string, category: Y.Map<unknown>): Category | null {
  const { winners, existence } = readFields(category, CATEGORY_REGISTERS)
  if (!existence.alive) return null
  const value = <T>(field: CategoryRegister, fallback: T): T => (winners.get(field)?.v as T | undefined) ?? fallback
  return { id, name: value('name', ''), order: value('order', FALLBACK_ORDER_KEY), createdAt: readCreatedAt(category) }
}

/** All live items, sorted by (order, id). */
export function readAllItems(doc: Y.Doc): Item[] {
  const isCategory = liveCategories(doc)
  const items: Item[] = []
  for (const [id, value] of itemsMap(doc).entries()) {
    if (!(value instanceof Y.Map)) continue
    const item = readItem(id, value as Y.Map<unknown>, isCategory)
    if (item) items.push(item)
  }
  return items.sort(compareRows)
}

/** All live categories, sorted by (order, id). */
export function readAllCategories(doc: Y.Doc): Category[] {
  const categories: Category[] = []
  for (const [id, value] of categoriesMap(doc).entries()) {
    if (!(value instanceof Y.Map)) continue
    const category = readCategory(id, value as Y.Map<unknown>)
    if (category) categories.push(category)
  }
  return categories.sort(compareRows)
}
