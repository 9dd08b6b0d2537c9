/**
 * The sync of the list a page shows, from the device sync engine: opened
 * in the foreground for as long as the page shows it, then left to sync in
 * the background. If the server refuses a write (we are a viewer, or were
 * demoted while offline), the engine discards the device copy and reloads
 * the list from the server; the page says why (`rejection`).
 */
import { useCallback, useEffect, useSyncExternalStore } from 'react'
import { exposeOnWindow } from '../devtools/console-handle.ts'
import type { ListSync } from '../sync/list-sync.ts'
import { useDeviceSync } from './use-device-sync.ts'

export interface ListSyncHandle {
  sync: ListSync | null
  /** Set once the server refused a write and the device copy was reset. */
  rejection: string | null
  dismissRejection: () => void
}

export function useListSync(listId: string): ListSyncHandle {
  const engine = useDeviceSync()

  useEffect(() => {
    if (!engine) return
    engine.open(listId)
    return () => engine.release(listId)
  }, [engine, listId])

  const subscribe = useCallback(
    (listener: () => void) => {
      if (!engine) return () => {}
      engine.on('change', listener)
      return () => engine.off('change', listener)
    },
    [engine],
  )
  const sync = useSyncExternalStore(subscribe, () => engine?.list(listId) ?? null)
  const rejection = useSyncExternalStore(subscribe, () => engine?.notice(listId) ?? null)

  useEffect(() => {
    if (!sync) return
    exposeOnWindow(sync)
    return () => exposeOnWindow(null)
  }, [sync])

  return { sync, rejection, dismissRejection: () => engine?.dismissNotice(listId) }
}
