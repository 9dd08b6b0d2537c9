/**
 * Search within a list: the items whose name, quantity or note, or category
 * name contains every word typed, ignoring case and accents ("creme" finds
 * "Crème fraîche"). The view keeps its shape (groups, checked), holding only
 * the matches; a category whose name matches keeps all its items.
 */
import type { Category, Item, ListView } from '../../../shared/list-document.ts'

/** Lower case, accents and other combining marks removed, runs of spaces as one. */
export function foldForSearch(text: string): string {
  // Plain ASCII (most names) has no marks to remove: skip the normalisation, the costly part.
  const unmarked = NON_ASCII.test(text) ? text.normalize('NFD').replace(/\p{M}+/gu, '') : text
  return unmarked.toLowerCase().replace(/\s+/g, ' ').trim()
}

/** Any character past ASCII (a code point test: no control characters in the pattern). */
const NON_ASCII = /[^ -~\t\n\r\f\v]/

/** The words of a query, folded; none when it is blank. */
export function queryWords(query: string): string[] {
  const folded = foldForSearch(query)
  return folded ? folded.split(' ') : []
}

/** Each item's folded name and quantity: an item object is kept while it is unchanged (shared/list-index.ts), so typing a search folds each text once. */
const foldedItems = new WeakMap<Item, string>()

function foldedItem(item: Item): string {
  let folded = foldedItems.get(item)
  if (folded === undefined) {
    folded = foldForSearch(`${item.text} ${item.quantity}`)
    foldedItems.set(item, folded)
  }
  return folded
}

/** Whether every word is in the item's name, quantity or (folded) category name. */
function itemMatches(item: Item, words: readonly string[], foldedCategory: string): boolean {
  const text = foldedItem(item)
  return words.every((word) => text.includes(word) || foldedCategory.includes(word))
}

/** `view` holding only the items that match `query` (the view itself when the query is blank). */
export function filterView(view: ListView, categories: readonly Category[], query: string): ListView {
  const words = queryWords(query)
  if (words.length === 0) return view
  const names = new Map(categories.map((category) => [category.id, foldForSearch(category.name)]))
  const matches = (item: Item) => itemMatches(item, words, item.categoryId === null ? '' : (names.get(item.categoryId) ?? ''))
  // Each item is tested once: the groups and the checked items hold the same items as `items`.
  const items = view.items.filter(matches)
  const kept = new Set(items)
  const keep = (item: Item) => kept.has(item)
  return {
    title: view.title,
    items,
    // Only groups with a match: empty categories are drop targets, and nothing is dropped while searching.
    groups: view.groups.map((group) => ({ ...group, items: group.items.filter(keep) })).filter((group) => group.items.length > 0),
    checked: view.checked.filter(keep),
  }
}
