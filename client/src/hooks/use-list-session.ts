/**
 * The session of the list a page shows, from the device sync engine: opened
 * in the foreground for as long as the page shows it, then left to sync in
 * the background. If the server refuses a write (we are a viewer, or were
 * demoted while offline), the engine discards the device copy and reloads
 * the list from the server; the page says why (`rejection`).
 */
import { useCallback, useEffect, useSyncExternalStore } from 'react'
import { exposeOnWindow } from '../devtools/console-handle.ts'
import type { ListSession } from '../sync/list-session.ts'
import { useDeviceSync } from './use-device-sync.ts'

export interface ListSessionHandle {
  session: ListSession | null
  /** Set once the server refused a write and the device copy was reset. */
  rejection: string | null
  dismissRejection: () => void
}

export function useListSession(listId: string): ListSessionHandle {
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
  const session = useSyncExternalStore(subscribe, () => engine?.session(listId) ?? null)
  const rejection = useSyncExternalStore(subscribe, () => engine?.notice(listId) ?? null)

  useEffect(() => {
    if (!session) return
    exposeOnWindow(session)
    return () => exposeOnWindow(null)
  }, [session])

  return { session, rejection, dismissRejection: () => engine?.dismissNotice(listId) }
}
