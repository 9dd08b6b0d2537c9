import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { advanceClock, clocksAhead, clocksCover, mergeClocks } from './clocks.ts'

const stateVector = (doc: Y.Doc) => Y.decodeStateVector(Y.encodeStateVector(doc))

describe('advanceClock', () => {
  it('sets a clock only when it moves forward, and says whether it did', () => {
    const clocks = new Map<number, number>()
    expect(advanceClock(clocks, 1, 5)).toBe(true)
    expect(advanceClock(clocks, 1, 3)).toBe(false)
    expect(advanceClock(clocks, 1, 5)).toBe(false)
    expect(clocks.get(1)).toBe(5)
    expect(advanceClock(clocks, 1, 8)).toBe(true)
    expect(clocks.get(1)).toBe(8)
  })

  it('treats a missing client as clock 0', () => {
    const clocks = new Map<number, number>()
    expect(advanceClock(clocks, 7, 0)).toBe(false)
    expect(clocks.has(7)).toBe(false)
  })
})

describe('mergeClocks', () => {
  it('keeps the larger clock per client and returns only the entries that moved', () => {
    const into = new Map([
      [1, 10],
      [2, 4],
    ])
    const advanced = mergeClocks(
      into,
      new Map([
        [1, 7],
        [2, 6],
        [3, 1],
      ]),
    )
    expect([...into].sort()).toEqual([
      [1, 10],
      [2, 6],
      [3, 1],
    ])
    expect([...advanced].sort()).toEqual([
      [2, 6],
      [3, 1],
    ])
    expect(mergeClocks(into, advanced).size).toBe(0)
  })
})

describe('clocksAhead', () => {
  it('gives the clocks a transaction advanced, from its before and after state', () => {
    const doc = new Y.Doc()
    doc.getMap('m').set('a', 1)
    let ahead: Map<number, number> | null = null
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      ahead = clocksAhead(tr.afterState, tr.beforeState)
    })
    doc.getMap('m').set('b', 2)
    expect(ahead).toEqual(new Map([[doc.clientID, stateVector(doc).get(doc.clientID)]]))
    doc.getMap('m').delete('b') // a deletion adds no struct: no clock moves
    expect(ahead).toEqual(new Map())
  })
})

describe('clocksCover', () => {
  it('holds when every client of the other map is reached', () => {
    const clocks = new Map([
      [1, 5],
      [2, 3],
    ])
    expect(clocksCover(clocks, new Map([[1, 5]]))).toBe(true)
    expect(clocksCover(clocks, new Map())).toBe(true)
    expect(clocksCover(clocks, new Map([[2, 4]]))).toBe(false)
    expect(clocksCover(clocks, new Map([[3, 1]]))).toBe(false)
  })
})
