import { describe, expect, it } from 'vitest'
import { SLICE_MS, eachAcrossTurns, nextTurn, walkAcrossTurns } from './across-turns.ts'

/** Holds the thread for `ms`, as a step reading a large item would. */
function busy(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until);
}

describe('walkAcrossTurns', () => {
  it('takes its first step in a later turn and resolves when a step returns false', async () => {
    const steps: number[] = []
    let n = 0
    const done = walkAcrossTurns(() => {
      steps.push(++n)
      return n < 3
    })
    expect(steps).toEqual([])
    await done
    expect(steps).toEqual([1, 2, 3])
  })

  it('shares one turn between walks, a step each in turn, and yields once the slice is spent', async () => {
    const order: string[] = []
    const turns: number[] = []
    let turn = 0
    let counting = true
    void (async () => {
      while (counting) {
        await nextTurn()
        turn++
      }
    })()
    const walk = (name: string, count: number) => {
      let left = count
      return walkAcrossTurns(() => {
        order.push(name)
        turns.push(turn)
        busy(SLICE_MS / 2 + 0.5)
        return --left > 0
      })
    }
    await Promise.all([walk('a', 4), walk('b', 4)])
    counting = false
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'])
    // Two steps of more than half a slice fill a turn: eight steps take at least four turns.
    expect(new Set(turns).size).toBeGreaterThanOrEqual(4)
  })

  it('rejects with what a step throws, and the other walks go on', async () => {
    const other: number[] = []
    const failing = walkAcrossTurns(() => {
      throw new Error('bad item')
    })
    const fine = eachAcrossTurns([1, 2, 3], (n) => void other.push(n))
    await expect(failing).rejects.toThrow('bad item')
    await fine
    expect(other).toEqual([1, 2, 3])
  })
})
