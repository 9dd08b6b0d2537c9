/**
 * What this device keeps so Colist works with no network: one y-indexeddb
 * replica per list and user, the lists page, and the key under which a list's
 * unacknowledged changes are counted. Everything is namespaced by user id, so
 * two people sharing a browser never see each other's device copy.
 */
import { IndexeddbPersistence, clearDocument } from 'y-indexeddb'
import type * as Y from 'yjs'
import { z } from 'zod/mini'
import type { ListSummary } from '../../../shared/api.ts'
import { ListSummarySchema } from '../api-schemas.ts'

const replicaName = (userId: string, listId: string) => `colist:${userId}:${listId}`
const listsKey = (userId: string) => `colist:lists:${userId}`

export const pendingChangesKey = (userId: string, listId: string) => `colist:pending:${userId}:${listId}`

export function openReplica(userId: string, listId: string, doc: Y.Doc): IndexeddbPersistence {
  return new IndexeddbPersistence(replicaName(userId, listId), doc)
}

/** Removes a list's replica (the list was deleted, or the server refused what it holds). */
export async function deleteReplica(userId: string, listId: string): Promise<void> {
  await clearDocument(replicaName(userId, listId))
  safely(() => localStorage.removeItem(pendingChangesKey(userId, listId)))
}

/**
 * Resolves once every update the replica has been given is committed to
 * IndexedDB: a read transaction over the same store starts only after the
 * write transactions queued before it finish.
 */
export function replicaFlushed(replica: IndexeddbPersistence): Promise<void> {
  const db = replica.db
  if (!db) return replica.whenSynced.then(() => replicaFlushed(replica))
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(['updates'], 'readonly')
    transaction.oncomplete = () => resolve()
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB read failed'))
  })
}

const CachedListsSchema = z.object({ savedAt: z.number(), lists: z.array(ListSummarySchema) })
export type CachedLists = z.infer<typeof CachedListsSchema>

/** The lists page as last fetched, for opening it offline. */
export const listsCache = {
  read(userId: string): CachedLists | null {
    const raw = safely(() => localStorage.getItem(listsKey(userId)))
    if (!raw) return null
    try {
      const parsed = CachedListsSchema.safeParse(JSON.parse(raw))
      return parsed.success ? parsed.data : null
    } catch {
      return null
    }
  },
  write(userId: string, lists: ListSummary[]): void {
    safely(() => localStorage.setItem(listsKey(userId), JSON.stringify({ savedAt: Date.now(), lists } satisfies CachedLists)))
  },
  upsert(userId: string, list: ListSummary): void {
    const cached = listsCache.read(userId)
    const lists = (cached?.lists ?? []).filter((entry) => entry.id !== list.id)
    listsCache.write(userId, [...lists, list])
  },
  remove(userId: string, listId: string): void {
    const cached = listsCache.read(userId)
    if (cached) listsCache.write(userId, cached.lists.filter((entry) => entry.id !== listId))
  },
  find(userId: string, listId: string): ListSummary | null {
    return listsCache.read(userId)?.lists.find((entry) => entry.id === listId) ?? null
  },
}

/** localStorage throws in some private modes and when full; the app then just keeps less. */
function safely<T>(fn: () => T): T | null {
  try {
    return fn()
  } catch {
    return null
  }
}
