import { afterEach, describe, expect, it, vi } from 'vitest'
import { activityId, type ActivityEvent } from '../../../shared/activity.ts'
import { LatestActivity } from './latest-activity.ts'

// The tab's store fetches through the app's API client, which needs a browser; these stores are given their fetch.
vi.mock('../api.ts', () => ({ api: {} }))
vi.mock('../auth/session.ts', () => ({ withToken: () => Promise.reject(new Error('not in these tests')) }))

afterEach(() => {
  vi.useRealTimers()
})

const added = (at: number, name: string): ActivityEvent =>
  ({ id: activityId(at, 0, 'n'), listId: 'list-1', at, actor: { id: 'ana', name: 'Ana' }, type: 'item_created', item: { id: name, name } }) as unknown as ActivityEvent

describe('the latest activity of a list card', () => {
  it('asks again when the change the lists feed reports is not in the activity yet (the server records a burst once it pauses)', async () => {
    vi.useFakeTimers()
    const changedAt = 1_000_000
    const answers: ActivityEvent[][] = [[], [added(changedAt - 60_000, 'Tent')], [added(changedAt + 20, 'Matches')]]
    const fetchLatest = vi.fn(async () => answers.shift() ?? [])
    const store = new LatestActivity(fetchLatest, [100, 200, 300])
    store.want('list-1', changedAt)
    await vi.advanceTimersByTimeAsync(0)
    expect(store.get('list-1')).toBeNull()
    await vi.advanceTimersByTimeAsync(100)
    // An older event is shown meanwhile, and it is still not the change: asked again.
    expect(store.get('list-1')?.at).toBe(changedAt - 60_000)
    await vi.advanceTimersByTimeAsync(200)
    expect(store.get('list-1')?.at).toBe(changedAt + 20)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(fetchLatest).toHaveBeenCalledTimes(3)
  })

  it('gives up after its last delay, and asks once per change when the event is there', async () => {
    vi.useFakeTimers()
    const never = vi.fn(async () => [] as ActivityEvent[])
    const store = new LatestActivity(never, [100, 200])
    store.want('list-1', 5_000_000)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(never).toHaveBeenCalledTimes(3)

    const found = vi.fn(async () => [added(7_000_000, 'Milk')])
    const other = new LatestActivity(found, [100, 200])
    other.want('list-1', 7_000_000)
    other.want('list-1', 7_000_000)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(found).toHaveBeenCalledTimes(1)
    expect(other.get('list-1')?.at).toBe(7_000_000)
  })
})
