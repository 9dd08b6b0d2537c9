/**
 * A list's activity: on its page the Activity dialog ("Ben checked Milk ·
 * 2 min ago", newest first, Load more) and the brief notices when someone
 * joins or leaves the list; on the lists page each card's latest line.
 */
import { useEffect, useState, type ReactElement, type ReactNode } from 'react'
import type { ActivityEvent } from '../../../shared/activity.ts'
import { actionText, activityText, actorText } from '../activity/activity-text.ts'
import type { ListActivity } from '../activity/list-activity.ts'
import { shownOnCard } from '../activity/card-event.ts'
import { useLatestActivity } from '../hooks/use-latest-activity.ts'
import { useNowWhile } from '../hooks/use-now.ts'
import { useObservable } from '../hooks/use-observable.ts'
import { agoText } from '../lists/list-card-text.ts'
import { Modal } from './Modal.tsx'

/** How long a joined/left notice stays. */
export const NOTICE_MS = 4000
/** Notices shown at once; older ones make way. */
const MAX_NOTICES = 3

export function ActivityDialog({ open, onClose, feed, userId }: { open: boolean; onClose: () => void; feed: ListActivity; userId: string }): ReactElement {
  const state = useObservable(feed)
  const now = useNowWhile(open, 30_000)
  return (
    <Modal open={open} title="Activity" onClose={onClose} className="modal--activity">
      {state.events.length === 0 ? (
        <p className="empty">{state.error && !state.loaded ? "Couldn't load the activity — you may be offline." : state.loaded ? 'Nothing has happened here yet.' : 'Loading…'}</p>
      ) : (
        // Focusable, so the events scroll by keyboard too (it scrolls on its own inside the dialog).
        <ol className="activity-list" data-testid="activity-list" tabIndex={0} aria-label="Events, newest first">
          {state.events.map((event) => (
            <ActivityRow key={event.id} event={event} userId={userId} now={now} />
          ))}
        </ol>
      )}
      {state.hasMore && (
        <div className="activity-list__more">
          <button type="button" className="button button--small" disabled={state.loading} onClick={() => void feed.loadMore()}>
            {state.loading ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </Modal>
  )
}

function ActivityRow({ event, userId, now }: { event: ActivityEvent; userId: string; now: number }): ReactElement {
  return (
    <li className={`activity-row activity-row--${event.type}`}>
      <span className="activity-row__text">
        <strong>{actorText(event, userId)}</strong> {actionText(event)}
      </span>
      <time className="activity-row__time" dateTime={new Date(event.at).toISOString()} title={new Date(event.at).toLocaleString()}>
        {agoText(event.at, now)}
      </time>
    </li>
  )
}

/** "Ben opened the list" / "Ben closed the list" for a few seconds when someone else comes or goes. */
export function PresenceNotices({ feed, userId }: { feed: ListActivity; userId: string }): ReactElement {
  const [notices, setNotices] = useState<ActivityEvent[]>([])
  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>()
    const onArrived = (event: ActivityEvent) => {
      if ((event.type !== 'joined' && event.type !== 'left') || event.actor.id === userId) return
      setNotices((shown) => [...shown.filter((notice) => notice.actor.id !== event.actor.id), event].slice(-MAX_NOTICES))
      const timer = setTimeout(() => {
        timers.delete(timer)
        setNotices((shown) => shown.filter((notice) => notice.id !== event.id))
      }, NOTICE_MS)
      timers.add(timer)
    }
    feed.on('arrived', onArrived)
    return () => {
      feed.off('arrived', onArrived)
      for (const timer of timers) clearTimeout(timer)
    }
  }, [feed, userId])
  return (
    <div className="presence-notices" role="status" aria-live="polite" data-testid="presence-notices">
      {notices.map((event) => (
        <p key={event.id} className={`presence-notice presence-notice--${event.type}`}>
          <span className="presence-notice__dot" aria-hidden="true" />
          {actorText(event, userId)} {actionText(event)}
        </p>
      ))}
    </div>
  )
}

/**
 * A card's line on the lists page: the latest thing that happened in the
 * list, or `children` (what the lists feed says of its latest change) until
 * that is known.
 */
export function LatestActivityLine({ listId, changedAt, userId, children }: { listId: string; changedAt: number | null; userId: string; children: ReactNode }): ReactNode {
  const event = useLatestActivity(listId, changedAt)
  if (!event || !shownOnCard(event, userId)) return children
  return (
    <span className="list-card__meta-text list-card__changed list-card__activity" data-testid="list-activity">
      {activityText(event, userId)} · {agoText(event.at, Date.now())}
    </span>
  )
}
