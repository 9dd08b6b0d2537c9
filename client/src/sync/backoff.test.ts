import { describe, expect, it } from 'vitest'
import { RECONNECT_JITTER, RECONNECT_STEPS_MS, reconnectDelay } from './backoff.ts'

describe('reconnectDelay', () => {
  it('steps through about 1, 2, 5, 10, 30 s and stays at 30 s', () => {
    const middle = () => 0.5
    expect([0, 1, 2, 3, 4, 5, 12].map((attempt) => reconnectDelay(attempt, middle))).toEqual([1000, 2000, 5000, 10_000, 30_000, 30_000, 30_000])
  })

  it('jitters each step by at most ±25 %', () => {
    RECONNECT_STEPS_MS.forEach((base, attempt) => {
      expect(reconnectDelay(attempt, () => 0)).toBe(Math.round(base * (1 - RECONNECT_JITTER)))
      expect(reconnectDelay(attempt, () => 0.999999)).toBeLessThanOrEqual(Math.round(base * (1 + RECONNECT_JITTER)))
    })
  })

  it('spreads clients that failed together', () => {
    let seed = 1
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(2, random)))
    expect(delays.size).toBeGreaterThan(40)
  })

  it('treats nonsense attempts as the first or last step', () => {
    expect(reconnectDelay(-3, () => 0.5)).toBe(1000)
    expect(reconnectDelay(2.7, () => 0.5)).toBe(5000)
  })
})
