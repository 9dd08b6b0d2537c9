/**
 * What the lists feed shows of a list's document: its title, how many items
 * are open and checked, its latest change (when, and by whom), and a preview
 * of its first open items.
 *
 * The latest change is read from the document itself, the same on every
 * node and after a restart: the greatest register timestamp (hybrid logical
 * clock, shared/hlc.ts) of any item or of the title — every change of an
 * item writes one, a text edit its `edited` entry, a deletion its `deleted`
 * entry — whose clientID the `writers` map names the owner of. A change the
 * server wrote for a user (HTTP rename, HTTP items) is under the server's
 * clientID; the room's transaction then carries a `UserChange` origin,
 * which names the user on the node that made it.
 *
 * A loaded room keeps its stats with a `DocStatsTracker`: one walk when the
 * room loads (across event-loop turns), then only the items a change touched
 * are read again, at most once per `debounceMs`, so typing in a big list
 * never walks it. A list no room holds is counted on a worker thread
 * (stored-doc-worker.ts).
 *
 * The preview (the first PREVIEW_ITEMS open items in list order) is kept the
 * same way: every open item's (order, id) sits in a sorted array
 * (shared/sorted-rows.ts) as items are read, so an item that opens, closes
 * or moves costs a binary search and a splice, and the preview is the
 * array's first rows — never a pass over the items (picking it again from
 * 60,000 open items held the event loop ~50 ms). Texts are read for the
 * previewed items only, cut to PREVIEW_TEXT_CHARS.
 */
import * as Y from 'yjs'
import { eachAcrossTurns } from '../shared/across-turns.ts'
import { parseTimestamp } from '../shared/hlc.ts'
import { PREVIEW_ITEMS, PREVIEW_TEXT_CHARS, type PreviewItem } from '../shared/lists-feed.ts'
import { ROOT, itemsMap, readItemStatus, readTitle, titleRegister } from '../shared/list-layout.ts'
import { registerMapEntries } from '../shared/lww-register.ts'
import type { OrderedRow } from '../shared/order-keys.ts'
import { SortedRows } from '../shared/sorted-rows.ts'
import { ownerIn } from './client-ids.ts'
import { FROM_FANOUT } from './peer-sync.ts'

export interface DocStats {
  title: string
  open: number
  checked: number
  /** Wall time of the latest change, or null if nothing carries a timestamp. */
  changedAt: number | null
  /** The user who made it, or null when not known (the server's own write, a legacy one). */
  changedBy: string | null
  /** The first open items in list order (at most PREVIEW_ITEMS), texts cut to PREVIEW_TEXT_CHARS. */
  preview: PreviewItem[]
}

/** Origin of a server transaction made on a user's behalf (HTTP routes): names who changed the list. */
export class UserChange {
  constructor(readonly userId: string) {}
}

export function sameStats(a: DocStats | undefined, b: DocStats | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.title === b.title &&
    a.open === b.open &&
    a.checked === b.checked &&
    a.changedAt === b.changedAt &&
    a.changedBy === b.changedBy &&
    a.preview.length === b.preview.length &&
    a.preview.every((item, i) => item.id === b.preview[i]!.id && item.text === b.preview[i]!.text)
  )
}

/** `text` cut to PREVIEW_TEXT_CHARS, never between the two halves of a surrogate pair. */
export function previewText(text: string): string {
  if (text.length <= PREVIEW_TEXT_CHARS) return text
  const end = /[\uD800-\uDBFF]/.test(text[PREVIEW_TEXT_CHARS - 1]!) ? PREVIEW_TEXT_CHARS - 1 : PREVIEW_TEXT_CHARS
  return text.slice(0, end)
}

type ItemState = 'open' | 'checked' | null

/** Counts and latest timestamp of a document, kept up to date item by item. */
class Counter {
  readonly states = new Map<string, ItemState>()
  /** Order key of every open item. */
  private readonly openOrders = new Map<string, string>()
  /** Every open item in list order: the preview is its first rows. */
  private readonly openRows = new SortedRows<OrderedRow>()
  open = 0
  checked = 0
  latest = ''

  constructor(private readonly doc: Y.Doc) {
    this.rereadTitle()
  }

  /** Reads every item (rereading is idempotent: an item read again only moves the counts it changed). */
  readAll(): void {
    for (const id of itemsMap(this.doc).keys()) this.reread(id)
  }

  /** `readAll` across event-loop turns. */
  readAllAcrossTurns(until: () => boolean): Promise<void> {
    return eachAcrossTurns(itemsMap(this.doc).keys(), (id) => {
      if (until()) return false
      this.reread(id)
    })
  }

  reread(id: string): void {
    const value = itemsMap(this.doc).get(id)
    let state: ItemState = null
    let order = ''
    if (value instanceof Y.Map) {
      const status = readItemStatus(value as Y.Map<unknown>)
      if (status.lastWrite > this.latest) this.latest = status.lastWrite
      state = !status.alive ? null : status.checked ? 'checked' : 'open'
      order = status.order
    }
    this.notePreview(id, state === 'open' ? order : null)
    const before = this.states.get(id) ?? null
    if (before === state) return
    if (before) this[before]--
    if (state) this[state]++
    if (state) this.states.set(id, state)
    else this.states.delete(id)
  }

