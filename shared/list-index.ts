/**
 * `ListIndex`: a loaded list's items and categories as readers see them,
 * kept with its room so the JSON item routes never walk the document, and
 * with the web client's open list so a keystroke re-reads one item, not all.
 *
 * It follows the document's transactions: an item a transaction touched (its
 * map, its text, a v1 nested register) is marked stale and read again before
 * the index is next used; nothing else is read. The items stay sorted by
 * (order, id) (shared/sorted-rows.ts: binary search, then one splice), so finding an
 * item's place, the last item and a page after a cursor cost O(log n)
 * comparisons. Categories (a few hundred at most, see `MAX_CATEGORIES_PER_LIST`)
 * are read again whole when any of them changed, at the next use.
 *
 * A list already holding tens of thousands of items is read an item per step
 * across event-loop turns (`settle`, shared/across-turns.ts), never at once:
 * the room loads without waiting for it, and readers await `settle` first.
 * Until then `liveCounts` is an upper bound (every unread item counted as live).
 */
import * as Y from 'yjs'
import { walkAcrossTurns } from './across-turns.ts'
import { categoriesMap, entryMap, itemsMap, readAllCategories, readItem, type Category, type Item } from './list-layout.ts'
import { compareRows, neighboursIn, type OrderedRow, type RowNeighbours } from './order-keys.ts'
import { SortedRows } from './sorted-rows.ts'

/** An item as stored: `categoryId` is the stored one, whether or not that category is live. */
type StoredItem = Item

export interface ItemPage {
  /** Live items after the cursor, in list order. */
  items: Item[]
  /** Cursor of the next page; null when this page reaches the end. */
  next: string | null
}

export class ListIndex implements RowNeighbours {
  /** Live items in (order, id) order. */
  private readonly rows = new SortedRows<StoredItem>()
  private readonly byId = new Map<string, StoredItem>()
  /** The live items that are checked: `checkedIds` without reading every item. */
  private readonly checked = new Set<string>()
  /** Item ids to read again before the next use. */
  private readonly stale = new Set<string>()
  /** How many of `stale` are not in `byId` (new or unread): `liveCounts` in O(1), for every write's cap check. */
  private staleUnread = 0
  private categories: Category[] | null = null
  private liveCategoryIds = new Set<string>()
  private settling: Promise<void> | null = null
  /** The items present at construction, visited lazily by `settle` (copying tens of thousands of ids into `stale` would hold the event loop). */
  private initial: Iterator<string> | null
  /** How many of them `settle` has not visited yet. */
  private initialUnread: number
  /** Keys of the items map: bounds `liveCounts` while unsettled (an item changed before `settle` visits it counts once). */
  private keys: number

  constructor(private readonly doc: Y.Doc) {
    const items = itemsMap(doc)
    let present = 0
    for (const item of items._map.values()) if (!item.deleted) present++
    this.initial = present > 0 ? items.keys() : null
    this.initialUnread = present
    this.keys = present
    items.observe(this.onKeys)
    doc.on('afterTransaction', this.onTransaction)
  }

  destroy(): void {
    itemsMap(this.doc).unobserve(this.onKeys)
    this.doc.off('afterTransaction', this.onTransaction)
  }

  /** Whether every change so far is read: the synchronous readers below need it. */
  get settled(): boolean {
    return this.stale.size === 0 && this.initial === null
  }

  /** Reads every stale item (and every item present at construction), an item per step across event-loop turns. */
  settle(): Promise<void> {
    if (this.settled) return Promise.resolve()
    // The first step runs in a later turn, so `settling` is set before any step can clear it.
    this.settling ??= walkAcrossTurns(() => this.readNext()).then(() => {
      this.settling = null
    })
    return this.settling
  }

  /**
   * Reads every stale item (and every item present at construction) now, in
   * this turn: for a reader that needs the current view at once and pays per
   * change only what the change touched (the web client's list view).
   */
  settleNow(): void {
    while (this.readNext());
  }

  /** Reads one stale or initial item; false once settled. */
  private readNext(): boolean {
    for (const id of this.stale) {
      this.refresh(id)
      return true
    }
    if (!this.initial) return false
    const next = this.initial.next()
    if (next.done) {
      this.initial = null
      this.initialUnread = 0
      return this.stale.size > 0
    }
    this.initialUnread--
    if (!this.byId.has(next.value)) {
      this.markStale(next.value)
      this.refresh(next.value)
    }
    return true
  }

  /**
   * Live items and categories. While unsettled, an upper bound: every
   * unread item counts as live.
   */
  liveCounts(): { items: number; categories: number } {
    const items = this.settled ? this.rows.length : Math.min(this.rows.length + this.staleUnread + this.initialUnread, this.keys)
    return { items, categories: this.readCategories().length }
  }

  private readonly onKeys = (event: Y.YMapEvent<unknown>): void => {
    for (const change of event.changes.keys.values()) {
      if (change.action === 'add') this.keys++
      else if (change.action === 'delete') this.keys--
    }
  }

  /** The live item, or null (needs `settled`). */
  item(id: string): Item | null {
    this.requireSettled()
    const stored = this.byId.get(id)
    return stored ? this.resolve(stored) : null
  }

