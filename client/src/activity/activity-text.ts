/**
 * Pure: what the app says of an activity event (shared/activity.ts) —
 * "Ben checked Milk", "You added the category Dairy", "Ana closed the list".
 */
import type { ActivityEvent } from '../../../shared/activity.ts'

/** Who did it: "You" for the signed-in user, else their name. */
export function actorText(event: ActivityEvent, userId: string): string {
  if (event.actor.id === userId) return 'You'
  return event.actor.name || 'Someone'
}

/** What they did, after their name: "checked Milk". */
export function actionText(event: ActivityEvent): string {
  switch (event.type) {
    case 'item_created':
      return `added ${quote(event.item.name)}`
    case 'item_checked':
      return `checked ${quote(event.item.name)}`
    case 'item_unchecked':
      return `unchecked ${quote(event.item.name)}`
    case 'item_deleted':
      return `deleted ${quote(event.item.name)}`
    case 'items_bulk_deleted': {
      const [first] = event.items
      if (event.count === 1 && first) return `deleted ${quote(first.name)}`
      return `deleted ${event.count} items`
    }
    case 'item_updated': {
      const name = quote(event.item.name)
      const [only] = event.changes
      if (event.changes.includes('text') && event.from !== undefined) {
        const renamed = `renamed ${quote(event.from)} to ${name}`
        return event.changes.length === 1 ? renamed : `${renamed} and edited it`
      }
      if (event.changes.length !== 1) return `edited ${name}`
      if (only === 'quantity') return `changed the note of ${name}`
      if (only === 'categoryId') return `moved ${name} to another category`
      if (only === 'order') return `moved ${name}`
      return `edited ${name}`
    }
    case 'category_created':
      return `added the category ${quote(event.category.name)}`
    case 'category_deleted':
      return `deleted the category ${quote(event.category.name)}`
    case 'category_updated':
      if (event.changes.includes('name') && event.from !== undefined) {
        return `renamed the category ${quote(event.from)} to ${quote(event.category.name)}`
      }
      return `moved the category ${quote(event.category.name)}`
    // Presence, said so that it cannot be read as membership ("Leave list" on the lists page takes a
    // member off a list; someone closing the list's page has not left it).
    case 'joined':
      return 'opened the list'
    case 'left':
      return 'closed the list'
  }
}

/** The whole sentence: "Ben checked Milk". */
export function activityText(event: ActivityEvent, userId: string): string {
  return `${actorText(event, userId)} ${actionText(event)}`
}

/** A name as the sentence shows it; an empty one says so. */
function quote(name: string): string {
  return name.trim() === '' ? 'an empty item' : name
}
