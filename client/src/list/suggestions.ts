/**
 * Pure: what the quick add suggests as the person types, and what adding
 * does — bring a checked item back instead of duplicating it, point out an
 * item already on the list, and file an item under the category it was in
 * last time. Everything is derived from the documents (`listPastItems`:
 * open, checked and deleted items still in the document), compared by text
 * alone and ordered by HLC timestamps, so every device computes the same.
 */
import type { Category, PastItem } from '../../../shared/list-document.ts'

/** How texts are compared: trimmed, inner spaces collapsed, lower case (locale-independent, so every device agrees). */
export function normalizeText(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase()
}

/** What one list remembers of one text. */
export interface Remembered {
  /** The most recently written item with this text, whatever its state: its quantity and category are "last time's". */
  latest: PastItem
  /** The most recently written open (alive, unchecked) item with this text, if any. */
  open: PastItem | null
  /** The most recently written checked (alive) item with this text, if any. */
  checked: PastItem | null
}

/** A list's memory: normalized text → what it remembers. */
export type ListMemory = Map<string, Remembered>

/** Later write first; equal timestamps (only a misbehaving writer) by id, so the choice is the same everywhere. */
function newer(a: PastItem, b: PastItem | null): boolean {
  return !b || a.lastWrite > b.lastWrite || (a.lastWrite === b.lastWrite && a.id > b.id)
}

/** `keyOf` gives an item's `normalizeText(item.text)` (a caller keeping items between changes keeps their keys too). */
export function rememberItems(items: Iterable<PastItem>, keyOf: (item: PastItem) => string = (item) => normalizeText(item.text)): ListMemory {
  const memory: ListMemory = new Map()
  for (const item of items) {
    const key = keyOf(item)
    if (key === '') continue
    const entry = memory.get(key) ?? { latest: item, open: null, checked: null }
    if (newer(item, entry.latest)) entry.latest = item
    if (!item.deleted && !item.checked && newer(item, entry.open)) entry.open = item
    if (!item.deleted && item.checked && newer(item, entry.checked)) entry.checked = item
    memory.set(key, entry)
  }
  return memory
}

/** The live category of this list named `name` (compared like texts), first in category order; null if none. */
export function categoryNamed(categories: readonly Category[], name: string | null): Category | null {
  if (name === null) return null
  const key = normalizeText(name)
  return categories.find((category) => normalizeText(category.name) === key) ?? null
}

/** The category an item with this text was in last time in this list, if a category of that name exists now. */
export function rememberedCategory(memory: ListMemory, text: string, categories: readonly Category[]): Category | null {
  const remembered = memory.get(normalizeText(text))
  return remembered ? categoryNamed(categories, remembered.latest.categoryName) : null
}

/**
 * - `open`: already on the list (choosing it points it out, adds nothing)
 * - `checked`: in Checked (choosing it unchecks that item)
 * - `past`: deleted from this list (choosing it adds it again with its last quantity and category)
 * - `elsewhere`: from another of the person's lists (added with its quantity, and its category if this list has one of that name)
 */
export type SuggestionKind = 'open' | 'checked' | 'past' | 'elsewhere'

export interface Suggestion {
  /** Stable and unique among the suggestions (the normalized text). */
  key: string
  kind: SuggestionKind
  text: string
  quantity: string
  /** The category of this list it lands in (or is in); null for none. */
  category: Category | null
  /** The item of this list it is (open, checked), else null. */
  itemId: string | null
  /** For `elsewhere`: the title of the list it comes from. */
  from: string | null
  /** Its text is what was typed (normalized). */
  exact: boolean
}

/** Another list of the person's, as loaded on the device. */
export interface OtherList {
  id: string
  title: string
  memory: ListMemory
}

/** 0 exact, 1 starts with, 2 a word starts with, 3 contains (2+ characters typed); null no match. */
function matchRank(key: string, query: string): number | null {
  if (key === query) return 0
  if (key.startsWith(query)) return 1
  if (key.includes(` ${query}`)) return 2
  if (query.length >= 2 && key.includes(query)) return 3
  return null
}

const KIND_ORDER: Record<SuggestionKind, number> = { checked: 0, open: 1, past: 2, elsewhere: 3 }

