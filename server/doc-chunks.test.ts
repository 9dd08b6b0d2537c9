/**
 * DocChunker (doc-chunks.ts) and the stored snapshot format
 * (shared/update-sequence.ts): on seeded random documents written by several
 * replicas (JavaScript-sized and Yrs-sized clientIDs, text edits, moves,
 * deletions, garbage-collected content), every update of the sequence
 * applies whole on a replica holding the ones before it, and the sequence
 * gives the document exactly, from nothing or from a partial state, also
 * while the document keeps changing between chunks.
 */
import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addCategory, addItem, editItemText, listItems, moveItem, removeItem, setChecked, updateItem } from '../shared/list-document.ts'
import { decodeUpdates } from '../shared/update-sequence.ts'
import { CHUNK_BYTES, DELETE_RANGES, DocChunker, docChunks } from './doc-chunks.ts'
import { docFromStored, snapshotOf, storedUpdates } from './stored-doc.ts'
import { docFingerprint } from './test-support/stored-doc.ts'

const CLIENT_IDS = [7, 2 ** 32 - 5, 2 ** 53 - 3]

/** Replicas editing one list at random and syncing now and then; returns them and a doc holding everything. */
function randomList(seed: number, edits: number) {
  const gen = prng.create(seed)
  const replicas = CLIENT_IDS.map((clientID) => {
    const doc = new Y.Doc({ gc: true })
    doc.clientID = clientID
    return doc
  })
  const sync = (a: Y.Doc, b: Y.Doc) => {
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
  }
  for (let i = 0; i < edits; i++) randomEdit(gen, prng.oneOf(gen, replicas), i)
  for (const a of replicas) for (const b of replicas) if (a !== b && prng.bool(gen)) sync(a, b)
  for (let i = 0; i < edits; i++) {
    randomEdit(gen, prng.oneOf(gen, replicas), edits + i)
    if (prng.int32(gen, 0, 9) === 0) sync(prng.oneOf(gen, replicas), prng.oneOf(gen, replicas))
  }
  const whole = new Y.Doc({ gc: true })
  for (const replica of replicas) Y.applyUpdate(whole, Y.encodeStateAsUpdate(replica))
  return { gen, replicas, whole }
}

function randomEdit(gen: prng.PRNG, doc: Y.Doc, n: number): void {
  const items = listItems(doc).items
  const pick = () => items[prng.int32(gen, 0, items.length - 1)]!
  const roll = items.length < 5 ? 0 : prng.int32(gen, 0, 9)
  if (roll <= 2) addItem(doc, { text: `item ${n} ${prng.word(gen, 0, 12)}`, createdBy: 'u' })
  else if (roll === 3) editItemText(doc, pick().id, (text) => text.insert(prng.int32(gen, 0, text.length), prng.word(gen, 1, 6)))
  else if (roll === 4) editItemText(doc, pick().id, (text) => text.length > 2 && text.delete(1, prng.int32(gen, 1, text.length - 1)))
  else if (roll === 5) setChecked(doc, pick().id, prng.bool(gen))
  else if (roll === 6) removeItem(doc, pick().id)
  else if (roll === 7) moveItem(doc, pick().id, { after: prng.bool(gen) ? null : pick().id })
  else if (roll === 8) updateItem(doc, pick().id, { quantity: `${prng.int32(gen, 1, 9)} packs` })
  else addCategory(doc, { name: prng.word(gen, 1, 8) })
}

/** Applies `updates` in order to `doc`, checking that none leaves anything pending. */
function applyWhole(doc: Y.Doc, updates: Iterable<Uint8Array>): number {
  let count = 0
  for (const update of updates) {
    Y.applyUpdate(doc, update)
    expect(doc.store.pendingStructs, `update ${count} left structs pending`).toBeNull()
    expect(doc.store.pendingDs, `update ${count} left deletions pending`).toBeNull()
    count++
  }
  return count
}

/**
 * The fingerprint of what `doc` holds, read from a copy made of its whole
 * encoded state: the copy knows the root types the state has, where `doc`
 * also knows those it merely asked for (an empty `categories`).
 */
function contentOf(doc: Y.Doc): string {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return docFingerprint(copy)
}

function* chunks(chunker: DocChunker, maxBytes: number): Generator<Uint8Array> {
  for (let chunk = chunker.next(maxBytes); chunk; chunk = chunker.next(maxBytes)) yield chunk
}

