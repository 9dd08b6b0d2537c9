import { describe, expect, it } from 'vitest'
import { activityId, type ActivityEvent } from '../../../shared/activity.ts'
import { latestShown, shownOnCard } from './card-event.ts'

const event = (seq: number, type: 'joined' | 'left' | 'item_checked', actor = 'ben'): ActivityEvent =>
  type === 'item_checked'
    ? { id: activityId(seq, 0, 'n'), listId: 'l', at: seq, actor: { id: actor, name: actor }, type, item: { id: 'i', name: 'Milk' } }
    : { id: activityId(seq, 0, 'n'), listId: 'l', at: seq, actor: { id: actor, name: actor }, type }

describe("a list card's latest activity", () => {
  it('is the newest change, else the newest coming or going', () => {
    expect(latestShown([event(3, 'left'), event(2, 'item_checked'), event(1, 'joined')])?.type).toBe('item_checked')
    expect(latestShown([event(3, 'left'), event(1, 'joined')])?.type).toBe('left')
    expect(latestShown([])).toBeNull()
  })

  // Seen on the lists page: a list its owner had just opened and closed said "You left · just now".
  it("never is the person's own coming and going; others' and every change are shown", () => {
    expect(shownOnCard(event(1, 'left', 'ana'), 'ana')).toBe(false)
    expect(shownOnCard(event(1, 'joined', 'ana'), 'ana')).toBe(false)
    expect(shownOnCard(event(1, 'left', 'ben'), 'ana')).toBe(true)
    expect(shownOnCard(event(1, 'item_checked', 'ana'), 'ana')).toBe(true)
  })
})
