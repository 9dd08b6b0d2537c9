import { describe, expect, it } from 'vitest'
import { activityId, type ActivityEvent } from '../../../shared/activity.ts'
import { activityText } from './activity-text.ts'

const base = { id: activityId(1, 0, 'n'), listId: 'l', at: 1, actor: { id: 'ben', name: 'Ben' } }
const milk = { id: 'i1', name: 'Milk' }

describe('activityText', () => {
  it('says who did what, "You" for the signed-in user', () => {
    const cases: Array<[ActivityEvent, string]> = [
      [{ ...base, type: 'item_checked', item: milk }, 'Ben checked Milk'],
      [{ ...base, type: 'item_unchecked', item: milk }, 'Ben unchecked Milk'],
      [{ ...base, type: 'item_created', item: milk }, 'Ben added Milk'],
      [{ ...base, type: 'item_deleted', item: milk }, 'Ben deleted Milk'],
      [{ ...base, type: 'items_bulk_deleted', count: 3, items: [milk] }, 'Ben deleted 3 items'],
      [{ ...base, type: 'items_bulk_deleted', count: 1, items: [milk] }, 'Ben deleted Milk'],
      [{ ...base, type: 'item_updated', item: milk, changes: ['text'], from: 'Mlk' }, 'Ben renamed Mlk to Milk'],
      [{ ...base, type: 'item_updated', item: milk, changes: ['quantity'] }, 'Ben changed the note of Milk'],
      [{ ...base, type: 'item_updated', item: milk, changes: ['order'] }, 'Ben moved Milk'],
      [{ ...base, type: 'item_updated', item: milk, changes: ['quantity', 'order'] }, 'Ben edited Milk'],
      [{ ...base, type: 'category_created', category: { id: 'c', name: 'Dairy' } }, 'Ben added the category Dairy'],
      [{ ...base, type: 'category_updated', category: { id: 'c', name: 'Fridge' }, changes: ['name'], from: 'Dairy' }, 'Ben renamed the category Dairy to Fridge'],
      [{ ...base, type: 'joined' }, 'Ben opened the list'],
      [{ ...base, type: 'left' }, 'Ben closed the list'],
      [{ ...base, type: 'left', actor: { id: 'ben', name: '' } }, 'Someone closed the list'],
      [{ ...base, type: 'item_created', item: { id: 'i2', name: ' ' } }, 'Ben added an empty item'],
    ]
    for (const [event, text] of cases) expect(activityText(event, 'ana')).toBe(text)
    expect(activityText({ ...base, type: 'item_checked', item: milk }, 'ben')).toBe('You checked Milk')
  })
})
