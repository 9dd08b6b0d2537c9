/**
 * The durable writer on its own: no room, no sockets. It is fed what a room
 * feeds it (accepted updates with the clocks their transactions advanced)
 * and reports through its callbacks.
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { clocksAhead } from '../shared/clocks.ts'
import { addItem, getItem, listItems } from '../shared/list-document.ts'
import { DurableWriter, type DurableWriterOptions } from './durable-writer.ts'
import { docFromStored } from './stored-doc.ts'
import { Metrics } from './metrics.ts'
import { MemoryStorage } from './storage/memory-storage.ts'

async function writerFor(store: MemoryStorage, overrides: Partial<DurableWriterOptions> = {}) {
  const stored = await store.loadDoc('list')
  const doc = docFromStored(stored)
  const appended: Array<Map<number, number>> = []
  const failures: Error[] = []
  let settled = 0
  const writer = new DurableWriter('list', doc, stored, {
    store,
    metrics: new Metrics(),
    log: pino({ level: 'silent' }),
    compaction: { maxLogEntries: 1000, maxLogBytes: 1 << 20 },
    onAppended: (advanced) => appended.push(advanced),
    onFailed: (err) => failures.push(err),
    onSettled: () => settled++,
    ...overrides,
  })
  // What a room does with each local transaction.
  doc.on('update', (update: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => writer.append(update, clocksAhead(tr.afterState, tr.beforeState)))
  return { doc, writer, appended, failures, settled: () => settled }
}

describe('DurableWriter', () => {
  it('stores accepted updates and reports the clocks they made durable', async () => {
    const store = new MemoryStorage()
    const { doc, writer, appended, settled } = await writerFor(store)
    addItem(doc, { text: 'milk', createdBy: 'u' })
    addItem(doc, { text: 'eggs', createdBy: 'u' })
    await writer.whenFlushed()
    const clock = Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID)
    expect(writer.persistedClocks.get(doc.clientID)).toBe(clock)
    expect(appended.at(-1)!.get(doc.clientID)).toBe(clock)
    expect(writer.isSettled).toBe(true)
    expect(settled()).toBeGreaterThan(0)
    const reloaded = docFromStored(await store.loadDoc('list'))
    expect(listItems(reloaded).items.map((i) => i.text)).toEqual(['milk', 'eggs'])
  })

  it('an update appended while a flush is finishing (its loop done, its promise not yet settled) starts the next flush', async () => {
    const store = new MemoryStorage()
    let second: string | undefined
    const { doc, writer, settled } = await writerFor(store, {
      // Runs in a microtask right after the first batch is acknowledged, when the loop has just seen nothing pending.
      onAppended: () => queueMicrotask(() => (second ??= addItem(doc, { text: 'eggs', createdBy: 'u' }))),
    })
    addItem(doc, { text: 'milk', createdBy: 'u' })
    await writer.whenFlushed()
    expect(second).toBeDefined()
    // whenFlushed waited for the second flush too: nothing applied is left unwritten.
    expect(writer.isSettled).toBe(true)
    expect(writer.persistedClocks.get(doc.clientID)).toBe(Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID))
    expect(listItems(docFromStored(await store.loadDoc('list'))).items.map((i) => i.text)).toEqual(['milk', 'eggs'])
    expect(settled()).toBeGreaterThan(0)
  })

  it('stopped (list deleted) while updates are queued behind an append in flight: that append finishes, the queue is dropped, and it settles', async () => {
    const store = new MemoryStorage()
    const append = store.appendUpdates.bind(store)
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const batches: number[] = []
    store.appendUpdates = async (listId, updates) => {
      batches.push(updates.length)
      await gate
      return append(listId, updates)
    }
    const { doc, writer, settled } = await writerFor(store, { compaction: { maxLogEntries: 0, maxLogBytes: 0 } })
    addItem(doc, { text: 'milk', createdBy: 'u' })
    await Promise.resolve() // the flush starts on a microtask
    addItem(doc, { text: 'eggs', createdBy: 'u' }) // queued behind the append in flight
    expect(batches).toEqual([1])
    writer.stop()
    expect(writer.isSettled).toBe(false)
    release()
    await writer.whenFlushed()
    expect(writer.isSettled).toBe(true)
    expect(settled()).toBe(1)
    expect(batches).toEqual([1])
    // The append in flight landed; no snapshot was written for the deleted list, though the log is past its limit.
    const stored = await store.loadDoc('list')
    expect(stored.snapshot).toBeNull()
    expect(listItems(docFromStored(stored)).items.map((i) => i.text)).toEqual(['milk'])
    addItem(doc, { text: 'bread', createdBy: 'u' })
    expect(writer.isSettled).toBe(true)
  })

  it('compacts a document past offThreadBytes a chunk at a time across event-loop turns, keeping every stored entry', async () => {
    const store = new MemoryStorage()
    const { doc, writer } = await writerFor(store, { compaction: { maxLogEntries: 3, maxLogBytes: 1 << 20, offThreadBytes: 0 } })
    let compacted: Uint8Array | null = null
    const compactDoc = store.compactDoc.bind(store)
    store.compactDoc = async (listId, snapshot, throughSeq) => {
      compacted = snapshot
      return compactDoc(listId, snapshot, throughSeq)
    }
    for (const text of ['milk', 'eggs', 'bread', 'jam']) {
      addItem(doc, { text, createdBy: 'u' })
      await writer.whenFlushed()
    }
    addItem(doc, { text: 'tea', createdBy: 'u' })
    await writer.whenFlushed()
    expect(compacted).not.toBeNull()
    const stored = await store.loadDoc('list')
    expect(stored.snapshot).not.toBeNull()
    expect(stored.updates.length).toBeLessThan(4)
    expect(listItems(docFromStored(stored)).items.map((i) => i.text)).toEqual(['milk', 'eggs', 'bread', 'jam', 'tea'])
    expect(Y.encodeStateVector(docFromStored(stored))).toEqual(Y.encodeStateVector(doc))
  })

  it('compacts a document of many chunks across turns while writes go on, and what is stored is the document', async () => {
    const store = new MemoryStorage()
    const { doc, writer } = await writerFor(store, { compaction: { maxLogEntries: 4, maxLogBytes: 1 << 30, offThreadBytes: 0 } })
    let compactions = 0
    const compactDoc = store.compactDoc.bind(store)
    store.compactDoc = async (listId, snapshot, throughSeq) => {
      compactions++
      return compactDoc(listId, snapshot, throughSeq)
    }
    // ~200 KB: several chunks (server/doc-chunks.ts), so the walk spans many turns.
    let last: { id: string; order: string } | null = null
    for (let batch = 0; batch < 5; batch++) {
      doc.transact(() => {
        for (let i = 0; i < 600; i++) {
          const id = addItem(doc, { text: `item ${batch}-${i} ${'x'.repeat(40)}`, createdBy: 'u', last })
          last = { id, order: getItem(doc, id)!.order }
        }
      })
    }
    // Writes while the compaction walks: they land in the log after it.
    const writing = (async () => {
      for (let i = 0; i < 20; i++) {
        addItem(doc, { text: `during ${i}`, createdBy: 'u' })
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    await writing
    await writer.whenFlushed()
    addItem(doc, { text: 'after', createdBy: 'u' })
    await writer.whenFlushed()
    expect(compactions).toBeGreaterThan(0)
    const stored = await store.loadDoc('list')
    expect(stored.snapshot).not.toBeNull()
    const reloaded = docFromStored(stored)
    expect(Y.encodeStateVector(reloaded)).toEqual(Y.encodeStateVector(doc))
    expect(listItems(reloaded)).toEqual(listItems(doc))
  })

  it('a failed append is reported once, acknowledges nothing and stops writing', async () => {
    const store = new MemoryStorage()
    store.appendUpdates = async () => {
      throw new Error('disk full')
    }
    const { doc, writer, appended, failures } = await writerFor(store)
    addItem(doc, { text: 'x', createdBy: 'u' })
    await expect(writer.whenFlushed()).rejects.toThrow('disk full')
    expect(failures.map((e) => e.message)).toEqual(['disk full'])
    expect(appended).toEqual([])
    expect(writer.writable).toBe(false)
    expect(writer.isSettled).toBe(true)
  })

  it('compactNow folds the log at once, right after the append in flight and never beside one; with nothing to fold it says so', async () => {
    const store = new MemoryStorage()
    const calls: string[] = []
    const append = store.appendUpdates.bind(store)
    let release: (() => void) | null = null
    let appends = 0
    store.appendUpdates = async (listId, updates) => {
      calls.push(`append ${updates.length}`)
      if (++appends === 3) await new Promise<void>((resolve) => (release = resolve))
      const seq = await append(listId, updates)
      calls.push('appended')
      return seq
    }
    const compactDoc = store.compactDoc.bind(store)
    store.compactDoc = async (listId, snapshot, throughSeq) => {
      calls.push(`compact through ${throughSeq}`)
      return compactDoc(listId, snapshot, throughSeq)
    }
    // Far below the limits: only compactNow compacts.
    const { doc, writer } = await writerFor(store)
    expect(await writer.compactNow()).toBeNull()
    for (const text of ['milk', 'eggs']) {
      addItem(doc, { text, createdBy: 'u' })
      await writer.whenFlushed()
    }
    addItem(doc, { text: 'bread', createdBy: 'u' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(release).not.toBeNull() // the third append is in flight
    const compacting = writer.compactNow()
    addItem(doc, { text: 'jam', createdBy: 'u' }) // gathers behind the append in flight
    release!()
    const folded = await compacting
    await writer.whenFlushed()
    // Folded right after the batch in flight; what gathered behind it was appended after the compaction.
    expect(calls).toEqual(['append 1', 'appended', 'append 1', 'appended', 'append 1', 'appended', 'compact through 3', 'append 1', 'appended'])
    expect(folded).toMatchObject({ entries: 3 })
    expect(await store.docStats('list')).toMatchObject({ logLength: 1 })
    expect(await writer.compactNow()).toMatchObject({ entries: 1 })
    expect(await store.docStats('list')).toMatchObject({ logLength: 0, logBytes: 0 })
    expect(listItems(docFromStored(await store.loadDoc('list'))).items.map((i) => i.text)).toEqual(['milk', 'eggs', 'bread', 'jam'])
    expect(await writer.compactNow()).toBeNull()
    writer.stop()
    await expect(writer.compactNow()).rejects.toThrow('deleted')
  })

  it('compactNow rejects when the compaction fails, and the log stays', async () => {
    const store = new MemoryStorage()
    store.compactDoc = async () => {
      throw new Error('disk full')
    }
    const { doc, writer } = await writerFor(store)
    addItem(doc, { text: 'milk', createdBy: 'u' })
    await expect(writer.compactNow()).rejects.toThrow('disk full')
    expect(await store.docStats('list')).toMatchObject({ logLength: 1 })
    expect(writer.writable).toBe(true)
  })
})
