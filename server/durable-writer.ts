/**
 * The durable side of a room: appends the updates it accepted to storage in
 * group-commit batches, keeps the clocks storage holds for sure, folds the
 * log into a snapshot when it grows, and stops at the first failed append.
 *
 * It never sees a socket or a peer. It reports through the callbacks the
 * room wires up: which clocks an append made durable, that storage failed,
 * and that its flush loop settled (the room may be idle then).
 *
 * One invariant keeps it from losing an update: a flush loop runs whenever
 * something is pending and the writer is writable. The loop decides that it
 * is done and clears `flushing` in one synchronous step, so an update
 * appended at any moment either finds the running loop (which still takes
 * it) or starts a new one.
 */
import * as Y from 'yjs'
import { clocksOf, mergeClocks, type Clocks } from '../shared/clocks.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { docFromStored, snapshotAcrossTurns, snapshotOf, storedUpdates } from './stored-doc.ts'
import { snapshotOffThread } from './stored-doc-worker.ts'
import type { DocumentStore, StoredDoc } from './storage/storage.ts'

/** Past either limit, the log is folded into a snapshot. */
export interface CompactionLimits {
  maxLogEntries: number
  maxLogBytes: number
  /**
   * A document storing more bytes than this is encoded a chunk at a time
   * across event-loop turns (from what storage holds, on a worker thread, once
   * another node appends too) instead of at once on the event loop; without
   * it, never.
   */
  offThreadBytes?: number
}

/** What a compaction folded: the log entries and their bytes, and the snapshot written in their place. */
export interface CompactionResult {
  entries: number
  bytes: number
  snapshotBytes: number
}

export interface DurableWriterOptions {
  store: DocumentStore
  metrics: Metrics
  log: Logger
  compaction: CompactionLimits
  /**
   * After every stored batch, with the clocks it made durable that no
   * append or peer announcement had made durable before (possibly none).
   */
  onAppended: (advanced: Clocks) => void
  /** An append failed: nothing more is written or acknowledged. */
  onFailed: (err: Error) => void
  /** The flush loop stopped: nothing is left to write, or storage failed. */
  onSettled: () => void
  /**
   * When a compaction starts: the owner may start its housekeeping of the
   * document (server/maintenance.ts), whose change a later compaction folds in.
   */
  onCompaction?: () => void
}

export class DurableWriter {
  private pending: Uint8Array[] = []
  /** The clocks the updates in `pending` reach, per clientID: what their append makes durable. */
  private pendingClocks: Clocks = new Map()
  /** What to run once each update in `pending` that asked for it is stored. */
  private pendingStored: Array<() => void> = []
  /** What to run once the batch being appended is stored; null while no append is in flight. */
  private inFlightStored: Array<() => void> | null = null
  /** The running flush loop; it never rejects. Null exactly when no loop runs. */
  private flushing: Promise<void> | null = null
  /** Callers of `compactNow` waiting for the flush loop to compact. */
  private compactRequests: Array<{ resolve: (result: CompactionResult | null) => void; reject: (err: Error) => void }> = []
  private failed: Error | null = null
  /** Set once the list is deleted: nothing more is appended. */
  private stopped = false
  /**
   * What storage holds for sure, per clientID: the stored state at load,
   * advanced by this node's appends and by peers' announcements.
   */
  private readonly persisted: Clocks
  private logEntries: number
  private logBytes: number
  private stored: number
  private lastSeq: number
  /**
   * Set once another node appended to this list's log since it was loaded:
   * then this node's memory may lack stored entries, and compaction must
   * fold what storage holds instead of what memory holds.
   */
  private othersAppend = false

  /** `doc` was just rebuilt from `stored` (see `docFromStored`). */
  constructor(
    private readonly listId: string,
    private readonly doc: Y.Doc,
    stored: StoredDoc,
    private readonly options: DurableWriterOptions,
  ) {
    this.logEntries = stored.updates.length
    this.logBytes = stored.updates.reduce((sum, u) => sum + u.byteLength, 0)
    this.stored = (stored.snapshot?.byteLength ?? 0) + this.logBytes
    this.lastSeq = stored.lastSeq
    this.persisted = clocksOf(doc)
    options.metrics.logLength.inc(this.logEntries)
  }

