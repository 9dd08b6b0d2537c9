import { describe, expect, it } from 'vitest'
import { FaultyDocumentStore, StorageFaultError } from './faulty-document-store.ts'
import { MemoryStorage } from './memory-storage.ts'

const bytes = (...values: number[]) => Uint8Array.from(values)
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('FaultyDocumentStore', () => {
  it('passes everything through while healthy and counts writes that reached the inner store', async () => {
    const store = new FaultyDocumentStore(new MemoryStorage())
    expect(await store.appendUpdates('doc', [bytes(1), bytes(2)])).toBe(2)
    await store.compactDoc('doc', bytes(9), 1)
    expect(store.version).toBe(2)
    const loaded = await store.loadDoc('doc')
    expect(loaded.snapshot).toEqual(bytes(9))
    expect(loaded.updates).toEqual([bytes(2)])
    expect(await store.docStats('doc')).toEqual({ logLength: 1, logBytes: 1, snapshotBytes: 1 })
  })

  it('holds appends at a gate and releases them oldest first', async () => {
    const inner = new MemoryStorage()
    const store = new FaultyDocumentStore(inner)
    store.hold()
    const done: number[] = []
    const first = store.appendUpdates('doc', [bytes(1)]).then((seq) => done.push(seq))
    const second = store.appendUpdates('doc', [bytes(2)]).then((seq) => done.push(seq))
    await settle()
    expect(store.held).toBe(2)
    expect((await inner.loadDoc('doc')).updates).toEqual([])
    expect(store.release(1)).toBe(1)
    await first
    expect(done).toEqual([1])
    expect((await inner.loadDoc('doc')).updates).toEqual([bytes(1)])
    store.open()
    await second
    expect(done).toEqual([1, 2])
    expect(store.holding).toBe(false)
  })

  it('fails an append before writing (nothing stored) or after writing (stored, still rejected)', async () => {
    const inner = new MemoryStorage()
    const store = new FaultyDocumentStore(inner)
    store.failAppends('before-write')
    store.failAppends('after-write')
    await expect(store.appendUpdates('doc', [bytes(1)])).rejects.toBeInstanceOf(StorageFaultError)
    expect((await inner.loadDoc('doc')).updates).toEqual([])
    await expect(store.appendUpdates('doc', [bytes(2)])).rejects.toThrow('written, then reported failed')
    expect((await inner.loadDoc('doc')).updates).toEqual([bytes(2)])
    expect(await store.appendUpdates('doc', [bytes(3)])).toBe(2)
    expect(store.counts).toMatchObject({ appends: 3, appendsFailed: 2 })
  })

  it('decides a fault when the call arrives, even if the append is then held', async () => {
    const store = new FaultyDocumentStore(new MemoryStorage())
    store.hold()
    store.failAppends('before-write')
    const held = store.appendUpdates('doc', [bytes(1)])
    const failed = expect(held).rejects.toBeInstanceOf(StorageFaultError)
    store.heal()
    await failed
    expect(await store.appendUpdates('doc', [bytes(2)])).toBe(1)
  })

  it('fails loads and compactions on request without touching the inner store', async () => {
    const inner = new MemoryStorage()
    const store = new FaultyDocumentStore(inner)
    await store.appendUpdates('doc', [bytes(1)])
    store.failLoads()
    store.failCompactions()
    await expect(store.loadDoc('doc')).rejects.toBeInstanceOf(StorageFaultError)
    await expect(store.compactDoc('doc', bytes(1), 1)).rejects.toBeInstanceOf(StorageFaultError)
    expect((await store.loadDoc('doc')).updates).toEqual([bytes(1)])
    expect((await inner.loadDoc('doc')).snapshot).toBeNull()
  })

  it('lists every part that reached the inner store, failed-after-write appends and snapshots included', async () => {
    const store = new FaultyDocumentStore(new MemoryStorage())
    await store.appendUpdates('doc', [bytes(1)])
    store.failAppends('before-write')
    store.failAppends('after-write')
    await expect(store.appendUpdates('doc', [bytes(2)])).rejects.toThrow()
    await expect(store.appendUpdates('doc', [bytes(3)])).rejects.toThrow()
    await store.compactDoc('doc', bytes(4), 2)
    expect(store.written('doc')).toEqual([bytes(1), bytes(3), bytes(4)])
    await store.deleteDoc('doc')
    expect(store.written('doc')).toEqual([])
  })

  it('a crash drops the appends in flight (never written, never settled); the next process writes normally', async () => {
    const inner = new MemoryStorage()
    const store = new FaultyDocumentStore(inner)
    store.hold()
    let settled = false
    void store.appendUpdates('doc', [bytes(1)]).finally(() => (settled = true))
    await settle()
    store.crash()
    store.release()
    await settle()
    expect(settled).toBe(false)
    expect(store.held).toBe(0)
    expect(await store.appendUpdates('doc', [bytes(2)])).toBe(1)
    expect((await inner.loadDoc('doc')).updates).toEqual([bytes(2)])
  })

  it('delays appends by a real timer', async () => {
    const store = new FaultyDocumentStore(new MemoryStorage())
    store.delayAppends(20)
    const started = performance.now()
    await store.appendUpdates('doc', [bytes(1)])
    expect(performance.now() - started).toBeGreaterThanOrEqual(15)
  })
})
