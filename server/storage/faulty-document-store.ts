/**
 * A document store that misbehaves on request, for tests of what the server
 * does when storage is slow or fails. It wraps a real store (normally
 * MemoryStorage) and passes everything through until told otherwise:
 *
 * - `hold()`: appends wait at a gate until `release()` lets them through, in
 *   arrival order. Deterministic "slow storage": the test decides exactly
 *   when an append completes, whatever the event loop does meanwhile.
 * - `delayAppends(ms)`: appends wait a real timer first (latency for tests
 *   that do not need to control the order).
 * - `failAppends(fault, times)`: the next appends reject, either before
 *   anything is written ('before-write': nothing stored, like a full disk) or
 *   after the inner store wrote them ('after-write': stored, yet the caller
 *   hears an error, like a commit whose reply timed out).
 * - `failLoads(times)`, `failCompactions(times)`: the next loads or
 *   compactions reject without touching the inner store.
 * - `crash()`: the process writing through this store dies. Appends and
 *   compactions it has in flight (held, delayed) never reach the inner store
 *   and never settle, as nothing is left to hear them; calls made after it
 *   (by the next process) behave normally.
 *
 * A fault is decided when the call arrives, so `failAppends` affects the next
 * calls made, even if they are then held at the gate. `heal()` clears every
 * fault and opens the gate.
 *
 * `written(docId)` lists, synchronously, every update and snapshot that
 * reached the inner store, in order: their union is what storage holds (a
 * snapshot holds at least the entries it replaces), so a test can check at
 * any instant, e.g. while a room acknowledges, whether something is durable.
 */
import type { DocLogStats, DocumentStore, StoredDoc } from './storage.ts'

export type AppendFault = 'before-write' | 'after-write'

/** What a call of a crashed process resolves to: nothing, ever. */
function never(): Promise<never> {
  return new Promise<never>(() => {})
}

export class StorageFaultError extends Error {
  override name = 'StorageFaultError'
}

export interface FaultCounts {
  appends: number
  appendsFailed: number
  loads: number
  loadsFailed: number
  compactions: number
  compactionsFailed: number
}

export class FaultyDocumentStore implements DocumentStore {
  /** Bumped whenever what the inner store holds may have changed (a write reached it). */
  version = 0
  readonly counts: FaultCounts = { appends: 0, appendsFailed: 0, loads: 0, loadsFailed: 0, compactions: 0, compactionsFailed: 0 }

  #appendFaults: AppendFault[] = []
  #loadFaults = 0
  #compactionFaults = 0
  #delayMs = 0
  #holding = false
  readonly #gate: Array<() => void> = []
  /** Bumped by `crash`: calls that started before it never complete. */
  #epoch = 0
  readonly #written = new Map<string, Uint8Array[]>()

  constructor(readonly inner: DocumentStore) {}

  // --- controls -------------------------------------------------------------

  /** The next `times` appends fail the given way. */
  failAppends(fault: AppendFault = 'before-write', times = 1): void {
    for (let i = 0; i < times; i++) this.#appendFaults.push(fault)
  }

  failLoads(times = 1): void {
    this.#loadFaults += times
  }

  failCompactions(times = 1): void {
    this.#compactionFaults += times
  }

  /** Every append from now on waits this long (real time) before it proceeds. 0 turns it off. */
  delayAppends(ms: number): void {
    this.#delayMs = Math.max(0, ms)
  }

  /** From now on appends wait at the gate until released. */
  hold(): void {
    this.#holding = true
  }

  get holding(): boolean {
    return this.#holding
  }

  /** Appends waiting at the gate. */
  get held(): number {
    return this.#gate.length
  }

  /**
   * Lets up to `count` held appends proceed, oldest first; returns how many.
   * Appends arriving later still wait while the store is holding.
   */
  release(count = Number.POSITIVE_INFINITY): number {
    let released = 0
    while (released < count && this.#gate.length > 0) {
      this.#gate.shift()!()
      released++
    }
    return released
  }

  /** Stops holding and lets every held append through. */
  open(): void {
    this.#holding = false
    this.release()
  }

  /**
   * The writing process dies: what it has in flight is dropped (never
   * written, never settled), held appends included; the gate is open again
   * for whoever writes next. Faults set up for later calls stay set.
   */
  crash(): void {
    this.#epoch++
    this.#holding = false
    this.#gate.length = 0
  }

  /** Clears every pending fault and delay, and opens the gate. */
  heal(): void {
    this.#appendFaults = []
    this.#loadFaults = 0
    this.#compactionFaults = 0
    this.#delayMs = 0
    this.open()
  }

  /** Every update and snapshot the inner store accepted for `docId`, oldest first (see the header). */
  written(docId: string): readonly Uint8Array[] {
    return this.#written.get(docId) ?? []
  }

  #wrote(docId: string, parts: readonly Uint8Array[]): void {
    let list = this.#written.get(docId)
    if (!list) this.#written.set(docId, (list = []))
    list.push(...parts)
    this.version++
  }

  // --- DocumentStore ----------------------------------------------------------

  async loadDoc(docId: string): Promise<StoredDoc> {
    this.counts.loads++
    if (this.#loadFaults > 0) {
      this.#loadFaults--
      this.counts.loadsFailed++
      throw new StorageFaultError(`injected fault: loading ${docId} failed`)
    }
    return this.inner.loadDoc(docId)
  }

  async appendUpdates(docId: string, updates: Uint8Array[]): Promise<number> {
    this.counts.appends++
    const fault = this.#appendFaults.shift()
    const epoch = this.#epoch
    if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#delayMs))
    if (this.#holding) await new Promise<void>((resolve) => this.#gate.push(resolve))
    if (epoch !== this.#epoch) return never()
    if (fault === 'before-write') {
      this.counts.appendsFailed++
      throw new StorageFaultError(`injected fault: append to ${docId} failed before writing`)
    }
    const seq = await this.inner.appendUpdates(docId, updates)
    this.#wrote(docId, updates)
    if (fault === 'after-write') {
      this.counts.appendsFailed++
      throw new StorageFaultError(`injected fault: append to ${docId} was written, then reported failed`)
    }
    return seq
  }

  async compactDoc(docId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    this.counts.compactions++
    if (this.#compactionFaults > 0) {
      this.#compactionFaults--
      this.counts.compactionsFailed++
      throw new StorageFaultError(`injected fault: compacting ${docId} failed`)
    }
    await this.inner.compactDoc(docId, snapshot, throughSeq)
    this.#wrote(docId, [snapshot])
  }

  docStats(docId: string): Promise<DocLogStats> {
    return this.inner.docStats(docId)
  }

  async deleteDoc(docId: string): Promise<void> {
    await this.inner.deleteDoc(docId)
    this.#written.delete(docId)
    this.version++
  }
}
