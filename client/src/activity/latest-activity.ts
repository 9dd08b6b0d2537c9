/**
 * The latest thing that happened in each list, for the lists page's cards
 * ("Ben checked Milk · 2 min ago"). One store for the tab: a card asks for
 * its list (`want`), which fetches the list's newest activity once per
 * change the lists feed reports (its `changedAt`), a few lists at a time;
 * events that arrive live on the device socket replace it at once. Joined
 * and left are shown only when nothing else happened.
 */
import { ObservableV2 } from 'lib0/observable'
import { decodeActivityEvent, type ActivityEvent } from '../../../shared/activity.ts'
import type { DeviceSocket } from '../../../shared/device-client.ts'
import { api } from '../api.ts'
import { withToken } from '../auth/session.ts'
import { isPresence, latestShown } from './card-event.ts'

/** Fetches at once, at most. */
const CONCURRENCY = 4
/** Events fetched per list, to find one that is not a joined/left. */
const LOOK_BACK = 5
/**
 * The server records a user's changes once they pause (a burst: 1 s quiet, at most 4 s;
 * server/activity-log.ts), so a fetch made as the lists feed reports a change can come before the
 * change's event exists. Then it asks again after each of these delays, until an event as new as
 * the change is there.
 */
const REFETCH_DELAYS_MS = [1500, 3000, 5000]
/** An event this much older than the feed's `changedAt` is not that change's (clocks and stamps differ a little). */
const CHANGE_SLACK_MS = 5000

export class LatestActivity extends ObservableV2<{ change: () => void }> {
  private readonly latest = new Map<string, ActivityEvent>()
  /** listId → the lists feed's changedAt it was (or is being) fetched for. */
  private readonly fetchedFor = new Map<string, number | null>()
  private readonly queue: string[] = []
  private running = 0
  private readonly sockets = new WeakSet<DeviceSocket>()
  /** listId → fetches made for its current changedAt that found no event as new as it. */
  private readonly behind = new Map<string, number>()

  constructor(
    private readonly fetchLatest: (listId: string) => Promise<ActivityEvent[]>,
    private readonly delays: readonly number[] = REFETCH_DELAYS_MS,
  ) {
    super()
  }

  get(listId: string): ActivityEvent | null {
    return this.latest.get(listId) ?? null
  }

  /** A card shows the list, whose latest change the lists feed puts at `changedAt`. */
  want(listId: string, changedAt: number | null): void {
    if (this.fetchedFor.has(listId) && this.fetchedFor.get(listId) === changedAt) return
    this.fetchedFor.set(listId, changedAt)
    this.behind.delete(listId)
    this.fetch(listId)
  }

  private fetch(listId: string): void {
    if (!this.queue.includes(listId)) this.queue.push(listId)
    this.pump()
  }

  /** The fetch for `changedAt` found nothing as new: once the server has had time to record it, ask again (a few times). */
  private fetchAgainLater(listId: string, changedAt: number): void {
    const attempt = this.behind.get(listId) ?? 0
    const delay = this.delays[attempt]
    if (delay === undefined) return
    this.behind.set(listId, attempt + 1)
    setTimeout(() => {
      if (this.fetchedFor.get(listId) === changedAt) this.fetch(listId)
    }, delay)
  }

  /** New events of any list open on `socket` replace what the cards show. */
  listenTo(socket: DeviceSocket): void {
    if (this.sockets.has(socket)) return
    this.sockets.add(socket)
    socket.on('activity', (_listId, json) => {
      try {
        this.receive(decodeActivityEvent(json))
      } catch {
        // Malformed: the next fetch shows what it meant.
      }
    })
  }

  receive(event: ActivityEvent): void {
    const shown = this.latest.get(event.listId)
    if (shown && (shown.id >= event.id || (isPresence(event) && !isPresence(shown)))) return
    this.latest.set(event.listId, event)
    this.emit('change', [])
  }

  private pump(): void {
    while (this.running < CONCURRENCY && this.queue.length > 0) {
      const listId = this.queue.shift()!
      const changedAt = this.fetchedFor.get(listId) ?? null
      this.running++
      void this.fetchLatest(listId)
        .then((events) => {
          const event = latestShown(events)
          if (event) this.receive(event)
          // The shown event is one of `events`; none (an empty answer) is -Infinity.
          const newest = Math.max(...events.map((e) => e.at))
          if (changedAt !== null && newest < changedAt - CHANGE_SLACK_MS) this.fetchAgainLater(listId, changedAt)
        })
        // Offline or refused: the card shows what it had; the next change of the list asks again.
        .catch(() => this.fetchedFor.delete(listId))
        .finally(() => {
          this.running--
          this.pump()
        })
    }
  }
}

export const latestActivity = new LatestActivity(async (listId) => (await withToken((token) => api.activity(token, listId, { limit: LOOK_BACK }))).events)
