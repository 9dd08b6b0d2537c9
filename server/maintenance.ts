/**
 * The server's housekeeping of a list document, run when its log is
 * compacted (at most once per `MAINTENANCE_INTERVAL_MS` per list): items and categories deleted longer ago than the horizon are
 * folded away for good, and register entries that can never win again are
 * pruned (shared/list-maintenance.ts; docs/list-document.md, "Deleting").
 * One server transaction, relayed and stored like any change, so every
 * replica drops the same entries.
 */
import type * as Y from 'yjs'
import { DELETION_HORIZON_MS, foldDeletions, pruneSuperseded } from '../shared/list-maintenance.ts'
import type { ClientIds } from './client-ids.ts'

export interface MaintenanceResult {
  folded: number
  pruned: number
}

/** Folds old deletions and prunes superseded entries of `doc` in one transaction with `origin`. */
export function maintainDocument(doc: Y.Doc, owners: ClientIds, { now, horizonMs = DELETION_HORIZON_MS, origin }: { now: number; horizonMs?: number; origin: unknown }): MaintenanceResult {
  let result: MaintenanceResult = { folded: 0, pruned: 0 }
  doc.transact(() => {
    const folded = foldDeletions(doc, { now, horizonMs }).length
    const pruned = pruneSuperseded(doc)
    if (folded + pruned > 0) owners.noteServerWrite(now)
    result = { folded, pruned }
  }, origin)
  return result
}

/**
 * When each list's housekeeping is due, in this process: at a compaction at
 * least `intervalMs` after the list was first loaded here or last maintained.
 * A busy list compacts every few hundred updates; folding a 30-day horizon
 * and pruning superseded entries walk the whole document, which pays off
 * every few minutes, not at every compaction. An interval of 0 maintains at
 * every compaction.
 */
export class MaintenanceSchedule {
  /** Per list: when it was last maintained, or first loaded if never since. */
  private readonly since = new Map<string, number>()

  constructor(
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The list was loaded: its interval counts from its first load in this process. */
  loaded(listId: string): void {
    if (!this.since.has(listId)) this.since.set(listId, this.now())
  }

  /** Whether the list's housekeeping is due now; if it is, it counts as done from now. */
  claim(listId: string): boolean {
    const now = this.now()
    const since = this.since.get(listId)
    if (since !== undefined && now - since < this.intervalMs) return false
    this.since.set(listId, now)
    return true
  }

  /** The list is gone. */
  forget(listId: string): void {
    this.since.delete(listId)
  }
}
