/** The update sequence format (update-sequence.ts): its round trip, and what it refuses. */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { decodeUpdates, encodeUpdates, encodeUpdatesInPieces } from './update-sequence.ts'

describe('update sequences', () => {
  it('round-trips any sequence of updates; its header is never a Yjs update; other versions and trailing bytes are refused', () => {
    const updates = [new Uint8Array([0, 0]), new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)]
    const encoded = encodeUpdates(updates)
    expect(decodeUpdates(encoded)).toEqual(updates)
    expect(encodeUpdates([updates[2]!])).toBe(updates[2])
    expect(() => Y.applyUpdate(new Y.Doc(), encoded)).toThrow()
    const otherVersion = encoded.slice()
    otherVersion[8] = 2
    expect(() => decodeUpdates(otherVersion)).toThrow(/version 2/)
    expect(() => decodeUpdates(new Uint8Array([...encoded, 0]))).toThrow(/after the last update/)
  })

  it('written in pieces, gives the same bytes, and a single update is itself', () => {
    const updates = [new Uint8Array([0, 0]), new Uint8Array(200).fill(3), new Uint8Array(0)]
    expect(Buffer.concat(encodeUpdatesInPieces(updates))).toEqual(Buffer.from(encodeUpdates(updates)))
    expect(encodeUpdatesInPieces([updates[1]!])).toEqual([updates[1]])
  })
})