  /** The last item in list order, for appending (needs `settled`). */
  lastRow(): OrderedRow | null {
    this.requireSettled()
    return this.rows.at(this.rows.length - 1) ?? null
  }

  /** Items in list order around a place, for placing one there (shared/order-keys.ts; needs `settled`): O(log n). */
  around(after: string | null | undefined, excluding: string | null): { rows: OrderedRow[]; index: number } {
    this.requireSettled()
    return this.neighbours.around(after, excluding)
  }

  /** The id of the item just before `id` in list order (needs `settled`). */
  before(id: string): string | null | undefined {
    this.requireSettled()
    return this.neighbours.before(id)
  }

  private readonly neighbours = neighboursIn({
    size: () => this.rows.length,
    at: (index) => this.rows.at(index),
    positionOf: (id) => {
      const stored = this.byId.get(id)
      return stored ? this.rows.position(stored) : -1
    },
  })

  /** The checked items' ids in list order (needs `settled`): O(k log k) for k checked, whatever the list's length. */
  checkedIds(): string[] {
    this.requireSettled()
    return [...this.checked]
      .map((id) => this.byId.get(id)!)
      .sort(compareRows)
      .map((item) => item.id)
  }

  /** Every live item in list order (needs `settled`); an item unchanged since the last call is the same object. */
  items(): Item[] {
    this.requireSettled()
    return this.rows.slice(0).map((item) => this.resolve(item))
  }

  /** Up to `limit` live items after `cursor` (null: from the start), in list order (needs `settled`). */
  page(cursor: string | null, limit: number): ItemPage {
    this.requireSettled()
    const after = cursor === null ? null : decodeCursor(cursor)
    const start = after === null ? 0 : this.rows.indexAfter(after)
    const slice = this.rows.slice(start, start + limit)
    const last = slice[slice.length - 1]
    const next = last && start + slice.length < this.rows.length ? encodeCursor(last) : null
    return { items: slice.map((item) => this.resolve(item)), next }
  }

  /** Live categories in category order. */
  readCategories(): Category[] {
    if (!this.categories) {
      this.categories = readAllCategories(this.doc)
      this.liveCategoryIds = new Set(this.categories.map((category) => category.id))
    }
    return this.categories
  }

  isCategory(id: string): boolean {
    this.readCategories()
    return this.liveCategoryIds.has(id)
  }

  private readonly onTransaction = (transaction: Y.Transaction): void => {
    const items: AnyType = itemsMap(this.doc)
    const categories: AnyType = categoriesMap(this.doc)
    for (const [type, keys] of transaction.changed) {
      if (type === items) {
        for (const key of keys) if (key !== null) this.markStale(key)
        continue
      }
      if (type === categories) {
        this.categories = null
        continue
      }
      const owner = ownerBelow(type, items, categories)
      if (owner === categories) this.categories = null
      else if (typeof owner === 'string') this.markStale(owner)
    }
  }

  private markStale(id: string): void {
    if (this.stale.has(id)) return
    this.stale.add(id)
    if (!this.byId.has(id)) this.staleUnread++
  }

  private refresh(id: string): void {
    if (!this.stale.delete(id)) return
    if (!this.byId.has(id)) this.staleUnread--
    const previous = this.byId.get(id)
    if (previous) {
      this.rows.remove(previous)
      this.byId.delete(id)
      this.checked.delete(id)
    }
    const map = entryMap(itemsMap(this.doc), id)
    const item = map ? readItem(id, map, keepStoredCategory) : null
    if (!item) return
    this.rows.insert(item)
    this.byId.set(id, item)
    if (item.checked) this.checked.add(id)
  }

  private resolve(stored: StoredItem): Item {
    const categoryId = stored.categoryId !== null && this.isCategory(stored.categoryId) ? stored.categoryId : null
    return categoryId === stored.categoryId ? stored : { ...stored, categoryId }
  }

  private requireSettled(): void {
    if (!this.settled) throw new Error('ListIndex read before settle()')
  }
}

type AnyType = Y.AbstractType<any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** `readItem` with every category taken as live: the index resolves categories when it answers. */
const keepStoredCategory = () => true

/**
 * The item id (or `categories` itself, for a category) a changed type
 * belongs to: climbs from a nested type (an item's text, a v1 register map)
 * to the entry of `items` or `categories` holding it; null for anything else.
 */
function ownerBelow(type: AnyType, items: AnyType, categories: AnyType): string | AnyType | null {
  let current = type
  for (;;) {
    const struct = current._item
    if (struct === null) return null
    const parent = struct.parent as AnyType
    if (parent === items) return struct.parentSub
    if (parent === categories) return categories
    current = parent
  }
}

export function encodeCursor(row: OrderedRow): string {
  return Buffer.from(JSON.stringify([row.order, row.id])).toString('base64url')
}

/** The row a cursor names; throws on anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string): OrderedRow {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString())
  } catch {
    throw new Error('malformed cursor')
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') throw new Error('malformed cursor')
  return { order: parsed[0], id: parsed[1] }
}
