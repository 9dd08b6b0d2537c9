/**
 * The server's upgrade of a list document from layout v1 to v2, run when a
 * room loads it (docs/list-document.md, "Upgrading").
 *
 * In one server transaction: `meta.layout` becomes 2; every clientID already
 * in the document gets an owner in `writers` (the author of an item it
 * created, else '#legacy'), since v1 had no ownership; and register entries
 * timestamped further ahead than the skew bound are deleted, because such an
 * entry (only a forged write can make one) would win its register forever.
 *
 * Idempotent: a document that says it is v2 is left alone. Two nodes loading
 * the same v1 document at once both upgrade it; they write identical values
 * (the owners with `at: 0`, the same layout) and delete the same entries, so
 * the merged result is the same as one upgrade. A v1 replica still syncing
 * afterwards is refused only where it deletes (`removed-entry`, 4427); its
 * other writes are valid v2 content.
 */
import type * as Y from 'yjs'
import { LAYOUT_VERSION, readLayoutVersion } from '../shared/list-layout.ts'
import { markLayoutVersion, stripFutureEntries } from '../shared/list-maintenance.ts'
import { inferLegacyOwners, recordLegacyOwners, type ClientIds } from './client-ids.ts'

export interface UpgradeOptions {
  /** The server's clock, ms since the epoch. */
  now: number
  /** Entries further ahead of `now` than this are deleted (the bound `clock-skew` refuses writes by). */
  maxClockSkewMs: number
  /** Origin of the upgrade's transaction: the room's origin for its own writes. */
  origin: unknown
}

/** Upgrades `doc` to layout v2 if it is older; returns whether it wrote anything. */
export function upgradeDocument(doc: Y.Doc, owners: ClientIds, { now, maxClockSkewMs, origin }: UpgradeOptions): boolean {
  if (readLayoutVersion(doc) >= LAYOUT_VERSION) return false
  // Computed before the transaction, so the upgrade's own writes (the server's clientID) are not in it.
  const legacyOwners = inferLegacyOwners(doc)
  doc.transact(() => {
    markLayoutVersion(doc)
    recordLegacyOwners(doc, legacyOwners)
    owners.noteServerWrite(now)
    stripFutureEntries(doc, now + maxClockSkewMs)
  }, origin)
  return true
}
