/**
 * Work on a whole stored document that would hold the event loop for
 * hundreds of milliseconds, done on a worker thread instead (a 60,000-item
 * list: 16 MB, ~0.6 s to apply, ~0.2 s to encode): the snapshot compaction
 * stores, the chunks a load applies slice by slice when a stored update is
 * too large to apply at once, and the lists feed's stats of a list no room
 * holds (stored-doc-thread.ts does the work).
 *
 * One worker serves the process, started on first use and not keeping it
 * alive; if it fails, the requests it held are rejected (a compaction is
 * logged and retried with its log intact; a load fails like a storage read)
 * and the next request starts another. The worker runs
 * stored-doc-thread.ts, through tsx when the server runs from its sources
 * (worker-bootstrap.mjs).
 */
import { extname } from 'node:path'
import { Worker } from 'node:worker_threads'
import { concatAcrossTurns } from '../shared/across-turns.ts'
import type { DocStats } from './list-doc-stats.ts'

/** The request's updates travel packed, one after another, in one transferred buffer: `lengths` cuts it. */
export type WorkerRequest = { id: number; op: 'snapshot' | 'chunks' | 'stats'; packed: ArrayBuffer; lengths: number[] }
export type WorkerReply =
  | { id: number; snapshot: Uint8Array }
  | { id: number; chunks: Uint8Array[] }
  | { id: number; stats: DocStats }
  | { id: number; error: string }

const THREAD = new URL(`./stored-doc-thread${extname(new URL(import.meta.url).pathname)}`, import.meta.url)
const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url)

interface Pending {
  resolve: (reply: WorkerReply) => void
  reject: (err: Error) => void
}

let worker: Worker | null = null
const pending = new Map<number, Pending>()
let nextId = 0

function started(): Worker {
  if (worker) return worker
  const created = new Worker(BOOTSTRAP, { workerData: { module: THREAD.href } })
  created.unref()
  const failAll = (err: Error) => {
    if (worker === created) worker = null
    for (const request of pending.values()) request.reject(err)
    pending.clear()
  }
  created.on('message', (reply: WorkerReply) => {
    const request = pending.get(reply.id)
    if (!request) return
    pending.delete(reply.id)
    if (pending.size === 0) created.unref()
    if ('error' in reply) request.reject(new Error(`stored-doc worker: ${reply.error}`))
    else request.resolve(reply)
  })
  created.on('error', failAll)
  created.on('exit', (code) => failAll(new Error(`stored-doc worker exited (${code})`)))
  worker = created
  return created
}

/**
 * Copies `updates` into one new buffer across event-loop turns
 * (`concatAcrossTurns`). The stored buffers may be views into storage's own,
 * so they cannot be transferred, and posting them would clone them all in
 * one turn (16 MB: ~50 ms of the event loop); the packed copy is transferred.
 */
async function pack(updates: readonly Uint8Array[]): Promise<{ packed: ArrayBuffer; lengths: number[] }> {
  const joined = await concatAcrossTurns(updates)
  return { packed: joined.buffer as ArrayBuffer, lengths: updates.map((update) => update.byteLength) }
}

/** The updates `pack` packed, as views into its buffer (the worker side). */
export function unpack({ packed, lengths }: Pick<WorkerRequest, 'packed' | 'lengths'>): Uint8Array[] {
  let at = 0
  return lengths.map((length) => {
    const view = new Uint8Array(packed, at, length)
    at += length
    return view
  })
}

async function ask(op: WorkerRequest['op'], updates: readonly Uint8Array[]): Promise<WorkerReply> {
  const { packed, lengths } = await pack(updates)
  const target = started()
  const id = nextId++
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject })
    // Held while a request is in flight, so a shutdown waiting for the writer waits for this too.
    target.ref()
    target.postMessage({ id, op, packed, lengths } satisfies WorkerRequest, [packed])
  })
}

/** The snapshot of the document `updates` make (what `snapshotOf(docFromUpdates(updates))` gives), computed on the worker. */
export async function snapshotOffThread(updates: readonly Uint8Array[]): Promise<Uint8Array> {
  const reply = await ask('snapshot', updates)
  if (!('snapshot' in reply)) throw new Error('stored-doc worker: no snapshot in the reply')
  return reply.snapshot
}

/** The document `updates` make, cut into chunks that apply one by one (doc-chunks.ts), on the worker. */
export async function chunksOffThread(updates: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const reply = await ask('chunks', updates)
  if (!('chunks' in reply)) throw new Error('stored-doc worker: no chunks in the reply')
  return reply.chunks
}

/** The lists feed's stats of the document `updates` make, on the worker. */
export async function statsOffThread(updates: readonly Uint8Array[]): Promise<DocStats> {
  const reply = await ask('stats', updates)
  if (!('stats' in reply)) throw new Error('stored-doc worker: no stats in the reply')
  return reply.stats
}
