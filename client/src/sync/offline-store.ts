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
import { ListOverviewSchema, type ListOverview } from '../../../shared/lists-feed.ts'
import { ListSummarySchema } from '../api-schemas.ts'

const replicaName = (userId: string, listId: string) => `colist:${userId}:${listId}`
const listsKey = (userId: string) => `colist:lists:${userId}`
const copiesKey = (userId: string) => `colist:device-copies:${userId}`
const pendingPrefix = (userId: string) => `colist:pending:${userId}:`

export const pendingChangesKey = (userId: string, listId: string) => `${pendingPrefix(userId)}${listId}`

/** Lists with a queue of unsaved changes on this device (their count lives under `pendingChangesKey`). */
export function listsWithPendingChanges(userId: string): string[] {
  const prefix = pendingPrefix(userId)
  const ids: string[] = []
  safely(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)
      if (key?.startsWith(prefix)) ids.push(key.slice(prefix.length))
    }
  })
  return ids
}

/** Lists with a replica on this device (IndexedDB database names; empty where the browser cannot list them). */
export async function listsWithReplica(userId: string): Promise<string[]> {
  const prefix = replicaName(userId, '')
  try {
    const databases = await indexedDB.databases()
    return databases.flatMap((db) => (db.name?.startsWith(prefix) ? [db.name.slice(prefix.length)] : []))
  } catch {
    return []
  }
}

export function openReplica(userId: string, listId: string, doc: Y.Doc): IndexeddbPersistence {
  return new IndexeddbPersistence(replicaName(userId, listId), doc)
}

/** Removes a list's replica (the list was deleted, or the server refused what it holds). */
export async function deleteReplica(userId: string, listId: string): Promise<void> {
  deviceCopies.remove(userId, listId)
  safely(() => localStorage.removeItem(pendingChangesKey(userId, listId)))
  await clearDocument(replicaName(userId, listId))
}

const DeviceCopiesSchema = z.record(z.string(), z.number())

/**
 * Which lists have reached this device whole (synced at least once) and when they last synced, so
 * the lists page can tell a list kept here from one that needs the network, without opening each.
 */
export const deviceCopies = {
  /** Shared with every reader until the stored text changes (`lastParsed`): not to be changed in place. */
  read(userId: string): Readonly<Record<string, number>> {
    const raw = safely(() => localStorage.getItem(copiesKey(userId)))
    return raw ? parseCopies(raw) : {}
  },
  markSynced(userId: string, listId: string, at: number): void {
    const copies = { ...deviceCopies.read(userId), [listId]: at }
    safely(() => localStorage.setItem(copiesKey(userId), JSON.stringify(copies)))
  },
  remove(userId: string, listId: string): void {
    const copies = { ...deviceCopies.read(userId) }
    if (!(listId in copies)) return
    delete copies[listId]
    safely(() => localStorage.setItem(copiesKey(userId), JSON.stringify(copies)))
  },
}

const parseCopies = lastParsed((raw): Record<string, number> => {
  try {
    const parsed = DeviceCopiesSchema.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : {}
  } catch {
    return {}
  }
})

const listsListeners = new Set<() => void>()


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

const CachedListsSchema = z.object({ savedAt: z.number(), lists: z.array(z.unknown()) })
export interface CachedLists {
  savedAt: number
  lists: ListOverview[]
}

/** A list as cached: an overview, or a summary (cached before overviews, or from a list's details) with what it lacks empty. */
function cachedOverview(value: unknown): ListOverview | null {
  const overview = ListOverviewSchema.safeParse(value)
  if (overview.success) return overview.data
  const summary = ListSummarySchema.safeParse(value)
  return summary.success ? withOverviewDefaults(summary.data) : null
}

const withOverviewDefaults = (summary: ListSummary): ListOverview => ({ members: [], open: 0, checked: 0, changedBy: null, changedAt: null, preview: [], pinned: false, position: null, ...summary })

const parseCachedLists = lastParsed((raw): CachedLists | null => {
  try {
    const parsed = CachedListsSchema.safeParse(JSON.parse(raw))
    if (!parsed.success) return null
    return { savedAt: parsed.data.savedAt, lists: parsed.data.lists.map(cachedOverview).filter((list) => list !== null) }
  } catch {
    return null
  }
})

/** The lists page as last received (the lists feed, GET /api/lists), for showing it at once and offline. */
export const listsCache = {
  /** Shared with every reader until the stored text changes (`lastParsed`): not to be changed in place. */
  read(userId: string): CachedLists | null {
    const raw = safely(() => localStorage.getItem(listsKey(userId)))
    return raw ? parseCachedLists(raw) : null
  },
  write(userId: string, lists: ListOverview[]): void {
    safely(() => localStorage.setItem(listsKey(userId), JSON.stringify({ savedAt: Date.now(), lists } satisfies CachedLists)))
    for (const listener of listsListeners) listener()
  },
  /** Calls `listener` whenever this tab writes the cached lists (of any user); returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    listsListeners.add(listener)
    return () => listsListeners.delete(listener)
  },
  /** Puts a list in, or changes what `list` says of it in place (a summary keeps the counts and members cached). */
  upsert(userId: string, list: ListSummary | ListOverview): void {
    const lists = listsCache.read(userId)?.lists ?? []
    const known = lists.find((entry) => entry.id === list.id)
    const next = known ? { ...known, ...list } : withOverviewDefaults(list)
    listsCache.write(userId, known ? lists.map((entry) => (entry === known ? next : entry)) : [...lists, next])
  },
  remove(userId: string, listId: string): void {
    const cached = listsCache.read(userId)
    if (cached) listsCache.write(userId, cached.lists.filter((entry) => entry.id !== listId))
  },
  find(userId: string, listId: string): ListOverview | null {
    return listsCache.read(userId)?.lists.find((entry) => entry.id === listId) ?? null
  },
}

/**
 * `parse`, remembering the last text it was given and what it made of it:
 * the same text again gives the same object. The device's planner, the
 * lists page and the list page read the lists cache again at every edit
 * (an add or a check changes a list's pending count), and parsing and
 * validating it each time took ~3 ms of the key at 4× CPU throttling.
 */
export function lastParsed<T>(parse: (raw: string) => T): (raw: string) => T {
  let last: { raw: string; value: T } | null = null
  return (raw) => {
    if (last?.raw !== raw) last = { raw, value: parse(raw) }
    return last.value
  }
}

/** localStorage throws in some private modes and when full; the app then just keeps less. */
function safely<T>(fn: () => T): T | null {
  try {
    return fn()
  } catch {
    return null
  }
}
