/**
 * The lists page's data: shown from the device at once, then refreshed from
 * the server (again when the browser comes online or the tab is shown).
 */
import { useCallback, useEffect, useState } from 'react'
import type { ListSummary, PublicUser } from '../../../shared/api.ts'
import { ApiError, NetworkError, api } from '../api.ts'
import { withToken } from '../auth/session.ts'
import { listsCache } from '../sync/offline-store.ts'

export interface ListsState {
  lists: ListSummary[] | null
  /** Where `lists` came from: the server just now, or this device. */
  source: 'server' | 'device' | null
  /** When the device copy was saved, if that is what shows. */
  savedAt: number | null
  loading: boolean
  error: string | null
}

export function useLists(user: PublicUser) {
  const [state, setState] = useState<ListsState>(() => {
    const cached = listsCache.read(user.id)
    return { lists: cached?.lists ?? null, source: cached ? 'device' : null, savedAt: cached?.savedAt ?? null, loading: true, error: null }
  })

  const refresh = useCallback(async () => {
    setState((s) => ({ ...s, loading: true }))
    try {
      const lists = await withToken((token) => api.lists(token))
      listsCache.write(user.id, lists)
      setState({ lists, source: 'server', savedAt: null, loading: false, error: null })
    } catch (err) {
      const cached = listsCache.read(user.id)
      const error = err instanceof NetworkError ? null : err instanceof ApiError ? err.message : 'Could not load your lists'
      setState({ lists: cached?.lists ?? null, source: cached ? 'device' : null, savedAt: cached?.savedAt ?? null, loading: false, error })
    }
  }, [user.id])

  useEffect(() => {
    void refresh()
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh()
    }
    const onOnline = () => void refresh()
    window.addEventListener('online', onOnline)
    document.addEventListener('visibilitychange', onVisible)
    return () => {
      window.removeEventListener('online', onOnline)
      document.removeEventListener('visibilitychange', onVisible)
    }
  }, [refresh])

  /** Applies a change made through the API to what shows (and the device copy) without a refetch. */
  const replace = useCallback(
    (update: (lists: ListSummary[]) => ListSummary[]) => {
      setState((s) => {
        const lists = update(s.lists ?? [])
        listsCache.write(user.id, lists)
        return { ...s, lists }
      })
    },
    [user.id],
  )

  return { ...state, refresh, replace }
}
