/**
 * A list's memory (`rememberItems(listPastItems(doc))`), kept per document
 * and read again only where it changed: typing reads it per keystroke, a
 * change of the document marks the items it touched (or, for a category,
 * the category names), and the next read re-reads those items alone and
 * remembers again only the texts they had and have — a 2,000-item list is
 * read whole once, not after every change, and that once while the page is
 * idle (`warmMemory`). The person's
 * other lists are those the device sync engine already has loaded: none is
 * loaded for this, and a list that is not loaded suggests nothing.
 */
import type * as Y from 'yjs'
import { pastCategoryName, readPastItem, type PastItem } from '../../../shared/list-document.ts'
import { categoriesMap, itemsMap } from '../../../shared/list-layout.ts'
import type { DeviceSync } from '../sync/device-sync.ts'
import { listsCache } from '../sync/offline-store.ts'
import { normalizeText, rememberItems, type ListMemory, type OtherList } from './suggestions.ts'

class DocMemory {
  private readonly past = new Map<string, PastItem>()
  /** Each kept item's normalized text. */
  private readonly keys = new WeakMap<PastItem, string>()
  /** The items not read yet (null before the first read starts, and once all are read). */
  private unread: Iterator<string> | null = null
  private started = false
  /** Items changed since they were read. */
  private readonly dirty = new Set<string>()
  private namesChanged = false
  /** The kept items' ids by normalized text. */
  private readonly byKey = new Map<string, Set<string>>()
  /** Texts whose items changed since the memory was made. */
  private readonly staleKeys = new Set<string>()
  /** The last memory made; the next is a copy with the stale texts remembered again. */
  private made: ListMemory = new Map()
  private memory: ListMemory | null = null
  private names = new Map<string, string | null>()
  private readonly nameOf = (categoryId: string): string | null => {
    if (!this.names.has(categoryId)) this.names.set(categoryId, pastCategoryName(this.doc, categoryId))
    return this.names.get(categoryId) ?? null
  }

  constructor(private readonly doc: Y.Doc) {
    const items = itemsMap(doc)
    items.observeDeep((events) => {
      this.memory = null
      for (const event of events) {
        if (event.target === items) for (const key of (event as Y.YMapEvent<unknown>).keysChanged) this.dirty.add(key)
        else if (typeof event.path[0] === 'string') this.dirty.add(event.path[0])
      }
    })
    categoriesMap(doc).observeDeep(() => {
      this.memory = null
      this.namesChanged = true
      this.names = new Map()
    })
  }

  /** Reads items not read yet until `more()` says stop; true once every item is read. */
  readSome(more: () => boolean): boolean {
    if (!this.started) {
      this.started = true
      this.unread = itemsMap(this.doc).keys()
    }
    while (this.unread && more()) {
      const next = this.unread.next()
      if (next.done) this.unread = null
      else this.readItem(next.value)
    }
    return this.unread === null
  }

  read(): ListMemory {
    if (this.memory) return this.memory
    this.readSome(() => true)
    for (const id of this.dirty) this.readItem(id)
    this.dirty.clear()
    if (this.namesChanged) {
      this.namesChanged = false
      for (const item of this.past.values()) {
        const name = item.categoryId === null ? null : this.nameOf(item.categoryId)
        if (name !== item.categoryName) this.keep({ ...item, categoryName: name })
      }
    }
    this.memory = this.remembered()
    return this.memory
  }

  /**
   * The memory, made again only for the texts whose items changed (a copy: a memory handed out stays as
   * it was); made whole when most texts changed (the first read).
   */
  private remembered(): ListMemory {
    const keyOf = (item: PastItem) => this.keys.get(item) ?? normalizeText(item.text)
    if (this.staleKeys.size > Math.max(64, this.made.size / 4)) {
      this.made = rememberItems(this.past.values(), keyOf)
    } else if (this.staleKeys.size > 0) {
      const next = new Map(this.made)
      for (const key of this.staleKeys) {
        const ids = this.byKey.get(key)
        const entry = ids ? rememberItems([...ids].map((id) => this.past.get(id)!), keyOf).get(key) : undefined
        if (entry) next.set(key, entry)
        else next.delete(key)
      }
      this.made = next
    }
    this.staleKeys.clear()
    return this.made
  }

  private readItem(id: string): void {
    const item = readPastItem(this.doc, id, this.nameOf)
    if (item) this.keep(item)
    else this.forget(id)
  }

  private keep(item: PastItem): void {
    this.forget(item.id)
    const key = normalizeText(item.text)
    this.past.set(item.id, item)
    this.keys.set(item, key)
    let ids = this.byKey.get(key)
    if (!ids) this.byKey.set(key, (ids = new Set()))
    ids.add(item.id)
    this.staleKeys.add(key)
  }

  private forget(id: string): void {
    const item = this.past.get(id)
    if (!item) return
    this.past.delete(id)
    const key = this.keys.get(item)!
    const ids = this.byKey.get(key)
    ids?.delete(id)
    if (ids?.size === 0) this.byKey.delete(key)
    this.staleKeys.add(key)
  }
}

const memories = new WeakMap<Y.Doc, DocMemory>()

function docMemory(doc: Y.Doc): DocMemory {
  let memory = memories.get(doc)
  if (!memory) {
    memory = new DocMemory(doc)
    memories.set(doc, memory)
  }
  return memory
}

export function memoryOf(doc: Y.Doc): ListMemory {
  return docMemory(doc).read()
}

/** At most this long per idle slice (an idle period can be 50 ms: a key pressed in it would wait). */
const WARM_SLICE_MS = 8
/**
 * A slice runs after this long even when the page has not been idle. A page busy with frames and
 * background syncs can go seconds without an idle period; waiting for one, a list opened and typed
 * into at once read its items whole on the first key (a 2,000-item list: ~35 ms at 4× throttling,
 * in the render that follows the key, which a frame could not pass: the key's event took 56 ms).
 */
const WARM_WAIT_MS = 100

/**
 * Reads the list's items for its memory while the page is idle (or after WARM_WAIT_MS without an
 * idle moment), a few milliseconds at a time, so the first key typed in the add field does not
 * read a long list whole. ListSync starts it once the list is loaded and its index read. Returns
 * the cancellation.
 */
export function warmMemory(doc: Y.Doc): () => void {
  if (typeof requestIdleCallback !== 'function') return () => {}
  let handle = 0
  const slice = (deadline: IdleDeadline) => {
    const ends = performance.now() + WARM_SLICE_MS
    // Run late for want of an idle moment, the slice has no idle time left to measure: it takes its 8 ms.
    const more = deadline.didTimeout ? () => performance.now() < ends : () => deadline.timeRemaining() > 1 && performance.now() < ends
    const done = docMemory(doc).readSome(more)
    // Every item read: the memory itself is made in one more idle moment, not on the first key.
    handle = requestIdleCallback(done ? () => void docMemory(doc).read() : slice, { timeout: WARM_WAIT_MS })
  }
  handle = requestIdleCallback(slice, { timeout: WARM_WAIT_MS })
  return () => cancelIdleCallback(handle)
}

/** The person's other lists that are loaded on this device, with their memories. */
export function otherLists(engine: DeviceSync | null, userId: string, listId: string): OtherList[] {
  if (!engine) return []
  const lists: OtherList[] = []
  for (const overview of listsCache.read(userId)?.lists ?? []) {
    if (overview.id === listId) continue
    const sync = engine.list(overview.id)
    if (sync) lists.push({ id: overview.id, title: overview.title, memory: memoryOf(sync.doc) })
  }
  return lists
}