describe('DocChunker', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`rebuilds a random list from nothing, each small chunk applying whole (seed ${seed})`, () => {
      const { whole } = randomList(seed, 300)
      const rebuilt = new Y.Doc({ gc: true })
      const count = applyWhole(rebuilt, chunks(new DocChunker(whole), 200))
      expect(count).toBeGreaterThan(10)
      expect(contentOf(rebuilt)).toBe(contentOf(whole))
    })

    it(`brings a replica holding part of the list up to date (seed ${seed})`, () => {
      const { replicas, whole } = randomList(seed, 300)
      for (const replica of replicas) {
        const receiver = new Y.Doc({ gc: true })
        Y.applyUpdate(receiver, Y.encodeStateAsUpdate(replica))
        applyWhole(receiver, chunks(new DocChunker(whole, Y.decodeStateVector(Y.encodeStateVector(receiver))), 300))
        expect(contentOf(receiver)).toBe(contentOf(whole))
      }
    })

    it(`keeps up with a document that changes between chunks, as a receiver that also gets the changes does (seed ${seed})`, () => {
      const { gen, replicas, whole } = randomList(seed, 200)
      const receiver = new Y.Doc({ gc: true })
      const chunker = new DocChunker(whole)
      // What a room relays meanwhile: every change, in the order it was made, interleaved with the chunks.
      const writer = replicas[0]!
      const relayed: Uint8Array[] = []
      writer.on('update', (update: Uint8Array) => relayed.push(update))
      for (let chunk = chunker.next(300), n = 0; chunk; chunk = chunker.next(300), n++) {
        Y.applyUpdate(receiver, chunk)
        Y.applyUpdate(writer, Y.encodeStateAsUpdate(whole, Y.encodeStateVector(writer)))
        randomEdit(gen, writer, 10_000 + n)
        for (const update of relayed.splice(0)) {
          Y.applyUpdate(whole, update)
          Y.applyUpdate(receiver, update)
        }
      }
      expect(receiver.store.pendingStructs).toBeNull()
      expect(contentOf(receiver)).toBe(contentOf(whole))
    })
  }

  it('cuts a large delete set into parts of at most DELETE_RANGES ranges', () => {
    const doc = new Y.Doc({ gc: true })
    const ids = doc.transact(() => Array.from({ length: 3 * DELETE_RANGES }, (_, i) => addItem(doc, { text: `item ${i}`, createdBy: 'u', last: null })))
    doc.transact(() => {
      for (const [i, id] of ids.entries()) if (i % 2 === 0) removeItem(doc, id)
      // Overwritten entries: deleted, a range each (every item's entries sit apart).
      for (const [i, id] of ids.entries()) if (i % 2 === 1) updateItem(doc, id, { quantity: `${i}` })
    })
    const updates = docChunks(doc)
    const deleteParts = updates.filter((update) => Y.decodeUpdate(update).structs.length === 0)
    expect(deleteParts.length).toBeGreaterThan(1)
    for (const part of deleteParts) {
      const ranges = [...Y.decodeUpdate(part).ds.clients.values()].reduce((sum, list) => sum + list.length, 0)
      expect(ranges).toBeLessThanOrEqual(DELETE_RANGES)
    }
    const rebuilt = new Y.Doc({ gc: true })
    applyWhole(rebuilt, updates)
    expect(contentOf(rebuilt)).toBe(contentOf(doc))
  })

  // Without garbage collection a deleted struct keeps its content, so its deletion travels in the delete set only.
  it('resumes the delete set scan exactly where a part ended, between deleted structs too', () => {
    const doc = new Y.Doc({ gc: false })
    const text = doc.getText('probe')
    // Each character typed before the last: structs that never merge, in clock order from the end of the text.
    for (let i = 0; i < 3 * DELETE_RANGES + 50; i++) text.insert(0, 'x')
    // Two of every three deleted: in clock order, pairs of deleted structs (two ranges) between kept ones.
    doc.transact(() => {
      for (let i = text.length - 1; i >= 0; i--) if (i % 3 !== 0) text.delete(i, 1)
    })
    const updates = docChunks(doc)
    expect(updates.filter((update) => Y.decodeUpdate(update).structs.length === 0).length).toBeGreaterThan(1)
    const rebuilt = new Y.Doc({ gc: false })
    applyWhole(rebuilt, updates)
    expect(rebuilt.getText('probe').toString()).toBe(text.toString())
    expect(Y.encodeStateAsUpdate(rebuilt)).toEqual(Y.encodeStateAsUpdate(doc))
  })
})

describe('stored snapshots', () => {
  it('a list that fits in one chunk is stored as one plain update', () => {
    const { whole } = randomList(11, 40)
    const snapshot = snapshotOf(whole)
    expect(decodeUpdates(snapshot)).toEqual([snapshot])
    const plain = new Y.Doc()
    Y.applyUpdate(plain, snapshot)
    expect(contentOf(plain)).toBe(contentOf(whole))
  })

  it('a larger list is stored as its chunks, and loads back to the same document', () => {
    const doc = new Y.Doc({ gc: true })
    doc.transact(() => {
      for (let i = 0; i < 3000; i++) addItem(doc, { text: `item ${i} with a name long enough to take some room`, createdBy: 'u', last: null })
    })
    const snapshot = snapshotOf(doc)
    expect([...snapshot.subarray(0, 8)]).toEqual(Array(8).fill(0xff))
    const parts = decodeUpdates(snapshot)
    expect(parts.length).toBeGreaterThan(2)
    for (const part of parts) expect(part.byteLength).toBeLessThan(CHUNK_BYTES + 1024)
    const loaded = docFromStored({ snapshot, updates: [] })
    expect(contentOf(loaded)).toBe(contentOf(doc))
    // A log after the snapshot applies after its chunks.
    const later = new Y.Doc()
    Y.applyUpdate(later, Y.encodeStateAsUpdate(doc))
    const update = (() => {
      let captured: Uint8Array | null = null
      later.once('update', (u: Uint8Array) => (captured = u))
      addItem(later, { text: 'one more', createdBy: 'u' })
      return captured!
    })()
    expect(storedUpdates({ snapshot, updates: [update] })).toHaveLength(parts.length + 1)
    expect(contentOf(docFromStored({ snapshot, updates: [update] }))).toBe(contentOf(later))
  })
})
