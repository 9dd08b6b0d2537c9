/** Pure: what a list's card on the lists page says of it (counts, people, latest change, an action waiting). */
import type { ListOverview } from '../../../shared/lists-feed.ts'
import type { ListAction } from './list-outbox.ts'

export function countsText(list: Pick<ListOverview, 'open' | 'checked'>): string {
  if (list.open === 0 && list.checked === 0) return 'No items'
  const open = list.open === 0 ? 'nothing left' : `${list.open} to get`
  return list.checked === 0 ? open : `${open} · ${list.checked} done`
}

/** The others on the list ('' when nobody else is). */
export function peopleText(list: Pick<ListOverview, 'members'>, userId: string): string {
  const others = list.members.filter((member) => member.id !== userId).map((member) => member.name || 'someone')
  if (others.length === 0) return ''
  if (others.length <= 2) return `with ${others.join(' and ')}`
  return `with ${others[0]}, ${others[1]} and ${others.length - 2} more`
}

export function agoText(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  if (seconds < 60) return 'just now'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  const days = Math.round(hours / 24)
  return days === 1 ? 'yesterday' : `${days} days ago`
}

/** "Ben changed it 5 min ago", "You changed it just now", "Changed yesterday", or '' for a list nobody changed. */
export function changedText(list: Pick<ListOverview, 'changedBy' | 'changedAt'>, userId: string, now: number): string {
  if (list.changedAt === null) return ''
  const who = list.changedBy === null ? null : list.changedBy.id === userId ? 'You' : list.changedBy.name || 'Someone'
  return who === null ? `Changed ${agoText(list.changedAt, now)}` : `${who} changed it ${agoText(list.changedAt, now)}`
}

/** What the card says while this device's action on the list waits for the server. */
export function waitingText(kind: ListAction['kind']): string {
  return kind === 'create' ? 'Not on Colist yet' : 'Rename waiting'
}
