/**
 * The list as React state: re-read from the Y.Doc after every update (local,
 * remote, from the device or HTTP), and only then, so renders in between see
 * the same object.
 */
import { useMemo, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'
import { listCategories, listItems, type Category, type ListView } from '../../../shared/list-document.ts'

export interface ListSnapshot {
  view: ListView
  categories: Category[]
}

function docStore(doc: Y.Doc) {
  let snapshot: ListSnapshot | null = null
  return {
    subscribe(listener: () => void) {
      const onUpdate = () => {
        snapshot = null
        listener()
      }
      doc.on('update', onUpdate)
      return () => doc.off('update', onUpdate)
    },
    getSnapshot(): ListSnapshot {
      snapshot ??= { view: listItems(doc), categories: listCategories(doc) }
      return snapshot
    },
  }
}

export function useListView(doc: Y.Doc): ListSnapshot {
  const store = useMemo(() => docStore(doc), [doc])
  return useSyncExternalStore(store.subscribe, store.getSnapshot)
}