/** What this list's memory suggests for one text. */
function fromThisList(key: string, remembered: Remembered, categories: readonly Category[], exact: boolean): Suggestion {
  const shown = remembered.open ?? remembered.checked ?? remembered.latest
  const kind: SuggestionKind = remembered.open ? 'open' : remembered.checked ? 'checked' : 'past'
  // An item on the list is in the category it is in now (categoryName of a live category, or a deleted one: then none).
  const category = kind === 'past' ? categoryNamed(categories, shown.categoryName) : (categories.find((entry) => entry.id === shown.categoryId) ?? null)
  return { key, kind, text: shown.text.trim(), quantity: shown.quantity, category, itemId: kind === 'past' ? null : shown.id, from: null, exact }
}

/**
 * The suggestions for what was typed: best match first (exact, starts with,
 * a word starts with, contains), this list's before other lists', and within
 * those checked, open, deleted, then most recent. One suggestion per text:
 * this list's item if it has one, else the latest among the other lists.
 */
export function suggest(query: string, memory: ListMemory, categories: readonly Category[], others: readonly OtherList[] = [], limit = 6): Suggestion[] {
  const typed = normalizeText(query)
  if (typed === '') return []
  const ranked: Array<{ rank: number; recency: string; suggestion: Suggestion }> = []
  for (const [key, remembered] of memory) {
    const rank = matchRank(key, typed)
    if (rank === null) continue
    ranked.push({ rank, recency: remembered.latest.lastWrite, suggestion: fromThisList(key, remembered, categories, rank === 0) })
  }
  const elsewhere = new Map<string, { item: PastItem; list: OtherList }>()
  for (const list of others) {
    for (const [key, remembered] of list.memory) {
      if (memory.has(key) || matchRank(key, typed) === null) continue
      const known = elsewhere.get(key)
      const item = remembered.latest
      if (!known || newer(item, known.item)) elsewhere.set(key, { item, list })
    }
  }
  for (const [key, { item, list }] of elsewhere) {
    const rank = matchRank(key, typed) ?? 3
    ranked.push({
      rank,
      recency: item.lastWrite,
      suggestion: { key, kind: 'elsewhere', text: item.text.trim(), quantity: item.quantity, category: categoryNamed(categories, item.categoryName), itemId: null, from: list.title, exact: rank === 0 },
    })
  }
  ranked.sort(
    (a, b) =>
      a.rank - b.rank ||
      KIND_ORDER[a.suggestion.kind] - KIND_ORDER[b.suggestion.kind] ||
      (a.recency > b.recency ? -1 : a.recency < b.recency ? 1 : 0) ||
      (a.suggestion.key < b.suggestion.key ? -1 : a.suggestion.key > b.suggestion.key ? 1 : 0),
  )
  return ranked.slice(0, limit).map((entry) => entry.suggestion)
}

/** What adding does. */
export type AddPlan =
  | { kind: 'add'; text: string; quantity: string; categoryId: string | null }
  | { kind: 'uncheck'; itemId: string; text: string }
  | { kind: 'duplicate'; itemId: string; text: string; category: Category | null }

/**
 * Choosing a suggestion, or pressing Enter on typed text (`suggestion` null):
 * typed text that is an item of this list is that suggestion. A category
 * picked for new items (`picked`) wins over the remembered one.
 */
export function planAdd(typed: string, suggestion: Suggestion | null, memory: ListMemory, categories: readonly Category[], picked: string | null): AddPlan {
  let chosen = suggestion
  if (!chosen) {
    const key = normalizeText(typed)
    const remembered = memory.get(key)
    if (remembered) chosen = fromThisList(key, remembered, categories, true)
  }
  if (chosen?.kind === 'open' && chosen.itemId) return { kind: 'duplicate', itemId: chosen.itemId, text: chosen.text, category: chosen.category }
  if (chosen?.kind === 'checked' && chosen.itemId) return { kind: 'uncheck', itemId: chosen.itemId, text: chosen.text }
  if (chosen) return { kind: 'add', text: chosen.text, quantity: chosen.quantity, categoryId: picked ?? chosen.category?.id ?? null }
  return { kind: 'add', text: typed.trim(), quantity: '', categoryId: picked }
}
