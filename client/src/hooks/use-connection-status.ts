/** The sync status line for a list: connection state + unsaved changes → "Syncing 3 changes…". */
import { useEffect, useMemo, useState } from 'react'
import type { ListConnection } from '../sync/connection.ts'
import type { PendingChanges } from '../sync/pending-changes.ts'
import { deriveSyncStatus, type SyncStatus } from '../sync/status.ts'
import { useObservable } from './use-observable.ts'

export function useConnectionStatus(connection: ListConnection, pending: PendingChanges): SyncStatus {
  const state = useObservable(connection)
  const { count } = useObservable(pending)
  const now = useNowWhile(state.retryAt !== null)
  return useMemo(() => deriveSyncStatus(state, count, now), [state, count, now])
}

/** The time, ticking every second while `active` (for "retrying in 5 s"). */
function useNowWhile(active: boolean): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [active])
  return now
}
