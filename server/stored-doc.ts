/**
 * A list's document as storage holds it (`StoredDoc`: a snapshot and the
 * log after it) turned into a `Y.Doc`, and a `Y.Doc` turned into the
 * snapshot compaction stores.
 *
 * Loading never holds the event loop for long: the stored updates (the
 * snapshot's chunks, then the log entries) are applied one per slice of a
 * few milliseconds, yielding between slices. A stored update too large to
 * apply in one slice (a snapshot written before snapshots were chunked, or
 * a large log entry) sends the whole document to a worker thread first,
 * which cuts it into chunks (stored-doc-worker.ts).
 */
import * as Y from 'yjs'
import { concatAcrossTurns, eachAcrossTurns, walkAcrossTurns } from '../shared/across-turns.ts'
import { encodeUpdates, encodeUpdatesInPieces, decodeUpdates } from '../shared/update-sequence.ts'
import { CHUNK_BYTES, DocChunker } from './doc-chunks.ts'
import type { StoredDoc } from './storage/storage.ts'
import { docStats, type DocStats } from './list-doc-stats.ts'
import { chunksOffThread, statsOffThread } from './stored-doc-worker.ts'

/** A stored update larger than this is not applied on the event loop: the worker cuts the document into chunks first. */
export const MAX_APPLIED_BYTES = 4 * CHUNK_BYTES

/** The updates `stored` holds, in the order they apply: the snapshot's, then the log's. */
export function storedUpdates(stored: Pick<StoredDoc, 'snapshot' | 'updates'>): Uint8Array[] {
  return [...(stored.snapshot ? decodeUpdates(stored.snapshot) : []), ...stored.updates]
}

/** A garbage-collecting document holding `updates`, applied in one transaction (at once: for a worker, or a small document). */
export function docFromUpdates(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc({ gc: true })
  // One transaction for all parts: cheaper than merging them into one update first.
  doc.transact(() => {
    for (const update of updates) Y.applyUpdate(doc, update)
  })
  return doc
}

/** Rebuilds a document from its snapshot and log at once (tests, and what is known to be small). */
export function docFromStored(stored: Pick<StoredDoc, 'snapshot' | 'updates'>): Y.Doc {
  return docFromUpdates(storedUpdates(stored))
}

/**
 * Rebuilds a document from its snapshot and log across event-loop turns:
 * a stored update (a chunk, a log entry) per step (shared/across-turns.ts).
 */
export async function docFromStoredAcrossTurns(stored: Pick<StoredDoc, 'snapshot' | 'updates'>): Promise<Y.Doc> {
  let updates = storedUpdates(stored)
  if (updates.some((update) => update.byteLength > MAX_APPLIED_BYTES)) updates = await chunksOffThread(updates)
  const doc = new Y.Doc({ gc: true })
  try {
    await eachAcrossTurns(updates, (update) => Y.applyUpdate(doc, update))
  } catch (err) {
    doc.destroy()
    throw err
  }
  return doc
}


/** A stored document this small is counted on the event loop (a few milliseconds); a larger one on the worker. */
const STATS_AT_ONCE_BYTES = 64 * 1024

/**
 * The lists feed's stats of a stored document: counted at once when small,
 * else on the worker thread (which then starts, if it has not yet: ~0.5 s
 * of CPU the first time, so a server of small lists never starts it).
 */
export function storedDocStats(stored: Pick<StoredDoc, 'snapshot' | 'updates'>): Promise<DocStats> {
  const updates = storedUpdates(stored)
  if (updates.reduce((sum, update) => sum + update.byteLength, 0) > STATS_AT_ONCE_BYTES) return statsOffThread(updates)
  const doc = docFromUpdates(updates)
  try {
    return Promise.resolve(docStats(doc))
  } finally {
    doc.destroy()
  }
}

/** The snapshot compaction stores for `doc`: one update if it fits in a chunk, else the chunks (shared/update-sequence.ts). */
export function snapshotOf(doc: Y.Doc): Uint8Array {
  const chunker = new DocChunker(doc)
  const first = chunker.next()
  if (!first || chunker.structsDone) return Y.encodeStateAsUpdate(doc)
  const chunks = [first]
  for (let chunk = chunker.next(); chunk; chunk = chunker.next()) chunks.push(chunk)
  return encodeUpdates(chunks)
}

/**
 * What `snapshotOf` gives, made without holding the event loop: the chunks a
 * step at a time across turns (shared/across-turns.ts), joined a megabyte a
 * turn. The walk covers the document as it was when it began (and deletions
 * up to its end); a change made meanwhile is in the log after it.
 */
export async function snapshotAcrossTurns(doc: Y.Doc): Promise<Uint8Array> {
  const chunker = new DocChunker(doc)
  const chunks: Uint8Array[] = []
  let small = false
  await walkAcrossTurns(() => {
    const chunk = chunker.next()
    if (!chunk) return false
    // A document whose structs fit one chunk is encoded whole, as snapshotOf does (a few milliseconds).
    if (chunks.length === 0 && chunker.structsDone) {
      small = true
      return false
    }
    chunks.push(chunk)
    return true
  })
  if (small || chunks.length === 0) return Y.encodeStateAsUpdate(doc)
  return concatAcrossTurns(encodeUpdatesInPieces(chunks))
}
