import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, getItem, setChecked } from '../../../shared/list-document.ts'
import { changedDocument, onDocChange } from './doc-changes.ts'
import { quietReplicaLoad } from './replica-load.ts'

/** A device copy as y-indexeddb stores it: the updates of a list with `count` items. */
function storedCopy(count: number): Uint8Array {
  const doc = new Y.Doc()
  let last: { id: string; order: string } | null = null
  for (let i = 0; i < count; i++) {
    const id = addItem(doc, { text: `Item ${i}`, createdBy: 'u1', last })
    last = { id, order: getItem(doc, id)!.order }
  }
  return Y.encodeStateAsUpdate(doc)
}

/** What y-indexeddb's load does: every stored update in one transaction, its origin the replica, not local. */
const load = (doc: Y.Doc, replica: object, stored: Uint8Array) => Y.transact(doc, () => Y.applyUpdate(doc, stored), replica, false)

function setUp(quiet = () => true) {
  const doc = new Y.Doc()
  const replica = {}
  const updates: Array<{ origin: unknown; bytes: number }> = []
  doc.on('update', (update: Uint8Array, origin: unknown) => updates.push({ origin, bytes: update.byteLength }))
  const changes: Y.Transaction[] = []
  onDocChange(doc, (transaction) => changes.push(transaction))
  const unencoded: Y.Transaction[] = []
  const stop = quietReplicaLoad(doc, replica, { quiet, onQuiet: (transaction) => unencoded.push(transaction) })
  return { doc, replica, updates, changes, unencoded, stop }
}

describe('quietReplicaLoad', () => {
  it('gives update listeners nothing for the load, while change listeners hear it; later changes are encoded as before', () => {
    const { doc, replica, updates, changes, unencoded, stop } = setUp()
    load(doc, replica, storedCopy(20))
    expect(updates).toEqual([])
    expect(changes).toHaveLength(1)
    expect(unencoded).toEqual(changes)
    expect(doc.getMap('items').size).toBe(20)
    stop()
    const id = [...doc.getMap('items').keys()][0]!
    setChecked(doc, id, true)
    expect(updates).toHaveLength(1)
    expect(updates[0]!.origin).toBeNull()
    expect(changes).toHaveLength(2)
  })

  it('encodes the load when something would send it (the socket connected before the copy was read)', () => {
    let connected = true
    const { doc, replica, updates, unencoded } = setUp(() => !connected)
    load(doc, replica, storedCopy(5))
    expect(updates.map((entry) => entry.origin)).toEqual([replica])
    expect(unencoded).toEqual([])
    // Once nothing would send it, a load (y-indexeddb reads again when it trims its store) is not encoded.
    connected = false
    load(doc, replica, storedCopy(1))
    expect(updates).toHaveLength(1)
    expect(unencoded).toHaveLength(1)
  })

  it('encodes a change an observer makes in answer to the load, and any transaction of another origin', () => {
    const { doc, replica, updates } = setUp()
    const items = doc.getMap('items')
    // An observer of the loaded list writing in reply: its transaction is cleaned up after the load's.
    const reply = () => {
      items.unobserve(reply)
      doc.transact(() => doc.getMap('meta').set('seen', true), 'reply')
    }
    items.observe(reply)
    load(doc, replica, storedCopy(3))
    expect(updates.map((entry) => entry.origin)).toEqual(['reply'])
    Y.transact(doc, () => Y.applyUpdate(doc, storedCopy(1)), 'server', false)
    expect(updates.map((entry) => entry.origin)).toEqual(['reply', 'server'])
  })

  it('keeps an update listener added while the others were held (it hears the load: Yjs encodes for it), after them', () => {
    const { doc, replica, updates } = setUp()
    const late: unknown[] = []
    doc.once('afterTransactionCleanup', () => doc.on('update', (_update: Uint8Array, origin: unknown) => late.push(origin)))
    load(doc, replica, storedCopy(2))
    doc.transact(() => doc.getMap('meta').set('x', 1), 'local')
    expect(updates.map((entry) => entry.origin)).toEqual(['local'])
    expect(late).toEqual([replica, 'local'])
  })

  it('stops: a later transaction of the replica is encoded', () => {
    const { doc, replica, updates, stop } = setUp()
    stop()
    load(doc, replica, storedCopy(2))
    expect(updates.map((entry) => entry.origin)).toEqual([replica])
  })
})

describe('changedDocument', () => {
  it('is true for added structs and for deletions only, false for a transaction that changed nothing', () => {
    const doc = new Y.Doc()
    const seen: boolean[] = []
    doc.on('afterTransaction', (transaction: Y.Transaction) => seen.push(changedDocument(transaction)))
    doc.transact(() => doc.getMap('m').set('a', 1))
    doc.transact(() => {})
    doc.transact(() => doc.getMap('m').delete('a'))
    expect(seen).toEqual([true, false, true])
  })
})
