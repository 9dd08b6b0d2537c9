/**
 * Says to screen readers, politely, what happened out of sight: the person's
 * own check when focus moved on to the next row, and others' changes to the
 * list (from its activity feed), at most one sentence per `REMOTE_GAP_MS` —
 * a burst of changes becomes "Bob Baker checked Milk, and 4 more changes".
 */
import { useCallback, useEffect, useRef, useState, type ReactElement } from 'react'
import type { ActivityEvent } from '../../../../shared/activity.ts'
import { activityText } from '../../activity/activity-text.ts'
import type { ListActivity } from '../../activity/list-activity.ts'

export const REMOTE_GAP_MS = 5000

export interface Announcer {
  message: string
  announce(message: string): void
}

export function useAnnouncer(): Announcer {
  const [message, setMessage] = useState('')
  const frame = useRef(0)
  const announce = useCallback((next: string) => {
    // Emptied first, so the same sentence twice is said twice.
    setMessage('')
    cancelAnimationFrame(frame.current)
    frame.current = requestAnimationFrame(() => setMessage(next))
  }, [])
  useEffect(() => () => cancelAnimationFrame(frame.current), [])
  return { message, announce }
}

/** Others' changes to the list, rate-limited, through `announce`. */
export function useRemoteAnnouncements(feed: ListActivity | null, userId: string, announce: (message: string) => void): void {
  useEffect(() => {
    if (!feed) return
    let last = 0
    let waiting: ActivityEvent[] = []
    let timer: ReturnType<typeof setTimeout> | null = null
    const flush = () => {
      timer = null
      const [first, ...rest] = waiting
      waiting = []
      if (!first) return
      last = Date.now()
      const more = rest.length === 0 ? '' : rest.length === 1 ? ', and 1 more change' : `, and ${rest.length} more changes`
      announce(`${activityText(first, userId)}${more}`)
    }
    const onArrived = (event: ActivityEvent) => {
      // Joining and leaving have notices of their own (PresenceNotices).
      if (event.actor.id === userId || event.type === 'joined' || event.type === 'left') return
      waiting.push(event)
      if (timer) return
      timer = setTimeout(flush, Math.max(0, last + REMOTE_GAP_MS - Date.now()))
    }
    feed.on('arrived', onArrived)
    return () => {
      feed.off('arrived', onArrived)
      if (timer) clearTimeout(timer)
    }
  }, [feed, userId, announce])
}

export function AnnouncerRegion({ message }: { message: string }): ReactElement {
  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
      {message}
    </div>
  )
}