  /** What storage holds for sure, per clientID. */
  get persistedClocks(): Clocks {
    return this.persisted
  }

  /** Entries in the stored log since its snapshot (this node's appends, as far as it knows). */
  get logLength(): number {
    return this.logEntries
  }

  /** Bytes of the document in storage plus those waiting to be appended: what the size limit counts. */
  get storedBytes(): number {
    return this.stored
  }

  /** The error of the append that failed, if one did. */
  get failure(): Error | null {
    return this.failed
  }

  /** Whether it still appends: storage has not failed and the list is not deleted. */
  get writable(): boolean {
    return this.failed === null && !this.stopped
  }

  /**
   * Nothing is being written, and nothing waits to be (or never will be:
   * storage failed, or the list is deleted).
   */
  get isSettled(): boolean {
    return this.flushing === null && (this.pending.length === 0 || !this.writable)
  }

  /**
   * Queues an update this node accepted; `clocks` are the clocks its
   * transaction advanced. `onStored` runs once the batch holding it is
   * stored (never if the append fails or the list is deleted first), in the
   * order the updates were appended. Once the list is deleted, nothing is queued.
   */
  append(update: Uint8Array, clocks: ReadonlyMap<number, number>, onStored?: () => void): void {
    if (this.stopped) return
    this.stored += update.byteLength
    this.pending.push(update)
    if (onStored) this.pendingStored.push(onStored)
    mergeClocks(this.pendingClocks, clocks)
    this.scheduleFlush()
  }

  /**
   * Runs `fn` once everything appended so far is stored: at once when
   * nothing is waiting, else after the batch that holds the last update
   * (never if that append fails or the list is deleted first).
   */
  afterStored(fn: () => void): void {
    if (this.pending.length > 0) this.pendingStored.push(fn)
    else if (this.inFlightStored) this.inFlightStored.push(fn)
    else fn()
  }

  /**
   * Queues everything the document holds beyond the durable clocks: content
   * a peer relayed but no node reported stored (PeerSync.reconcile).
   */
  storeUnpersisted(): void {
    if (this.stopped) return
    this.pending.push(this.unpersistedUpdate())
    mergeClocks(this.pendingClocks, clocksOf(this.doc))
    this.scheduleFlush()
  }

