import { describe, expect, it } from 'vitest'
import { activityId, type ActivityEvent, type ActivityPage } from '../../../shared/activity.ts'
import { ListActivity } from './list-activity.ts'

const event = (at: number, type: 'joined' | 'left' = 'joined'): ActivityEvent => ({ id: activityId(at, 0, 'n'), listId: 'l1', at, actor: { id: 'ben', name: 'Ben' }, type })

/** A server holding `events` (any order), paging them newest first like the route. */
function server(events: ActivityEvent[]) {
  const calls: Array<string | undefined> = []
  return {
    calls,
    events,
    async fetchPage({ before, limit = 30 }: { before?: string; limit?: number }): Promise<ActivityPage> {
      calls.push(before)
      const older = [...events].sort((a, b) => (a.id < b.id ? 1 : -1)).filter((e) => before === undefined || e.id < before)
      const page = older.slice(0, limit)
      return { events: page, next: older.length > limit ? page.at(-1)!.id : null }
    },
  }
}

describe('ListActivity', () => {
  it('loads the newest page, then older ones, newest first and once each', async () => {
    const source = server(Array.from({ length: 45 }, (_, i) => event(1000 + i)))
    const feed = new ListActivity('l1', source)
    await feed.refresh()
    expect(feed.getSnapshot().events).toHaveLength(30)
    expect(feed.getSnapshot().hasMore).toBe(true)
    await feed.loadMore()
    const { events, hasMore } = feed.getSnapshot()
    expect(hasMore).toBe(false)
    expect(events.map((e) => e.at)).toEqual(Array.from({ length: 45 }, (_, i) => 1044 - i))
    await feed.refresh()
    expect(feed.getSnapshot().events).toHaveLength(45)
  })

  it('reports what arrives after opening, live or on a refresh, but not what was there', async () => {
    const source = server([event(1), event(2)])
    const feed = new ListActivity('l1', source)
    const arrived: number[] = []
    feed.on('arrived', (e) => arrived.push(e.at))
    await feed.refresh()
    feed.receive(event(3, 'left'))
    feed.receive(event(3, 'left'))
    feed.receive({ ...event(9), listId: 'other' })
    source.events.push(event(3, 'left'), event(4))
    await feed.refresh()
    expect(arrived).toEqual([3, 4])
    expect(feed.getSnapshot().events.map((e) => e.at)).toEqual([4, 3, 2, 1])
  })

  it('keeps what it showed when a fetch fails, and says so', async () => {
    const feed = new ListActivity('l1', { fetchPage: () => Promise.reject(new Error('offline')) })
    await feed.refresh()
    expect(feed.getSnapshot()).toMatchObject({ loaded: false, loading: false, error: 'offline' })
  })
})
