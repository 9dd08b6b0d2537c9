import { describe, expect, it } from 'vitest'
import { PresencePenalty } from './presence-penalty.ts'

describe('PresencePenalty', () => {
  it('bars a user from one list after `strikes` refusals within the window, for that long, and nobody else', () => {
    let now = 0
    const penalty = new PresencePenalty(3, 60_000, () => now)
    penalty.strike('list', 'mallory')
    now = 10_000
    penalty.strike('list', 'mallory')
    expect(penalty.isBarred('list', 'mallory')).toBe(false)
    now = 20_000
    penalty.strike('list', 'mallory')
    expect(penalty.isBarred('list', 'mallory')).toBe(true)
    expect(penalty.isBarred('other-list', 'mallory')).toBe(false)
    expect(penalty.isBarred('list', 'ana')).toBe(false)
    now = 79_999
    expect(penalty.isBarred('list', 'mallory')).toBe(true)
    now = 80_000
    expect(penalty.isBarred('list', 'mallory')).toBe(false)
  })

  it('forgets refusals older than the window, and never bars with 0 strikes', () => {
    let now = 0
    const penalty = new PresencePenalty(3, 60_000, () => now)
    for (const at of [0, 50_000, 110_000, 170_000]) {
      now = at
      penalty.strike('list', 'mallory')
    }
    expect(penalty.isBarred('list', 'mallory')).toBe(false)
    const off = new PresencePenalty(0, 60_000, () => now)
    for (let i = 0; i < 10; i++) off.strike('list', 'mallory')
    expect(off.isBarred('list', 'mallory')).toBe(false)
  })

  it('stays bounded under refusals of many users on many lists', () => {
    let now = 0
    const penalty = new PresencePenalty(3, 60_000, () => now)
    for (let i = 0; i < 30_000; i++) {
      now = i
      penalty.strike(`list ${i % 7}`, `user ${i}`)
    }
    expect(penalty.size).toBeLessThanOrEqual(10_000)
  })
})
