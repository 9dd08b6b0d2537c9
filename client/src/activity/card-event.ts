/**
 * Which activity event a list's card on the lists page shows (pure; the
 * store that fetches them is latest-activity.ts).
 */
import type { ActivityEvent } from '../../../shared/activity.ts'

export const isPresence = (event: ActivityEvent): boolean => event.type === 'joined' || event.type === 'left'

/** The event a card shows: the newest change, else the newest of anything. */
export function latestShown(events: readonly ActivityEvent[]): ActivityEvent | null {
  return events.find((event) => !isPresence(event)) ?? events[0] ?? null
}

/**
 * Whether `userId`'s card shows `event`: not the person's own coming and going ("You left · just now"
 * on a list they own reads as if they had left the list; the card says what the lists feed knows instead).
 */
export function shownOnCard(event: ActivityEvent, userId: string): boolean {
  return !(isPresence(event) && event.actor.id === userId)
}
