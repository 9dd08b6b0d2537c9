import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { advanceClock, clocksAhead, clocksCover, clocksOf, mergeClocks } from './clocks.ts'

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

describe('clocksOf', () => {
  it('is the decoded state vector, for documents written by several clients, with deletions, GC and skipped ranges', () => {
    const docs = [new Y.Doc({ gc: true }), new Y.Doc({ gc: false })]
    const [a, b] = docs as [Y.Doc, Y.Doc]
    expect(clocksOf(a)).toEqual(new Map())
    a.getArray<string>('items').insert(0, ['x', 'y', 'z'])
    b.getMap('m').set('k', 1)
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
    a.getArray<string>('items').delete(0, 2)
    a.getText('t').insert(0, 'hello')
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    // An update from a client whose earlier changes are missing: kept pending, not in the store.
    const c = new Y.Doc()
    c.getMap('m').set('first', 1)
    const missing = Y.encodeStateAsUpdate(c)
    c.getMap('m').set('second', 2)
    Y.applyUpdate(b, Y.diffUpdate(Y.encodeStateAsUpdate(c), Y.encodeStateVectorFromUpdate(missing)))
    for (const doc of [a, b, c]) expect(clocksOf(doc)).toEqual(Y.decodeStateVector(Y.encodeStateVector(doc)))
  })
})
