/**
 * Semantic change events for a list document, named as the old REST API had
 * them, so the server's activity feed and notifications keep their vocabulary.
 *
 * Yjs reports changes to shared types, not to items: a remote update may
 * create an item and edit it in one go, or delete a category that items still
 * point at. So instead of translating Yjs events one by one, this keeps a
 * snapshot of every item and category, and after each transaction re-reads
 * only the ones that transaction touched and compares.
 */
import type * as Y from 'yjs'
import {
  categoriesMap,
  entryMap,
  itemsMap,
  liveCategories,
  readAllCategories,
  readCategory,
  readItem,
  type Category,
  type CategoryCheck,
  type Item,
} from './list-layout.ts'
import { walkAcrossTurns } from './across-turns.ts'
import { compareRows } from './order-keys.ts'

/** `readItem` with every category taken as live: the observer resolves categories itself, and indexes the stored ones. */
const keepStoredCategory = () => true

/** Item fields whose change is reported by `item_updated` (`checked` has its own events). */
export type ItemField = 'text' | 'quantity' | 'categoryId' | 'order'
export type CategoryField = 'name' | 'order'

interface EventBase {
  /** True when the change was made through this Y.Doc, false when it came in as an update. */
  local: boolean
  /** The transaction origin (e.g. the provider or connection that applied a remote update). */
  origin: unknown
}

export type ListEvent = EventBase &
  (
    | { type: 'item_created'; item: Item }
    | { type: 'item_updated'; item: Item; previous: Item; changes: ItemField[] }
    | { type: 'item_checked'; item: Item }
    | { type: 'item_unchecked'; item: Item }
    | { type: 'item_deleted'; id: string; item: Item }
    | { type: 'items_bulk_deleted'; ids: string[]; items: Item[] }
    | { type: 'category_created'; category: Category }
    | { type: 'category_updated'; category: Category; previous: Category; changes: CategoryField[] }
    | { type: 'category_deleted'; id: string; category: Category }
  )

export type ListEventType = ListEvent['type']

const ITEM_FIELDS: readonly ItemField[] = ['text', 'quantity', 'categoryId', 'order']
const CATEGORY_FIELDS: readonly CategoryField[] = ['name', 'order']

/**
 * Calls `listener` for every semantic change, local or remote, after the
 * transaction that made it. Returns a function that stops listening.
 * The list's state at subscription time produces no events.
 */
export function observeListEvents(doc: Y.Doc, listener: (event: ListEvent) => void): () => void {
  const observer = new ListEventObserver(doc, listener)
  observer.readBaselineNow()
  return () => observer.stop()
}

/**
 * Like `observeListEvents`, for a list that may hold tens of thousands of
 * items: the items present now are read across event-loop turns
 * (`baselineRead` settles once all are), not at once. Until then, a change
 * to an item not read yet, or to a new item, produces no event: the item is
 * read as it is after the change, as part of the baseline.
 */
export function observeListEventsAcrossTurns(
  doc: Y.Doc,
  listener: (event: ListEvent) => void,
): { stop: () => void; baselineRead: Promise<void> } {
  const observer = new ListEventObserver(doc, listener)
  return { stop: () => observer.stop(), baselineRead: observer.readBaselineAcrossTurns() }
}

class ListEventObserver {
  private readonly items: Y.Map<unknown>
  private readonly categories: Y.Map<unknown>
  private readonly knownItems = new Map<string, Item>()
  private readonly knownCategories: Map<string, Category>
  /** The items present at subscription, while their baseline is being read (a lazy walk: no copy of every id). */
  private initial: Iterator<string> | null
  private readonly touchedItems = new Set<string>()
  private readonly touchedCategories = new Set<string>()
  /** Per category id, the known items whose stored category it is, live or not: who to read again when it comes or goes. */
  private readonly filedUnder = new Map<string, Set<string>>()
  private readonly storedCategory = new Map<string, string>()

  constructor(
    private readonly doc: Y.Doc,
    private readonly listener: (event: ListEvent) => void,
  ) {
    this.items = itemsMap(doc)
    this.categories = categoriesMap(doc)
    this.knownCategories = new Map(readAllCategories(doc).map((category) => [category.id, category]))
    this.initial = this.items.keys()
    this.items.observeDeep(this.collectItems)
    this.categories.observeDeep(this.collectCategories)
    doc.on('afterTransaction', this.onTransaction)
  }

  readBaselineNow(): void {
    const isCategory = liveCategories(this.doc)
    for (const id of this.items.keys()) this.readBaseline(id, isCategory)
    this.initial = null
  }

  readBaselineAcrossTurns(): Promise<void> {
    const initial = this.initial
    if (!initial) return Promise.resolve()
    return walkAcrossTurns(() => {
      if (this.initial !== initial) return false
      const next = initial.next()
      if (next.done) {
        this.initial = null
        return false
      }
      if (!this.knownItems.has(next.value)) this.readBaseline(next.value)
      return true
    })
  }

  stop(): void {
    this.items.unobserveDeep(this.collectItems)
    this.categories.unobserveDeep(this.collectCategories)
    this.doc.off('afterTransaction', this.onTransaction)
  }

  private readBaseline(id: string, isCategory = liveCategories(this.doc)): void {
    const item = this.read(id, isCategory)
    if (item) this.knownItems.set(id, item)
  }

