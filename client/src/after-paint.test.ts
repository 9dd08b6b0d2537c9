import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { pacedAfterPaint } from './after-paint.ts'

describe('pacedAfterPaint', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs work after a pause at once (after the frame), and work in a burst at most once per interval', () => {
    const schedule = pacedAfterPaint(200, () => Date.now())
    const ran: number[] = []
    const start = Date.now()
    schedule(() => ran.push(Date.now() - start))
    // No frame in this environment: "after the paint" is the next task.
    vi.advanceTimersByTime(1)
    expect(ran).toEqual([0])
    vi.advanceTimersByTime(59)
    schedule(() => ran.push(Date.now() - start))
    vi.advanceTimersByTime(100)
    expect(ran).toHaveLength(1)
    vi.advanceTimersByTime(42)
    expect(ran).toHaveLength(2)
    expect(ran[1]).toBeGreaterThanOrEqual(200)
    expect(ran[1]).toBeLessThanOrEqual(202)
    // After a pause longer than the interval, at once again.
    vi.advanceTimersByTime(500)
    const pausedAt = Date.now() - start
    schedule(() => ran.push(Date.now() - start))
    vi.advanceTimersByTime(1)
    expect(ran).toHaveLength(3)
    expect(ran[2]! - pausedAt).toBeLessThanOrEqual(1)
  })

  it('cancels work that has not run, whether it waits for its interval or for the frame', () => {
    const schedule = pacedAfterPaint(200, () => Date.now())
    const ran: string[] = []
    schedule(() => ran.push('first'))()
    vi.advanceTimersByTime(10)
    expect(ran).toEqual([])
    schedule(() => ran.push('second'))
    vi.advanceTimersByTime(1)
    schedule(() => ran.push('third'))()
    vi.advanceTimersByTime(1000)
    expect(ran).toEqual(['second'])
  })
})
