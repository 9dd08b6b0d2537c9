import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem } from '../shared/list-document.ts'
import { itemsMap } from '../shared/list-layout.ts'
import { chunksOffThread, snapshotOffThread, statsOffThread } from './stored-doc-worker.ts'
import { docFromUpdates, snapshotOf } from './stored-doc.ts'
import { CONCAT_BYTES_PER_TURN } from '../shared/across-turns.ts'

/** A list whose updates are views at odd offsets into larger buffers (as storage may hand them), one past CONCAT_BYTES_PER_TURN. */
function storedLike(): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => {
    const padded = new Uint8Array(update.byteLength + 7)
    padded.set(update, 3)
    updates.push(padded.subarray(3, 3 + update.byteLength))
  })
  doc.transact(() => {
    for (let i = 0; i < 2_500; i++) addItem(doc, { text: `item ${i} ${'x'.repeat(500)}`, createdBy: 'u1', last: null })
  })
  for (let i = 0; i < 3; i++) addItem(doc, { text: `later ${i}`, createdBy: 'u1' })
  return updates
}

/** Byte equality (vitest's deep equality takes seconds on megabytes). */
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

describe('the stored-doc worker', () => {
  it('is sent every byte of updates larger than a turn’s copy, at offsets into larger buffers, and leaves them intact', async () => {
    const updates = storedLike()
    expect(updates[0]!.byteLength).toBeGreaterThan(CONCAT_BYTES_PER_TURN)
    const before = updates.map((update) => Uint8Array.from(update))
    const expected = docFromUpdates(updates)
    expect(same(await snapshotOffThread(updates), snapshotOf(expected))).toBe(true)
    expect((await statsOffThread(updates)).open).toBe(2_503)
    const rebuilt = docFromUpdates(await chunksOffThread(updates))
    expect(itemsMap(rebuilt).size).toBe(2_503)
    expect(Y.encodeStateVector(rebuilt)).toEqual(Y.encodeStateVector(expected))
    expect(updates.every((update, i) => same(update, before[i]!))).toBe(true)
  }, 60_000)
})
