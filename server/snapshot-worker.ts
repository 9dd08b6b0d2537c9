/**
 * Folds a stored document (snapshot plus log) into one snapshot on a worker
 * thread, so that compacting a large list never holds the event loop: the
 * rebuild and `Y.encodeStateAsUpdate` of a document of several MB take
 * hundreds of milliseconds (server/durable-writer.ts, `compactFromStorage`).
 *
 * The worker rebuilds the document exactly as `docFromStored` does (a
 * garbage-collecting Y.Doc, the snapshot and then the log applied in one
 * transaction) with its own copy of Yjs, and hands the encoded state back.
 * One worker serves the process, created on first use and not keeping it
 * alive; if it fails, the requests it held are rejected (the compaction is
 * logged and retried, the log intact) and the next request starts another.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { StoredDoc } from './storage/storage.ts'

const YJS = createRequire(import.meta.url).resolve('yjs')

// CommonJS, evaluated by the worker as is: it needs no TypeScript loader.
const SOURCE = `
const { parentPort } = require('node:worker_threads')
const Y = require(${JSON.stringify(YJS)})
parentPort.on('message', ({ id, snapshot, updates }) => {
  try {
    const doc = new Y.Doc({ gc: true })
    doc.transact(() => {
      if (snapshot) Y.applyUpdate(doc, snapshot)
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    const merged = Y.encodeStateAsUpdate(doc)
    doc.destroy()
    parentPort.postMessage({ id, merged }, [merged.buffer])
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.stack || err) })
  }
})
`

interface Pending {
  resolve: (merged: Uint8Array) => void
  reject: (err: Error) => void
}

let worker: Worker | null = null
const pending = new Map<number, Pending>()
let nextId = 0

function started(): Worker {
  if (worker) return worker
  const created = new Worker(SOURCE, { eval: true })
  created.unref()
  const failAll = (err: Error) => {
    if (worker === created) worker = null
    for (const request of pending.values()) request.reject(err)
    pending.clear()
  }
  created.on('message', (message: { id: number; merged?: Uint8Array; error?: string }) => {
    const request = pending.get(message.id)
    if (!request) return
    pending.delete(message.id)
    if (pending.size === 0) created.unref()
    if (message.merged) request.resolve(message.merged)
    else request.reject(new Error(`snapshot worker: ${message.error}`))
  })
  created.on('error', failAll)
  created.on('exit', (code) => failAll(new Error(`snapshot worker exited (${code})`)))
  worker = created
  return created
}

/** The snapshot of `stored` (what `Y.encodeStateAsUpdate(docFromStored(stored))` gives), computed on a worker thread. */
export function encodeStoredOffThread(stored: Pick<StoredDoc, 'snapshot' | 'updates'>): Promise<Uint8Array> {
  const target = started()
  const id = nextId++
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject })
    // Held while a request is in flight, so a shutdown waiting for the writer waits for this too.
    target.ref()
    // Copied, not transferred: the stored buffers may be views into storage's own.
    target.postMessage({ id, snapshot: stored.snapshot, updates: stored.updates })
  })
}
