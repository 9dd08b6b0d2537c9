/**
 * Opens a list for as long as the page shows it. If the server refuses a
 * write (we are a viewer, or were demoted while offline), the device copy
 * holds changes that will never be accepted: it is discarded and the list
 * reopened from the server, and the page says why.
 */
import { useEffect, useRef, useState } from 'react'
import type { PublicUser } from '../../../shared/api.ts'
import type { WriteRejectedMessage } from '../../../shared/protocol.ts'
import { exposeOnWindow } from '../devtools/console-handle.ts'
import { ListSession } from '../sync/list-session.ts'
import { deleteReplica, listsCache } from '../sync/offline-store.ts'
import { refusalNotice } from '../sync/refusals.ts'

export interface ListSessionHandle {
  session: ListSession | null
  /** Set once the server refused a write and the device copy was reset. */
  rejection: string | null
  dismissRejection: () => void
}

export function useListSession(listId: string, user: PublicUser): ListSessionHandle {
  const [session, setSession] = useState<ListSession | null>(null)
  const [generation, setGeneration] = useState(0)
  const [rejection, setRejection] = useState<string | null>(null)
  // The user object is replaced on every token renewal; only its id decides which session is open.
  const userRef = useRef(user)
  userRef.current = user
  const userId = user.id
  /**
   * Refusals that reset the device copy on this page. A second one of the same
   * kind right after a reset would only loop; the session then stays stopped
   * with the refusal's banner instead.
   */
  const resets = useRef(0)

  useEffect(() => {
    const user = userRef.current
    const opened = new ListSession(listId, user, listsCache.find(user.id, listId)?.role ?? null)
    setSession(opened)
    exposeOnWindow(opened)
    let gone = false

    const onRejected = (rejection: WriteRejectedMessage) => {
      if (opened.pending.count === 0 && resets.current > 0) return
      resets.current++
      setRejection(refusalNotice(rejection, opened.pending.count))
      setSession(null)
      void opened.discardDeviceCopy().finally(() => setGeneration((g) => g + 1))
    }
    // A list that is gone or no longer ours leaves nothing behind on the device.
    const onConnection = () => {
      const stopped = opened.connection.getSnapshot().stopped
      if (!gone && stopped && (stopped.kind === 'access' || stopped.kind === 'deleted')) {
        gone = true
        listsCache.remove(user.id, listId)
      }
    }
    opened.on('write-rejected', onRejected)
    opened.connection.on('change', onConnection)
    return () => {
      opened.off('write-rejected', onRejected)
      opened.connection.off('change', onConnection)
      opened.destroy()
      exposeOnWindow(null)
      if (gone) void deleteReplica(user.id, listId).catch(() => {})
    }
  }, [listId, userId, generation])

  return { session, rejection, dismissRejection: () => setRejection(null) }
}
