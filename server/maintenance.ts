/**
 * The server's housekeeping of a list document, started when its log is
 * compacted (at most once per `MAINTENANCE_INTERVAL_MS` per list): items and categories deleted longer ago than the horizon are
 * folded away for good, and register entries that can never win again are
 * pruned (shared/list-maintenance.ts; docs/list-document.md, "Deleting").
 * One server transaction, relayed and stored like any change, so every
 * replica drops the same entries.
 */
import type * as Y from 'yjs'
import { eachAcrossTurns } from '../shared/across-turns.ts'
import {
  DELETION_HORIZON_MS,
  isFoldable,
  listEntities,
  supersededEntries,
  supersededTitleEntries,
  type Entity,
} from '../shared/list-maintenance.ts'
import type { ClientIds } from './client-ids.ts'

export interface MaintenanceResult {
  folded: number
  pruned: number
}

/**
 * Folds old deletions and prunes superseded entries of `doc` in one
 * transaction with `origin`. The items and categories are read across
 * event-loop turns first (a list of tens of thousands holds the loop for
 * hundreds of milliseconds when walked at once); those with something to do
 * are read again, as they are then, inside the transaction.
 */
export async function maintainDocument(
  doc: Y.Doc,
  owners: ClientIds,
  {
    now,
    horizonMs = DELETION_HORIZON_MS,
    origin,
    cancelled = () => false,
  }: { now: number; horizonMs?: number; origin: unknown; /** Checked between steps and before writing: true stops without writing. */ cancelled?: () => boolean },
): Promise<MaintenanceResult> {
  const stop = () => doc.isDestroyed || cancelled()
  const candidates: Entity[] = []
  await eachAcrossTurns(listEntities(doc), (entity) => {
    if (stop()) return false
    if (isFoldable(entity, now, horizonMs) || supersededEntries(entity).length > 0) candidates.push(entity)
  })
  const result: MaintenanceResult = { folded: 0, pruned: 0 }
  if (stop()) return result
  doc.transact(() => {
    for (const entity of candidates) {
      // Changed meanwhile? Only what still holds is done: an item restored since is not folded.
      if (entity.parent.get(entity.id) !== entity.owner) continue
      if (isFoldable(entity, now, horizonMs)) {
        entity.parent.delete(entity.id)
        result.folded++
        continue
      }
      for (const [container, key] of supersededEntries(entity)) {
        container.delete(key)
        result.pruned++
      }
    }
    for (const [container, key] of supersededTitleEntries(doc)) {
      container.delete(key)
      result.pruned++
    }
    if (result.folded + result.pruned > 0) owners.noteServerWrite(now)
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
