/**
 * The lists page's data, live: shown from the device at once, then kept up
 * to date by the lists feed (snapshot, then changes) on the device sync
 * engine's socket (lists-feed-source.ts),
 * with `GET /api/lists` when the page opens or the device comes online as a
 * fallback. Every list-level action of this device (list-actions.ts) shows
 * at once, laid over what the server said, and is marked while it waits.
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react'
import type { PublicUser } from '../../../shared/api.ts'
import { applyListsFeed, type ListOverview } from '../../../shared/lists-feed.ts'
import { ApiError, NetworkError, api } from '../api.ts'
import { withToken } from '../auth/session.ts'
import { listActions } from '../lists/list-actions.ts'
import { listenToListsFeed } from '../lists/lists-feed-source.ts'
import { showOutbox, type ListAction } from '../lists/list-outbox.ts'
import { listsCache } from '../sync/offline-store.ts'
import { useDeviceSync } from './use-device-sync.ts'

export interface ListsState {
  /** What the server last said (null: never, on this device). */
  server: ListOverview[] | null
  /** Where they came from: the server just now (feed or fetch), or this device's copy. */
  source: 'server' | 'device' | null
  /** The feed is connected: changes show as they happen. */
  live: boolean
  /** When the device copy was saved, if that is what shows. */
  savedAt: number | null
  loading: boolean
  error: string | null
}

export function useLists(user: PublicUser) {
  const [state, setState] = useState<ListsState>(() => {
    const cached = listsCache.read(user.id)
    return { server: cached?.lists ?? null, source: cached ? 'device' : null, live: false, savedAt: cached?.savedAt ?? null, loading: true, error: null }
  })
  const actions = listActions(user)
  const engine = useDeviceSync()
  const outbox = useSyncExternalStore(actions.subscribe, actions.getSnapshot)

  const refresh = useCallback(async () => {
    setState((s) => ({ ...s, loading: true }))
    try {
      const lists = await withToken((token) => api.lists(token))
      listsCache.write(user.id, lists)
      setState((s) => ({ ...s, server: lists, source: 'server', savedAt: null, loading: false, error: null }))
    } catch (err) {
      const error = err instanceof NetworkError ? null : err instanceof ApiError ? err.message : 'Could not load your lists'
      setState((s) => ({ ...s, loading: false, error }))
    }
  }, [user.id])

  useEffect(() => {
    if (!engine) return
    return listenToListsFeed(engine.socket, {
      message: (message) => {
        const lists = applyListsFeed(listsCache.read(user.id)?.lists ?? [], message)
        listsCache.write(user.id, lists)
        setState((s) => ({ ...s, server: lists, source: 'server', live: true, savedAt: null, loading: false, error: null }))
      },
      live: (live) => setState((s) => (s.live === live ? s : { ...s, live })),
    })
  }, [engine, user.id])

  useEffect(() => {
    void refresh()
    const onOnline = () => void refresh()
    window.addEventListener('online', onOnline)
    // Actions applied by this tab (or the device sync engine) write the cached lists: show them too.
    const unsubscribe = listsCache.subscribe(() => {
      const cached = listsCache.read(user.id)
      if (cached) setState((s) => ({ ...s, server: cached.lists }))
    })
    return () => {
      window.removeEventListener('online', onOnline)
      unsubscribe()
    }
  }, [user.id, refresh])

  const shown = showOutbox(state.server ?? [], outbox.actions, user)
  return {
    ...state,
    lists: state.server === null && outbox.actions.length === 0 ? null : shown.lists,
    /** Lists with an action of this device still waiting for the server, and which. */
    waiting: shown.waiting as ReadonlyMap<string, ListAction['kind']>,
    notices: outbox.notices,
    refresh,
    create: (title: string) => actions.create(title),
    rename: (listId: string, title: string) => actions.rename(listId, title),
    remove: (listId: string) => actions.remove(listId),
    leave: (listId: string) => actions.leave(listId),
    dismissNotice: () => actions.dismissNotice(),
  }
}
