/**
 * The durable writer on its own: no room, no sockets. It is fed what a room
 * feeds it (accepted updates with the clocks their transactions advanced)
 * and reports through its callbacks.
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { clocksAhead } from '../shared/clocks.ts'
import { addItem, listItems } from '../shared/list-document.ts'
import { DurableWriter, docFromStored, type DurableWriterOptions } from './durable-writer.ts'
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
})
