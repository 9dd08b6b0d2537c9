/**
 * The list as React state: re-read after every update of the Y.Doc (local,
 * remote, from the device or HTTP), and only then, so renders in between see
 * the same object. Pages are told after the next paint, once for all the
 * updates until then.
 *
 * Re-read through the list's `ListIndex` (shared/list-index.ts), which its
 * ListSync keeps for as long as the list is loaded: an update re-reads only
 * the items it touched (a keystroke in a name: one item, not the 2,000 of a
 * long list), an unchanged item keeps its object from one view to the next,
 * and opening a list already loaded reads nothing again.
 */
import { useEffect, useMemo, useState } from 'react'
import { afterPaint } from '../after-paint.ts'
import { onDocChange } from '../sync/doc-changes.ts'
import type * as Y from 'yjs'
import { viewOf, type Category, type ListView } from '../../../shared/list-document.ts'
import type { ListIndex } from '../../../shared/list-index.ts'
import { readTitle } from '../../../shared/list-layout.ts'
import { sameElements } from './use-stable.ts'

export interface ListSnapshot {
  view: ListView
  categories: Category[]
}

/** `next`, or `previous` when it holds the same elements (by identity) in the same order. */
function keepIfSame<T>(previous: T[] | undefined, next: T[]): T[] {
  return previous && sameElements(previous, next) ? previous : next
}

/**
 * The new view, keeping the previous one's arrays where nothing in them changed: a name typed into
 * leaves the checked items, the other groups and the categories as they were, so the memoised parts
 * of the page that show them (CheckedSection, a group) do not render again.
 */
function sharing(previous: ListSnapshot | null, view: ListView, categories: Category[]): ListSnapshot {
  if (!previous) return { view, categories }
  const groups = view.groups.map((group) => {
    const before = previous.view.groups.find((candidate) => candidate.category === group.category)
    return before && before.items === keepIfSame(before.items, group.items) ? before : group
  })
  return {
    view: { title: view.title, items: keepIfSame(previous.view.items, view.items), groups: keepIfSame(previous.view.groups, groups), checked: keepIfSame(previous.view.checked, view.checked) },
    categories: keepIfSame(previous.categories, categories),
  }
}

export interface ViewStore {
  subscribe(listener: () => void): () => void
  getSnapshot(): ListSnapshot
}

/**
 * One store per loaded list (per its ListIndex), kept with it: it follows the document's updates
 * whether or not a page shows the list, so opening the list again reuses the last view when
 * nothing changed since (no read of 2,000 items before the first screen).
 */
const stores = new WeakMap<ListIndex, ViewStore>()

export function viewStore(doc: Y.Doc, index: ListIndex): ViewStore {
  let store = stores.get(index)
  if (!store) {
    store = docStore(doc, index)
    stores.set(index, store)
  }
  return store
}

function docStore(doc: Y.Doc, index: ListIndex): ViewStore {
  let snapshot: ListSnapshot | null = null
  /** The last snapshot made, kept across `snapshot = null` so the next one can share its arrays. */
  let last: ListSnapshot | null = null
  const listeners = new Set<() => void>()
  /** Cancels the notification waiting for the next paint, if one is. */
  let notifying: (() => void) | null = null
  // For as long as the list is loaded (the store lives as long as its index, the index as its ListSync).
  onDocChange(doc, () => {
    snapshot = null
    // The page renders the new view after the next paint, once for every update until then: the key or
    // tap that made the change is painted first (the field's character, the row's checkbox — see ItemRow),
    // then the list. Rendered inside the event, a check's frame waited ~80 ms (4× throttled) for the page.
    // An event handler reading the list meanwhile gets it as it is now (`latestView`).
    if (notifying || listeners.size === 0) return
    notifying = afterPaint(() => {
      notifying = null
      for (const listener of listeners) listener()
    })
  })
  return {
    subscribe(listener) {
      // A change between the first read and now: read again. (The index follows the document's
      // transactions: it marks what each touched before this store hears of it: it listened first.)
      if (!index.settled) snapshot = null
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) {
          notifying?.()
          notifying = null
        }
      }
    },
    getSnapshot() {
      if (snapshot) return snapshot
      index.settleNow()
      const categories = index.readCategories()
      snapshot = sharing(last, viewOf(index.items(), categories, readTitle(doc)), categories)
      last = snapshot
      return snapshot
    },
  }
}

/** The list's view as it is now, for event handlers (the same object `useListView` renders when nothing changed since). */
export function latestView({ doc, index }: { doc: Y.Doc; index: ListIndex }): ListSnapshot {
  return viewStore(doc, index).getSnapshot()
}

/**
 * The view the page shows: the store's, taken when the store tells (after the paint following a change),
 * not at every render. Through useSyncExternalStore any render of the page — the undo buttons or the sync
 * status changing in the same event — read the new view, and the whole list rendered inside the event.
 */
export function useListView({ doc, index }: { doc: Y.Doc; index: ListIndex }): ListSnapshot {
  const store = useMemo(() => viewStore(doc, index), [doc, index])
  const [shown, setShown] = useState(() => ({ store, snapshot: store.getSnapshot() }))
  useEffect(() => {
    const take = () => {
      const snapshot = store.getSnapshot()
      setShown((current) => (current.store === store && current.snapshot === snapshot ? current : { store, snapshot }))
    }
    const unsubscribe = store.subscribe(take)
    // A change between the render and now.
    take()
    return unsubscribe
  }, [store])
  // Another list than the one shown (the page stays mounted when another list opens).
  return shown.store === store ? shown.snapshot : store.getSnapshot()
}
