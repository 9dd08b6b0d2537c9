/**
 * The list as React state: re-read after every update of the Y.Doc (local,
 * remote, from the device or HTTP), and only then, so renders in between see
 * the same object.
 *
 * Re-read through a `ListIndex` (shared/list-index.ts) kept while the view
 * is subscribed: an update re-reads only the items it touched (a keystroke
 * in a name: one item, not the 2,000 of a long list), and an unchanged item
 * keeps its object from one view to the next.
 */
import { useMemo, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'
import { viewOf, type Category, type ListView } from '../../../shared/list-document.ts'
import { ListIndex } from '../../../shared/list-index.ts'
import { readTitle } from '../../../shared/list-layout.ts'

export interface ListSnapshot {
  view: ListView
  categories: Category[]
}

function docStore(doc: Y.Doc) {
  let snapshot: ListSnapshot | null = null
  let index: ListIndex | null = null
  return {
    subscribe(listener: () => void) {
      // The index follows the document's transactions (it marks what each touched, before 'update').
      index ??= new ListIndex(doc)
      // A change between the first read and now: read again.
      if (!index.settled) snapshot = null
      const onUpdate = () => {
        snapshot = null
        listener()
      }
      doc.on('update', onUpdate)
      return () => {
        doc.off('update', onUpdate)
        index?.destroy()
        index = null
        snapshot = null
      }
    },
    getSnapshot(): ListSnapshot {
      if (snapshot) return snapshot
      // Made at the first read (before React subscribes), so the first render and the next share one read.
      index ??= new ListIndex(doc)
      index.settleNow()
      const categories = index.readCategories()
      snapshot = { view: viewOf(index.items(), categories, readTitle(doc)), categories }
      return snapshot
    },
  }
}

export function useListView(doc: Y.Doc): ListSnapshot {
  const store = useMemo(() => docStore(doc), [doc])
  return useSyncExternalStore(store.subscribe, store.getSnapshot)
}
