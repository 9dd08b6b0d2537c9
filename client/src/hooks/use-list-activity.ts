/**
 * A list's activity (client/src/activity/list-activity.ts) while its page is
 * open: the newest page at once, new events live from the device socket's
 * `Activity` frames, and the newest page again whenever that socket
 * (re)connects, so nothing missed while it was down stays missing. Without a
 * device socket it fetches the newest page when the list changes, and every
 * `POLL_MS` while the page is visible (for joined/left, which change nothing
 * in the list).
 */
import { useEffect, useState } from 'react'
import type * as Y from 'yjs'
import { decodeActivityEvent } from '../../../shared/activity.ts'
import type { DeviceSocket } from '../../../shared/device-client.ts'
import { ListActivity } from '../activity/list-activity.ts'
import { api } from '../api.ts'
import { withToken } from '../auth/session.ts'
import { onDocChange } from '../sync/doc-changes.ts'

/** After a change of the list without live frames: the server stores a burst once it pauses for a second. */
const AFTER_CHANGE_MS = 1500
const POLL_MS = 10_000

export function useListActivity(listId: string, doc: Y.Doc, socket: DeviceSocket | null): ListActivity | null {
  const [feed, setFeed] = useState<ListActivity | null>(null)

  useEffect(() => {
    const created = new ListActivity(listId, { fetchPage: (query) => withToken((token) => api.activity(token, listId, query)) })
    setFeed(created)
    const refresh = () => void created.refresh()
    refresh()
    window.addEventListener('online', refresh)
    const stops = [() => window.removeEventListener('online', refresh)]
    if (socket) {
      const onActivity = (frameListId: string, json: string) => {
        if (frameListId !== listId) return
        try {
          created.receive(decodeActivityEvent(json))
        } catch {
          // A malformed frame is the server's bug; the next refresh shows what it meant.
        }
      }
      const onStatus = ({ status }: { status: string }) => {
        if (status === 'connected') refresh()
      }
      socket.on('activity', onActivity)
      socket.on('status', onStatus)
      stops.push(() => {
        socket.off('activity', onActivity)
        socket.off('status', onStatus)
      })
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined
      const soon = () => {
        clearTimeout(timer)
        timer = setTimeout(refresh, AFTER_CHANGE_MS)
      }
      const poll = setInterval(() => {
        if (document.visibilityState === 'visible' && navigator.onLine) refresh()
      }, POLL_MS)
      const stopListening = onDocChange(doc, soon)
      stops.push(() => {
        clearTimeout(timer)
        clearInterval(poll)
        stopListening()
      })
    }
    return () => {
      for (const stop of stops) stop()
      created.destroy()
      setFeed(null)
    }
  }, [listId, doc, socket])

  return feed
}
