/** The sync status line for a list: connection state + unsaved changes → "Syncing 3 changes…". */
import { useMemo } from 'react'
import type { ListConnection } from '../sync/connection.ts'
import type { PendingChanges } from '../sync/pending-changes.ts'
import { deriveSyncStatus, type SyncStatus } from '../sync/status.ts'
import { useNowWhile } from './use-now.ts'
import { useObservable, useObservableAfterPaint } from './use-observable.ts'

export function useConnectionStatus(connection: ListConnection, pending: PendingChanges): SyncStatus {
  const state = useObservable(connection)
  // Every keystroke changes the count: the line follows after the key's frame ("Syncing 1 change…" a frame later).
  const { count } = useObservableAfterPaint(pending)
  const now = useNowWhile(state.retryAt !== null, 1000)
  return useMemo(() => deriveSyncStatus(state, count, now), [state, count, now])
}
