/** The list's record on the server (title, owner, members), refreshed on demand and when back online. */
import { useCallback, useEffect, useState } from 'react'
import type { ListDetail } from '../../../shared/api.ts'
import { api } from '../api.ts'
import { session as authSession, withToken } from '../auth/session.ts'
import { listsCache } from '../sync/offline-store.ts'

export function useListDetail(listId: string, userId: string) {
  const [detail, setDetail] = useState<ListDetail | null>(null)

  const refresh = useCallback(async () => {
    if (!authSession.token) return
    try {
      const next = await withToken((token) => api.list(token, listId))
      setDetail(next)
      const { members: _members, ...summary } = next
      listsCache.upsert(userId, summary)
    } catch {
      // Offline or refused: the socket reports access problems; the page works from the device meanwhile.
    }
  }, [listId, userId])

  useEffect(() => {
    void refresh()
    const onOnline = () => void refresh()
    window.addEventListener('online', onOnline)
    return () => window.removeEventListener('online', onOnline)
  }, [refresh])

  return { detail, refresh, setDetail }
}
