/**
 * This device's changes to one list that the server has not yet stored
 * durably — what "Syncing 3 changes…" counts.
 *
 * Every local transaction is one change, acknowledged once the server's
 * durable clock for the writing client reaches the clock the change needs
 * (Persisted messages on the socket, or the HTTP sync answers). A change that
 * only deleted advances no clock; it needs the client's next struct, which
 * deletion-clock.ts writes right after it. The server applies a client's
 * updates in order, so once that later struct is durable, so is the deletion.
 *
 * The queue is kept in localStorage, so changes made offline are still
 * counted after a reload (the changes themselves are in IndexedDB).
 */
import { ObservableV2 } from 'lib0/observable'
import * as Y from 'yjs'
import { z } from 'zod/mini'
import { NOTE_ORIGIN } from './deletion-clock.ts'
import { EDIT_GROUP } from './origins.ts'
import { clocksOf } from '../../../shared/clocks.ts'

export interface PendingChange {
  /** Increases by one per change on this device, across reloads. */
  seq: number
  clientId: number
  /** Acknowledged once the durable clock of `clientId` reaches this. */
  clock: number
  /** When the change was made (ms since the epoch). */
  at: number
  /** Whether it only deleted (it then waits for the client's next struct). */
  deletionOnly: boolean
  /**
   * The edit group of the transaction (`EDIT_GROUP`, e.g. typing in one item's text): the
   * following transactions of the same group extend this change instead of adding one each.
   */
  group?: string
}

/** The part of Storage this needs; tests pass a Map-backed one. */
export interface KeyValueStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export interface PendingSnapshot {
  count: number
  changes: readonly PendingChange[]
}

const StoredSchema = z.object({
  nextSeq: z.int().check(z.gte(1)),
  changes: z.array(
    z.object({
      seq: z.int(),
      clientId: z.int().check(z.gte(0)),
      clock: z.int().check(z.gte(1)),
      at: z.number(),
      deletionOnly: z.boolean(),
      group: z.optional(z.string()),
    }),
  ),
})

/** The unsaved changes kept under `key` by a PendingChanges not loaded now (a list in no session). */
export function readStoredPending(store: KeyValueStore | null, key: string): { count: number; oldestAt: number | null } {
  try {
    const raw = store?.getItem(key)
    if (!raw) return { count: 0, oldestAt: null }
    const { changes } = StoredSchema.parse(JSON.parse(raw))
    return { count: changes.length, oldestAt: changes[0]?.at ?? null }
  } catch {
    return { count: 0, oldestAt: null }
  }
}

export class PendingChanges extends ObservableV2<{ change: () => void }> {
  private changes: PendingChange[] = []
  private nextSeq = 1
  private readonly durable = new Map<number, number>()
  private snapshot: PendingSnapshot = { count: 0, changes: [] }

  constructor(
    private readonly doc: Y.Doc,
    private readonly store: KeyValueStore | null,
    private readonly key: string,
  ) {
    super()
    this.load()
    doc.on('update', this.onUpdate)
  }

  getSnapshot = (): PendingSnapshot => this.snapshot

  get count(): number {
    return this.changes.length
  }

  /** Merges durable clocks the server reported and drops the changes they cover. */
  acknowledge(clocks: ReadonlyMap<number, number>): void {
    for (const [clientId, clock] of clocks) {
      if (clock > (this.durable.get(clientId) ?? 0)) this.durable.set(clientId, clock)
    }
    if (this.prune()) this.commit()
  }

  /**
   * Forgets changes the document does not contain (its replica was cleared or
   * lost): they can never be sent, so waiting for them would say "Syncing…"
   * forever. A deletion-only change may still wait for its note.
   */
  dropUnreachable(): void {
    const state = clocksOf(this.doc)
    const before = this.changes.length
    this.changes = this.changes.filter((change) => change.clock <= (state.get(change.clientId) ?? 0) + (change.deletionOnly ? 1 : 0))
    if (this.changes.length !== before) this.commit()
  }

  /** Forgets everything (the device copy was discarded). */
  clear(): void {
    this.changes = []
    this.commit()
  }

  override destroy(): void {
    this.doc.off('update', this.onUpdate)
    super.destroy()
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown, doc: Y.Doc, transaction: Y.Transaction): void => {
    // The note that makes a deletion acknowledgeable is part of that change, not one of its own.
    if (!transaction.local || origin === NOTE_ORIGIN) return
    const before = transaction.beforeState.get(doc.clientID) ?? 0
    const after = transaction.afterState.get(doc.clientID) ?? 0
    const deletionOnly = after <= before
    const clock = deletionOnly ? after + 1 : after
    const group = transaction.meta.get(EDIT_GROUP)
    const last = this.changes[this.changes.length - 1]
    if (typeof group === 'string' && last && last.group === group && last.clientId === doc.clientID) {
      // Typing on in the same field: still one change, saved once its last keystroke is.
      last.clock = Math.max(last.clock, clock)
      last.deletionOnly = last.deletionOnly && deletionOnly
    } else {
      this.changes.push({ seq: this.nextSeq++, clientId: doc.clientID, clock, at: Date.now(), deletionOnly, ...(typeof group === 'string' ? { group } : {}) })
    }
    this.prune()
    this.commit()
  }

  /** Drops acknowledged changes; returns whether any went. */
  private prune(): boolean {
    const before = this.changes.length
    this.changes = this.changes.filter((change) => change.clock > (this.durable.get(change.clientId) ?? 0))
    return this.changes.length !== before
  }

  private commit(): void {
    this.snapshot = { count: this.changes.length, changes: [...this.changes] }
    this.save()
    this.emit('change', [])
  }

  private load(): void {
    if (!this.store) return
    let raw: string | null = null
    try {
      raw = this.store.getItem(this.key)
    } catch {
      return
    }
    if (!raw) return
    try {
      const stored = StoredSchema.parse(JSON.parse(raw))
      this.nextSeq = stored.nextSeq
      this.changes = stored.changes
    } catch {
      // A corrupt queue only affects the count shown; the changes themselves live in IndexedDB.
      this.changes = []
    }
    this.snapshot = { count: this.changes.length, changes: [...this.changes] }
  }

  private save(): void {
    if (!this.store) return
    try {
      if (this.changes.length === 0) this.store.removeItem(this.key)
      else this.store.setItem(this.key, JSON.stringify({ nextSeq: this.nextSeq, changes: this.changes } satisfies z.infer<typeof StoredSchema>))
    } catch {
      // Storage full or unavailable: the count is then only right until a reload.
    }
  }
}
