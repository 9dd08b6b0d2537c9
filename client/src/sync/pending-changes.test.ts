import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, editItemText, setChecked } from '../../../shared/list-document.ts'
import { noteDeletionOnlyChanges } from './deletion-clock.ts'
import { EDIT_GROUP } from './origins.ts'
import { PendingChanges, readStoredPending, type KeyValueStore } from './pending-changes.ts'

class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, string>()
  getItem(key: string) {
    return this.data.get(key) ?? null
  }
  setItem(key: string, value: string) {
    this.data.set(key, value)
  }
  removeItem(key: string) {
    this.data.delete(key)
  }
}

const stateVector = (doc: Y.Doc) => Y.decodeStateVector(Y.encodeStateVector(doc))

describe('PendingChanges', () => {
  it('counts each local change until the durable clock covers it', () => {
    const doc = new Y.Doc()
    const pending = new PendingChanges(doc, null, 'k')
    const milk = addItem(doc, { text: 'Milk', createdBy: 'u' })
    const afterFirst = stateVector(doc)
    setChecked(doc, milk, true)
    expect(pending.count).toBe(2)
    pending.acknowledge(afterFirst)
    expect(pending.count).toBe(1)
    pending.acknowledge(stateVector(doc))
    expect(pending.count).toBe(0)
  })

  it('counts typing in one field as one change, acknowledged once its last keystroke is', () => {
    const doc = new Y.Doc()
    const pending = new PendingChanges(doc, null, 'k')
    const milk = addItem(doc, { text: 'Milk', createdBy: 'u' })
    const type = (group: string, text: string) =>
      doc.transact((transaction) => {
        transaction.meta.set(EDIT_GROUP, group)
        editItemText(doc, milk, (t) => t.insert(t.length, text))
      })
    type(`text:${milk}`, ' a')
    const afterFirstKey = stateVector(doc)
    type(`text:${milk}`, 'n')
    type(`text:${milk}`, 'd')
    expect(pending.count).toBe(2)
    pending.acknowledge(afterFirstKey)
    expect(pending.count).toBe(1)
    type('text:other', 'x')
    setChecked(doc, milk, true)
    expect(pending.count).toBe(3)
    pending.acknowledge(stateVector(doc))
    expect(pending.count).toBe(0)
  })

  it('ignores remote updates', () => {
    const remote = new Y.Doc()
    addItem(remote, { text: 'Bread', createdBy: 'u' })
    const doc = new Y.Doc()
    const pending = new PendingChanges(doc, null, 'k')
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote), 'provider')
    expect(pending.count).toBe(0)
  })

  it('acknowledges a deletion-only change once the clock noted after it is durable', async () => {
    const doc = new Y.Doc()
    const id = addItem(doc, { text: 'Milk', createdBy: 'u' })
    const pending = new PendingChanges(doc, null, 'k')
    const stop = noteDeletionOnlyChanges(doc)
    const undo = new Y.UndoManager(doc.getMap('items'))
    const eggs = addItem(doc, { text: 'Eggs', createdBy: 'u' })
    pending.acknowledge(stateVector(doc))
    // Undoing an add only deletes: no struct, so no clock of its own.
    undo.undo()
    expect(doc.getMap('items').has(eggs)).toBe(false)
    expect(pending.count).toBe(1)
    await Promise.resolve()
    pending.acknowledge(stateVector(doc))
    expect(pending.count).toBe(0)

    const before = stateVector(doc)
    // A raw deletion outside list-document waits for the note written right after it.
    doc.transact(() => doc.getMap('items').delete(id))
    expect(pending.count).toBe(1)
    pending.acknowledge(before)
    expect(pending.count).toBe(1)
    await Promise.resolve()
    expect(pending.count).toBe(1)
    pending.acknowledge(stateVector(doc))
    expect(pending.count).toBe(0)
    stop()
  })

  it('keeps the queue across a reload and forgets changes the replica lost', () => {
    const store = new MemoryStore()
    const doc = new Y.Doc()
    const pending = new PendingChanges(doc, store, 'pending')
    addItem(doc, { text: 'Milk', createdBy: 'u' })
    addItem(doc, { text: 'Bread', createdBy: 'u' })
    pending.destroy()

    // The same device after a reload: a new clientID, the old changes come from IndexedDB.
    const reloaded = new Y.Doc()
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(doc))
    const again = new PendingChanges(reloaded, store, 'pending')
    expect(again.count).toBe(2)
    again.dropUnreachable()
    expect(again.count).toBe(2)
    again.acknowledge(stateVector(doc))
    expect(again.count).toBe(0)
    expect(store.data.has('pending')).toBe(false)

    // A replica that lost its data cannot send those changes; waiting for them would never end.
    const queue = new MemoryStore()
    new PendingChanges(doc, queue, 'q')
    addItem(doc, { text: 'Gone', createdBy: 'u' })
    const wiped = new PendingChanges(new Y.Doc(), queue, 'q')
    expect(wiped.count).toBe(1)
    wiped.dropUnreachable()
    expect(wiped.count).toBe(0)
  })

  it('survives a corrupt stored queue', () => {
    const store = new MemoryStore()
    store.setItem('q', '{"nextSeq": "nope"')
    expect(new PendingChanges(new Y.Doc(), store, 'q').count).toBe(0)
  })
})

describe('readStoredPending', () => {
  it('reads the count and the oldest change of a queue no session has loaded, and nothing from a corrupt one', () => {
    const store = new MemoryStore()
    const doc = new Y.Doc()
    const pending = new PendingChanges(doc, store, 'q')
    addItem(doc, { text: 'Milk', createdBy: 'u' })
    addItem(doc, { text: 'Eggs', createdBy: 'u' })
    const oldest = pending.getSnapshot().changes[0]?.at ?? null
    pending.destroy()
    expect(readStoredPending(store, 'q')).toEqual({ count: 2, oldestAt: oldest })
    expect(readStoredPending(store, 'other')).toEqual({ count: 0, oldestAt: null })
    store.setItem('q', '{not json')
    expect(readStoredPending(store, 'q')).toEqual({ count: 0, oldestAt: null })
    expect(readStoredPending(null, 'q')).toEqual({ count: 0, oldestAt: null })
  })
})
