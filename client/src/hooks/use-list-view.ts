/**
 * The list as React state: re-read after every update of the Y.Doc (local,
 * remote, from the device or HTTP), and only then, so renders in between see
 * the same object.
 *
 * Re-read through the list's `ListIndex` (shared/list-index.ts), which its
 * ListSync keeps for as long as the list is loaded: an update re-reads only
 * the items it touched (a keystroke in a name: one item, not the 2,000 of a
 * long list), an unchanged item keeps its object from one view to the next,
 * and opening a list already loaded reads nothing again.
 */
import { useMemo, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'
import { viewOf, type Category, type ListView } from '../../../shared/list-document.ts'
import type { ListIndex } from '../../../shared/list-index.ts'
import { readTitle } from '../../../shared/list-layout.ts'

export interface ListSnapshot {
  view: ListView
  categories: Category[]
}

function docStore(doc: Y.Doc, index: ListIndex) {
  let snapshot: ListSnapshot | null = null
  return {
    subscribe(listener: () => void) {
      // A change between the first read and now: read again. (The index follows the document's
      // transactions: it marks what each touched before 'update'.)
      if (!index.settled) snapshot = null
      const onUpdate = () => {
        snapshot = null
        listener()
      }
      doc.on('update', onUpdate)
      return () => {
        doc.off('update', onUpdate)
        snapshot = null
      }
    },
    getSnapshot(): ListSnapshot {
      if (snapshot) return snapshot
      index.settleNow()
      const categories = index.readCategories()
      snapshot = { view: viewOf(index.items(), categories, readTitle(doc)), categories }
      return snapshot
    },
  }
}

export function useListView({ doc, index }: { doc: Y.Doc; index: ListIndex }): ListSnapshot {
  const store = useMemo(() => docStore(doc, index), [doc, index])
  return useSyncExternalStore(store.subscribe, store.getSnapshot)
}