  /** Keeps `openRows` right after item `id` was read: open with `order`, or not open (null). */
  private notePreview(id: string, order: string | null): void {
    const previous = this.openOrders.get(id) ?? null
    if (previous === order) return
    if (previous !== null) this.openRows.remove({ id, order: previous })
    if (order === null) {
      this.openOrders.delete(id)
      return
    }
    this.openOrders.set(id, order)
    this.openRows.insert({ id, order })
  }

  preview(): PreviewItem[] {
    const items = itemsMap(this.doc)
    return this.openRows.slice(0, PREVIEW_ITEMS).map(({ id }) => {
      const text = (items.get(id) as Y.Map<unknown> | undefined)?.get('text')
      return { id, text: previewText(text instanceof Y.Text ? text.toString() : '') }
    })
  }

  rereadTitle(): void {
    for (const entry of registerMapEntries(titleRegister(this.doc))) if (entry.t > this.latest) this.latest = entry.t
  }

  stats(hint: string | null): DocStats {
    const parts = this.latest ? parseTimestamp(this.latest) : null
    const owner = parts ? ownerIn(this.doc.getMap(ROOT.writers), parts.clientId) : undefined
    const changedBy = owner !== undefined && !owner.startsWith('#') ? owner : hint
    return { title: readTitle(this.doc), open: this.open, checked: this.checked, changedAt: parts?.wall ?? null, changedBy, preview: this.preview() }
  }
}

/** Stats of a document read whole (a list not loaded: from its stored snapshot and log). */
export function docStats(doc: Y.Doc): DocStats {
  const counter = new Counter(doc)
  counter.readAll()
  return counter.stats(null)
}

/** A list of at most this many item entries is counted at once (a few milliseconds); a larger one across event-loop turns. */
export const COUNT_AT_ONCE = 2000

/**
 * Follows a loaded room's document. `onChange` gets fresh stats after
 * changes this node made (a client's write here, an HTTP change), debounced;
 * updates from other nodes are counted but not reported, since the node that
 * made them reports them on the fan-out.
 */
export class DocStatsTracker {
  private readonly counter: Counter
  private readonly dirty = new Set<string>()
  private titleDirty = false
  private local = false
  private hint: string | null = null
  private timer: NodeJS.Timeout | null = null
  private current: DocStats
  /** Settles once every item present when tracking began is counted (across event-loop turns); `stats` is right from then on. */
  readonly ready: Promise<void>
  private counted = false
  private destroyed = false

  constructor(
    private readonly doc: Y.Doc,
    private readonly onChange: (stats: DocStats) => void,
    private readonly debounceMs: number,
  ) {
    this.counter = new Counter(doc)
    this.current = this.counter.stats(null)
    itemsMap(doc).observeDeep(this.onItems)
    titleRegister(doc).observe(this.onTitle)
    doc.on('update', this.onUpdate)
    if (itemsMap(doc)._map.size <= COUNT_AT_ONCE) {
      this.counter.readAll()
      this.counted = true
      this.current = this.counter.stats(null)
      this.ready = Promise.resolve()
      return
    }
    this.ready = this.counter.readAllAcrossTurns(() => this.destroyed).then(() => {
      if (this.destroyed) return
      this.counted = true
      this.current = this.counter.stats(null)
    })
  }

  get stats(): DocStats {
    return this.current
  }

  private readonly onItems = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    const items = itemsMap(this.doc)
    for (const event of events) {
      if (event.target === items) for (const key of (event as Y.YMapEvent<unknown>).keysChanged) this.dirty.add(key)
      else if (typeof event.path[0] === 'string') this.dirty.add(event.path[0])
    }
  }

  private readonly onTitle = (): void => {
    this.titleDirty = true
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    if (origin === FROM_FANOUT) return
    this.local = true
    if (origin instanceof UserChange) this.hint = origin.userId
    this.timer ??= setTimeout(this.flush, this.debounceMs)
  }

  private readonly flush = (): void => {
    this.timer = null
    for (const id of this.dirty) this.counter.reread(id)
    this.dirty.clear()
    if (this.titleDirty) this.counter.rereadTitle()
    this.titleDirty = false
    // Partial counts are never reported: a change made while counting is reported once counted.
    if (!this.counted) {
      if (this.local) void this.ready.then(() => !this.destroyed && (this.timer ??= setTimeout(this.flush, this.debounceMs)))
      return
    }
    if (!this.local) return
    this.local = false
    const stats = this.counter.stats(this.hint ?? this.current.changedBy)
    this.hint = null
    if (sameStats(stats, this.current)) return
    this.current = stats
    this.onChange(stats)
  }

  /** Reports a change waiting out the debounce now (a reader wants the current figures). */
  flushPending(): void {
    if (!this.timer) return
    clearTimeout(this.timer)
    this.flush()
  }

  /** Stops following the document (once; later calls do nothing); a change not reported yet is reported now (call it before the document's content goes). */
  destroy(): void {
    // Idempotent: the lists feed closes its trackers, and the room's document going later destroys each again.
    if (this.destroyed) return
    this.flushPending()
    this.destroyed = true
    itemsMap(this.doc).unobserveDeep(this.onItems)
    titleRegister(this.doc).unobserve(this.onTitle)
    this.doc.off('update', this.onUpdate)
  }
}