  /** The item as readers see it now (undefined once deleted), noting the category it is filed under. */
  private read(id: string, isCategory: CategoryCheck): Item | undefined {
    const map = entryMap(this.items, id)
    const stored = (map && readItem(id, map, keepStoredCategory)) ?? undefined
    const before = this.storedCategory.get(id)
    const after = stored?.categoryId ?? undefined
    if (before !== after) {
      if (before !== undefined) this.filedUnder.get(before)?.delete(id)
      if (after !== undefined) {
        let filed = this.filedUnder.get(after)
        if (!filed) this.filedUnder.set(after, (filed = new Set()))
        filed.add(id)
        this.storedCategory.set(id, after)
      } else this.storedCategory.delete(id)
    }
    if (!stored || stored.categoryId === null || isCategory(stored.categoryId)) return stored
    // A concurrent "assign to category X" can outlive X's deletion; it reads as uncategorised.
    return { ...stored, categoryId: null }
  }

  // Deep observers run before 'afterTransaction', so by then both sets hold
  // everything the transaction touched.
  private readonly collectItems = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => collectTouched(events, this.items, this.touchedItems)
  private readonly collectCategories = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) =>
    collectTouched(events, this.categories, this.touchedCategories)

  private readonly onTransaction = (transaction: Y.Transaction) => {
    const { touchedItems, touchedCategories } = this
    if (touchedItems.size === 0 && touchedCategories.size === 0) return
    const base: EventBase = { local: transaction.local, origin: transaction.origin }
    const categoryChanges = diffCategories(this.doc, touchedCategories, this.knownCategories, base)
    // Items point at categories by id: a category that came or went changes how the items filed under it read.
    for (const categoryId of categoryChanges.cameOrWent) for (const id of this.filedUnder.get(categoryId) ?? []) touchedItems.add(id)
    if (this.initial) {
      // While the baseline is read, an item not known yet is read as part of it, without an event.
      for (const id of touchedItems) {
        if (this.knownItems.has(id)) continue
        touchedItems.delete(id)
        this.readBaseline(id)
      }
    }
    const isCategory = liveCategories(this.doc)
    const itemEvents = diffItems(touchedItems, this.knownItems, (id) => this.read(id, isCategory), base)
    touchedItems.clear()
    touchedCategories.clear()
    // Categories appear before the items filed under them and disappear after.
    for (const event of [...categoryChanges.before, ...itemEvents, ...categoryChanges.after]) this.listener(event)
  }
}

/** Adds the ids of the root map's entries that `events` changed, directly or deep inside. */
function collectTouched(
  events: Array<Y.YEvent<Y.AbstractType<unknown>>>,
  root: Y.Map<unknown>,
  into: Set<string>,
): void {
  for (const event of events) {
    if (event.target === root) {
      for (const key of event.keys.keys()) into.add(key)
    } else {
      const [id] = event.path
      if (typeof id === 'string') into.add(id)
    }
  }
}

function diffCategories(
  doc: Y.Doc,
  touched: ReadonlySet<string>,
  known: Map<string, Category>,
  base: EventBase,
): { before: ListEvent[]; after: ListEvent[]; cameOrWent: string[] } {
  const categories = categoriesMap(doc)
  const before: ListEvent[] = []
  const after: ListEvent[] = []
  const cameOrWent: string[] = []
  for (const id of touched) {
    const previous = known.get(id)
    const map = entryMap(categories, id)
    const category = (map && readCategory(id, map)) ?? undefined
    if (category) known.set(id, category)
    else known.delete(id)

    if (!previous && category) {
      cameOrWent.push(id)
      before.push({ ...base, type: 'category_created', category })
    } else if (previous && !category) {
      cameOrWent.push(id)
      after.push({ ...base, type: 'category_deleted', id, category: previous })
    } else if (previous && category) {
      const changes = CATEGORY_FIELDS.filter((field) => previous[field] !== category[field])
      if (changes.length > 0) before.push({ ...base, type: 'category_updated', category, previous, changes })
    }
  }
  return { before, after, cameOrWent }
}

function diffItems(touched: ReadonlySet<string>, known: Map<string, Item>, read: (id: string) => Item | undefined, base: EventBase): ListEvent[] {
  const changed: Array<{ previous: Item | undefined; item: Item | undefined; row: Item }> = []
  for (const id of touched) {
    const previous = known.get(id)
    const item = read(id)
    if (item) known.set(id, item)
    else known.delete(id)
    const row = item ?? previous
    if (row) changed.push({ previous, item, row })
  }
  // List order makes the event sequence the same on every replica.
  changed.sort((a, b) => compareRows(a.row, b.row))

  const events: ListEvent[] = []
  const deleted: Item[] = []
  for (const { previous, item } of changed) {
    if (!previous && item) {
      events.push({ ...base, type: 'item_created', item })
    } else if (previous && !item) {
      deleted.push(previous)
    } else if (previous && item) {
      const changes = ITEM_FIELDS.filter((field) => previous[field] !== item[field])
      if (changes.length > 0) events.push({ ...base, type: 'item_updated', item, previous, changes })
      if (previous.checked !== item.checked) {
        events.push({ ...base, type: item.checked ? 'item_checked' : 'item_unchecked', item })
      }
    }
  }
  const [onlyDeleted] = deleted
  if (deleted.length === 1 && onlyDeleted) {
    events.push({ ...base, type: 'item_deleted', id: onlyDeleted.id, item: onlyDeleted })
  } else if (deleted.length > 1) {
    events.push({ ...base, type: 'items_bulk_deleted', ids: deleted.map((item) => item.id), items: deleted })
  }
  return events
}
