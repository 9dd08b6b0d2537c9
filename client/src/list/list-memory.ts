/**
 * A list's memory (`rememberItems(listPastItems(doc))`), read once per change
 * of its document and only when asked: typing reads it per keystroke, but a
 * document is scanned again only after it changed. The person's other lists
 * are those the device sync engine already has loaded: none is loaded for
 * this, and a list that is not loaded suggests nothing.
 */
import type * as Y from 'yjs'
import { listPastItems } from '../../../shared/list-document.ts'
import type { DeviceSync } from '../sync/device-sync.ts'
import { listsCache } from '../sync/offline-store.ts'
import { rememberItems, type ListMemory, type OtherList } from './suggestions.ts'

interface Cached {
  memory: ListMemory | null
}

const cache = new WeakMap<Y.Doc, Cached>()

export function memoryOf(doc: Y.Doc): ListMemory {
  let cached = cache.get(doc)
  if (!cached) {
    const entry: Cached = { memory: null }
    cached = entry
    cache.set(doc, entry)
    doc.on('update', () => {
      entry.memory = null
    })
  }
  cached.memory ??= rememberItems(listPastItems(doc))
  return cached.memory
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
