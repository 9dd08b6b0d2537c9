import { describe, expect, it } from 'vitest'
import { ACTIVITY_ID, activityId, decodeActivityEvent, encodeActivityEvent, readActivityPage, type ActivityEvent } from './activity.ts'

const base = { listId: 'l1', at: 1_700_000_000_000, actor: { id: 'u1', name: 'Ben' } }
const id = (seq: number) => activityId(base.at, seq, 'node1')

/** One event of every type, as the server writes them. */
const EVENTS: ActivityEvent[] = [
  { ...base, id: id(0), type: 'item_created', item: { id: 'i1', name: 'Milk' } },
  { ...base, id: id(1), type: 'item_updated', item: { id: 'i1', name: 'Oat milk' }, changes: ['text', 'quantity'], from: 'Milk' },
  { ...base, id: id(2), type: 'item_updated', item: { id: 'i1', name: 'Oat milk' }, changes: ['order'] },
  { ...base, id: id(3), type: 'item_checked', item: { id: 'i1', name: 'Oat milk' } },
  { ...base, id: id(4), type: 'item_unchecked', item: { id: 'i1', name: 'Oat milk' } },
  { ...base, id: id(5), type: 'item_deleted', item: { id: 'i1', name: 'Oat milk' } },
  { ...base, id: id(6), type: 'items_bulk_deleted', count: 30, items: [{ id: 'i2', name: 'Eggs' }] },
  { ...base, id: id(7), type: 'category_created', category: { id: 'c1', name: 'Dairy' } },
  { ...base, id: id(8), type: 'category_updated', category: { id: 'c1', name: 'Fridge' }, changes: ['name'], from: 'Dairy' },
  { ...base, id: id(9), type: 'category_deleted', category: { id: 'c1', name: 'Fridge' } },
  { ...base, id: id(10), type: 'joined' },
  { ...base, id: id(11), type: 'left' },
]

describe('activity events', () => {
  it('round-trip as JSON, every type', () => {
    for (const event of EVENTS) expect(decodeActivityEvent(encodeActivityEvent(event))).toEqual(event)
  })

  it('refuse what is not an event of its type', () => {
    const [created, updated] = EVENTS
    const broken: unknown[] = [
      { ...created, id: 'nope' },
      { ...created, type: 'item_exploded' },
      { ...created, item: undefined },
      { ...created, actor: { id: '', name: 'x' } },
      { ...updated, changes: ['colour'] },
      { ...created, at: '2024' },
      null,
    ]
    for (const value of broken) expect(() => decodeActivityEvent(JSON.stringify(value)), JSON.stringify(value)).toThrow()
  })

  it('ids sort in code-point order as the events happened, and match the id pattern', () => {
    const ids = [activityId(999, 5, 'b'), activityId(1000, 0, 'a'), activityId(1000, 1, 'a'), activityId(10_000, 999_999, 'z'), activityId(10_000, 1_000_000, 'a')]
    expect(ids.every((value) => ACTIVITY_ID.test(value))).toBe(true)
    expect(ids.slice(0, 4)).toEqual(ids.slice(0, 4).sort())
  })

  it('read a page leaving out events this app does not know, refusing a malformed page', () => {
    const future = { ...base, id: id(12), type: 'item_teleported' }
    expect(readActivityPage({ events: [EVENTS[0], future, EVENTS[10]], next: id(10) })).toEqual({ events: [EVENTS[0], EVENTS[10]], next: id(10) })
    expect(readActivityPage({ events: [], next: null })).toEqual({ events: [], next: null })
    expect(readActivityPage({ events: 'x', next: null })).toBeNull()
    expect(readActivityPage({ events: [] })).toBeNull()
  })
})
