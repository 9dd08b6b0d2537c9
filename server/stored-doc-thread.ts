/**
 * The worker side of stored-doc-worker.ts: rebuilds a stored document with
 * its own copy of Yjs and answers with what was asked of it. Runs only in a
 * worker thread; every request is answered, with its result or its error.
 */
import { parentPort } from 'node:worker_threads'
import { docChunks } from './doc-chunks.ts'
import { docFromUpdates, snapshotOf } from './stored-doc.ts'
import { docStats } from './list-doc-stats.ts'
import { unpack, type WorkerReply, type WorkerRequest } from './stored-doc-worker.ts'

const port = parentPort
if (!port) throw new Error('stored-doc-thread.ts runs in a worker thread')

port.on('message', (request: WorkerRequest) => {
  const { id, op } = request
  let reply: WorkerReply
  try {
    const doc = docFromUpdates(unpack(request))
    try {
      if (op === 'snapshot') {
        const snapshot = snapshotOf(doc)
        reply = { id, snapshot }
      } else if (op === 'chunks') {
        reply = { id, chunks: docChunks(doc) }
      } else {
        reply = { id, stats: docStats(doc) }
      }
    } finally {
      doc.destroy()
    }
  } catch (err) {
    reply = { id, error: String((err as Error)?.stack ?? err) }
  }
  const transfer = 'snapshot' in reply ? [reply.snapshot.buffer] : 'chunks' in reply ? reply.chunks.map((chunk) => chunk.buffer) : []
  port.postMessage(reply, transfer as ArrayBuffer[])
})