  /**
   * Everything the document holds that storage may not: the structs beyond
   * the durable clocks, and the whole delete set. What a room whose storage
   * failed hands to the room loaded after it.
   */
  unpersistedUpdate(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.persisted))
  }

  /** A peer stored updates in the shared store; returns the durable clocks that advanced. */
  persistedByPeer(clocks: ReadonlyMap<number, number>): Clocks {
    return mergeClocks(this.persisted, clocks)
  }

  /**
   * Folds the log into a snapshot now (an operator's `colist lists compact`),
   * as the limits would: in the flush loop's chain, right after the batch
   * being appended (updates gathering behind it are appended after the
   * compaction), never beside an append. Resolves with what it folded, or
   * null when the log holds nothing of this node's to fold; rejects if the
   * compaction fails (the log is intact), if storage failed, or if the list
   * is deleted first.
   */
  compactNow(): Promise<CompactionResult | null> {
    if (!this.writable) return Promise.reject(this.failed ?? new Error('the list was deleted'))
    return new Promise((resolve, reject) => {
      this.compactRequests.push({ resolve, reject })
      this.scheduleFlush()
    })
  }

  /**
   * The list is being deleted: an append in flight finishes, nothing after it
   * starts, and what waits for the next batch is dropped (it belongs to a
   * list that is gone), so the writer settles once that append is done.
   */
  stop(): void {
    this.stopped = true
    this.pending = []
    this.pendingClocks = new Map()
    this.pendingStored = []
    this.refuseCompactRequests(new Error('the list was deleted'))
  }

  /**
   * Resolves once everything appended so far is durable (or dropped: the list
   * was deleted); rejects if storage failed. A loop that ends leaves nothing
   * pending behind it unless the writer stopped or failed, and an append
   * made meanwhile starts the next loop, which this waits for too.
   */
  async whenFlushed(): Promise<void> {
    while (this.flushing) await this.flushing
    if (this.failed) throw this.failed
  }

  destroy(): void {
    this.options.metrics.logLength.dec(this.logEntries)
  }

  // ---------------------------------------------------------------------------
  // Group commit
  // ---------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushing || !this.writable) return
    // Started on a microtask, so `flushing` is set before the loop can end and clear it.
    this.flushing = Promise.resolve().then(() => this.flushLoop())
  }

  /**
   * Writes pending updates until none are left. While one batch is being
   * written, new updates gather into the next, so a burst costs few writes.
   * After each batch it compacts if the log is past a limit or `compactNow`
   * asked for it, so a compaction never runs beside an append. Never
   * rejects: a failed append is recorded in `failed` (whenFlushed surfaces
   * it) and reported through onFailed.
   */
  private async flushLoop(): Promise<void> {
    try {
      while ((this.pending.length > 0 || this.compactRequests.length > 0) && this.writable) {
        if (this.pending.length > 0 && !(await this.appendPending())) return
        // A list deleted meanwhile gets no snapshot written after its delete (stop() refused the requests).
        if (this.stopped) break
        const requests = this.compactRequests
        this.compactRequests = []
        const due = this.logEntries > this.options.compaction.maxLogEntries || this.logBytes > this.options.compaction.maxLogBytes
        // Asked for with nothing of this node's in the log (and nobody else appending): nothing to fold.
        if (!due && requests.length > 0 && this.logEntries === 0 && !this.othersAppend) {
          for (const request of requests) request.resolve(null)
          continue
        }
        if (!due && requests.length === 0) continue
        const outcome = await this.compact()
        for (const request of requests) {
          if ('err' in outcome) request.reject(outcome.err instanceof Error ? outcome.err : new Error(String(outcome.err)))
          else request.resolve(outcome.folded)
        }
      }
    } finally {
      // In the same synchronous step as the loop's last look at `pending`: an update appended from
      // now on starts a new loop instead of waiting for this one, which would never take it.
      this.flushing = null
      this.options.onSettled()
    }
  }

  /** Appends what is pending as one batch; false if the append failed (the writer has failed then). */
  private async appendPending(): Promise<boolean> {
    const batch = this.pending
    const batchClocks = this.pendingClocks
    const batchStored = this.pendingStored
    this.pending = []
    this.pendingClocks = new Map()
    this.pendingStored = []
    this.inFlightStored = batchStored
    const started = performance.now()
    const seqBefore = this.lastSeq
    try {
      this.lastSeq = await this.options.store.appendUpdates(this.listId, batch)
    } catch (err) {
      this.inFlightStored = null
      this.fail(err as Error)
      return false
    }
    this.inFlightStored = null
    this.options.metrics.persistSeconds.observe((performance.now() - started) / 1000)
    // Seqs are handed out in order; a gap means another node appended in between.
    if (this.lastSeq !== seqBefore + batch.length) this.othersAppend = true
    this.logEntries += batch.length
    this.options.metrics.logLength.inc(batch.length)
    for (const update of batch) this.logBytes += update.byteLength
    for (const stored of batchStored) stored()
    this.acknowledge(batchClocks)
    return true
  }

  /**
   * The batch just stored made durable exactly the clocks its updates reach —
   * not the doc's whole state vector, which may hold updates a peer relayed
   * but has not stored yet. Reports the ones that advanced.
   */
  private acknowledge(batchClocks: Clocks): void {
    this.options.onAppended(mergeClocks(this.persisted, batchClocks))
  }

  /**
   * A failed append means updates in memory may not be on disk. Nothing more
   * is written or acknowledged; the room disconnects every client with a
   * retryable code and unloads, so the next connection reloads what storage
   * really has and the clients re-send the rest in their sync exchange.
   */
  private fail(err: Error): void {
    this.failed = err
    this.options.log.error({ list: this.listId, err }, 'append to storage failed; dropping the room')
    this.refuseCompactRequests(err)
    this.options.onFailed(err)
  }

  private refuseCompactRequests(err: Error): void {
    const requests = this.compactRequests
    this.compactRequests = []
    for (const request of requests) request.reject(err)
  }

  // ---------------------------------------------------------------------------
  // Compaction
  // ---------------------------------------------------------------------------

  /**
   * Folds the log into a snapshot. While this node wrote every entry since
   * it loaded the list, its memory holds everything stored (and perhaps
   * more, which is harmless: Yjs updates are idempotent), so the snapshot is
   * its own state. Once another node appended too (a shared store), an entry
   * may be stored before it reaches this node, so the snapshot is rebuilt from
   * what storage holds instead (a large one on a worker thread). A large
   * document of its own is encoded a chunk at a time across event-loop turns
   * (`snapshotAcrossTurns`): encoding several MB at once would hold the event
   * loop for hundreds of milliseconds, and reading them back from storage
   * touches them all in one turn (a 16 MB value: 50–65 ms on a busy machine).
   * A failed compaction loses nothing (the log is intact), so it is logged
   * and retried after the next append.
   */
  private async compact(): Promise<{ folded: CompactionResult } | { err: unknown }> {
    let folded: CompactionResult
    try {
      this.options.onCompaction?.()
      const { offThreadBytes } = this.options.compaction
      const large = offThreadBytes !== undefined && this.stored > offThreadBytes
      folded = this.othersAppend ? await this.compactFromStorage(large) : large ? await this.compactFromMemoryAcrossTurns() : await this.compactFromMemory()
    } catch (err) {
      this.options.log.error({ list: this.listId, err }, 'compaction failed; the update log is intact')
      return { err }
    }
    this.options.metrics.compactions.inc()
    const entries = Math.min(folded.entries, this.logEntries)
    this.options.metrics.logLength.dec(entries)
    this.logEntries -= entries
    this.logBytes = Math.max(0, this.logBytes - folded.bytes)
    this.stored = folded.snapshotBytes + this.logBytes
    return { folded }
  }

  private async compactFromMemory(): Promise<CompactionResult> {
    const snapshot = snapshotOf(this.doc)
    await this.options.store.compactDoc(this.listId, snapshot, this.lastSeq)
    return { entries: this.logEntries, bytes: this.logBytes, snapshotBytes: snapshot.byteLength }
  }

  /** `compactFromMemory` across event-loop turns: what was stored when it began is in the walk; later entries stay in the log. */
  private async compactFromMemoryAcrossTurns(): Promise<CompactionResult> {
    const throughSeq = this.lastSeq
    const folded = { entries: this.logEntries, bytes: this.logBytes }
    const snapshot = await snapshotAcrossTurns(this.doc)
    await this.options.store.compactDoc(this.listId, snapshot, throughSeq)
    return { ...folded, snapshotBytes: snapshot.byteLength }
  }

  private async compactFromStorage(offThread: boolean): Promise<CompactionResult> {
    const stored = await this.options.store.loadDoc(this.listId)
    let snapshot: Uint8Array
    if (offThread) snapshot = await snapshotOffThread(storedUpdates(stored))
    else {
      const doc = docFromStored(stored)
      snapshot = snapshotOf(doc)
      doc.destroy()
    }
    await this.options.store.compactDoc(this.listId, snapshot, stored.lastSeq)
    return { entries: stored.updates.length, bytes: stored.updates.reduce((sum, u) => sum + u.byteLength, 0), snapshotBytes: snapshot.byteLength }
  }
}
