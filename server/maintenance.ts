/**
 * The server's housekeeping of a list document, run when its log is
 * compacted: items and categories deleted longer ago than the horizon are
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
