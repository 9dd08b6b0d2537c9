/**
 * Who owns each Yjs clientID on one list (docs/protocol.md, "Write rules").
 *
 * The first user who adds content under a clientID owns it; nobody else may
 * write under it. Ownership lives in the document itself, in the server-only
 * `writers` root map (`clientID → {u: userId, at: ms}`), so it is stored with
 * the list and every node sees the same owners; the server writes it in
 * transactions of its own, right after the write that claimed the clientID.
 *
 * An in-memory index of recent claims enforces the caps on new clientIDs
 * (per update, per user per list and per list, over a rolling 24 hours), so a
 * flood of invented clientIDs is refused at once while someone who opens a
 * list many times a day for years never meets them. It is rebuilt from the
 * map when the list is loaded, and follows the map as other nodes add to it.
 */
import * as Y from 'yjs'
import { ROOT } from '../shared/list-layout.ts'
import { WriteRule, writeRejection, type WriteRejectedMessage } from '../shared/protocol.ts'
import type { ClientIdOwners } from './write-check.ts'
import { clocksOf } from '../shared/clocks.ts'

/** Owner of a server node's own clientID: nobody else may write under it. */
export const SERVER_OWNER = '#server'
/** Owner of clientIDs older than ownership whose author cannot be told: nobody may write under them. */
export const LEGACY_OWNER = '#legacy'

/** One entry of the `writers` map. `at` is 0 for entries the v1 → v2 upgrade wrote. */
export interface WriterEntry {
  u: string
  at: number
}

export interface ClientIdCaps {
  /** New clientIDs one update may name. */
  perUpdate: number
  /** New clientIDs one user may start on one list per rolling 24 hours. */
  perUserPerDay: number
  /** New clientIDs one list may gain per rolling 24 hours. */
  perListPerDay: number
}

/**
 * A browser tab takes a fresh clientID every time it opens a list, so someone
 * opening it a hundred times a day uses a hundred; a thousand leaves room for
 * many devices and reloads, and a list shared by ten such people stays under
 * ten thousand. One honest update names at most a few (an offline replica's
 * sessions); sixty-four is far beyond that.
 */
export const DEFAULT_CLIENT_ID_CAPS: ClientIdCaps = { perUpdate: 64, perUserPerDay: 1_000, perListPerDay: 10_000 }

export const CLAIM_WINDOW_MS = 24 * 60 * 60_000

function isWriterEntry(value: unknown): value is WriterEntry {
  if (typeof value !== 'object' || value === null) return false
  const { u, at } = value as Record<string, unknown>
  return typeof u === 'string' && typeof at === 'number' && Number.isFinite(at)
}

/** Owners starting with '#' are not users, and their entries count toward no cap. */
const isUser = (owner: string) => !owner.startsWith('#')

/** Index of the first element of the ascending `sorted` that is ≥ `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Claim times in ascending order, forgetting those that left the window. */
class ClaimTimes {
  private readonly times: number[] = []

  add(at: number): void {
    this.times.splice(lowerBound(this.times, at), 0, at)
  }

  remove(at: number): void {
    const index = lowerBound(this.times, at)
    if (this.times[index] === at) this.times.splice(index, 1)
  }

  /** Claims at or after `since`; those before it are dropped for good (the window only moves forward). */
  countSince(since: number): number {
    const first = lowerBound(this.times, since)
    if (first > 0) this.times.splice(0, first)
    return this.times.length
  }
}

/** The clientID ownership of one loaded list. */
/** Who owns `clientId` according to a list's `writers` map (undefined: nobody yet). */
export function ownerIn(writers: Y.Map<unknown>, clientId: number): string | undefined {
  const entry = writers.get(String(clientId))
  if (entry === undefined) return undefined
  // Only the server writes this map; anything malformed in it can only be a relic, and no user owns it.
  return isWriterEntry(entry) ? entry.u : LEGACY_OWNER
}

export class ClientIds implements ClientIdOwners {
  private readonly writers: Y.Map<unknown>
  private readonly byUser = new Map<string, ClaimTimes>()
  private readonly all = new ClaimTimes()
  /** What the index counted per key, so a replaced entry is uncounted. */
  private readonly counted = new Map<string, WriterEntry>()

  constructor(
    private readonly doc: Y.Doc,
    private readonly caps: ClientIdCaps = DEFAULT_CLIENT_ID_CAPS,
    now = Date.now(),
  ) {
    this.writers = doc.getMap(ROOT.writers)
    for (const [key, value] of this.writers.entries()) this.index(key, value)
    // Claims older than the window never count again: only the recent ones stay in memory.
    this.all.countSince(now - CLAIM_WINDOW_MS)
    for (const times of this.byUser.values()) times.countSince(now - CLAIM_WINDOW_MS)
    this.writers.observe(this.onWritersChange)
  }

  ownerOf(clientId: number): string | undefined {
    return ownerIn(this.writers, clientId)
  }

  checkClaim(userId: string, clientIds: readonly number[], now: number): WriteRejectedMessage | null {
    const count = clientIds.length
    if (count === 0) return null
    if (count > this.caps.perUpdate) {
      return writeRejection(WriteRule.ClientIdsPerUpdate, `one write may start at most ${this.caps.perUpdate} new clientIDs (this one: ${count})`)
    }
    const since = now - CLAIM_WINDOW_MS
    const mine = this.byUser.get(userId)?.countSince(since) ?? 0
    if (mine + count > this.caps.perUserPerDay) {
      return writeRejection(WriteRule.ClientIdsPerUser, `you started ${mine} new clientIDs on this list in 24 hours; the limit is ${this.caps.perUserPerDay}`)
    }
    if (this.all.countSince(since) + count > this.caps.perListPerDay) {
      return writeRejection(WriteRule.ClientIdsPerList, `this list gained ${this.caps.perListPerDay} new clientIDs in 24 hours, its limit`)
    }
    return null
  }

  /**
   * Records `clientIds` as `userId`'s (those nobody owns yet, and '#legacy'
   * ones: the first user who extends a clientID older than ownership takes
   * it) in one server transaction with `origin`; the caller applied the write
   * that claimed them.
   */
  record(clientIds: readonly number[], userId: string, now: number, origin: unknown): void {
    if (clientIds.length === 0) return
    const unowned = clientIds.filter((clientId) => {
      const owner = this.ownerOf(clientId)
      return owner === undefined || owner === LEGACY_OWNER
    })
    if (unowned.length === 0) return
    this.doc.transact(() => {
      for (const clientId of unowned) this.writers.set(String(clientId), { u: userId, at: now } satisfies WriterEntry)
      this.noteServerWrite(now)
    }, origin)
  }

  /**
   * Records the server's own clientID as '#server' if it is not yet: call it
   * inside every server transaction that writes to the document, so no
   * client can ever write under that clientID.
   */
  noteServerWrite(now: number): void {
    const key = String(this.doc.clientID)
    if (!this.writers.has(key)) this.writers.set(key, { u: SERVER_OWNER, at: now } satisfies WriterEntry)
  }

  /** New clientIDs started on this list in the 24 hours before `now`, by `userId` or by anyone. */
  recentClaims(now: number, userId?: string): number {
    const since = now - CLAIM_WINDOW_MS
    return userId === undefined ? this.all.countSince(since) : (this.byUser.get(userId)?.countSince(since) ?? 0)
  }

  destroy(): void {
    this.writers.unobserve(this.onWritersChange)
  }

  private readonly onWritersChange = (event: Y.YMapEvent<unknown>): void => {
    for (const key of event.keysChanged) this.index(key, this.writers.get(key))
  }

  private index(key: string, value: unknown): void {
    const previous = this.counted.get(key)
    if (previous) {
      this.counted.delete(key)
      this.all.remove(previous.at)
      this.byUser.get(previous.u)?.remove(previous.at)
    }
    // Entries of the upgrade (at 0) lie outside every window the caps look at.
    if (!isWriterEntry(value) || !isUser(value.u) || value.at <= 0) return
    this.counted.set(key, value)
    this.all.add(value.at)
    let times = this.byUser.get(value.u)
    if (!times) this.byUser.set(value.u, (times = new ClaimTimes()))
    times.add(value.at)
  }
}

// ---------------------------------------------------------------------------
// Upgrade from layout v1, which had no ownership
// ---------------------------------------------------------------------------

/**
 * Owners for every clientID in the document's state vector, as the v1 → v2
 * upgrade records them: the `createdBy` of an item that clientID created (the
 * earliest one, so every node infers the same), else '#legacy'.
 */
export function inferLegacyOwners(doc: Y.Doc): Map<number, string> {
  const authors = new Map<number, { clock: number; createdBy: string }>()
  for (const value of doc.getMap(ROOT.items).values()) {
    if (!(value instanceof Y.Map)) continue
    const createdBy = value.get('createdBy')
    const creator = value._item?.id
    if (typeof createdBy !== 'string' || !creator) continue
    const known = authors.get(creator.client)
    if (!known || creator.clock < known.clock) authors.set(creator.client, { clock: creator.clock, createdBy })
  }
  const owners = new Map<number, string>()
  for (const clientId of clocksOf(doc).keys()) {
    owners.set(clientId, authors.get(clientId)?.createdBy ?? LEGACY_OWNER)
  }
  return owners
}

/**
 * Writes the ownership of a v1 document: every clientID in its state vector
 * gets `{u: inferred owner, at: 0}`, and whatever else the `writers` map held
 * goes (no v1 server wrote it, so only a client can have, and no client may).
 * Two nodes upgrading the same document concurrently write identical values.
 * Must run inside the upgrade's transaction; `owners` is computed before it
 * (`inferLegacyOwners`), so the upgrade's own writes are not in it.
 */
export function recordLegacyOwners(doc: Y.Doc, owners: ReadonlyMap<number, string>): void {
  const writers = doc.getMap(ROOT.writers)
  const relics = Array.from(writers.keys()).filter((key) => !owners.has(Number(key)) || String(Number(key)) !== key)
  for (const key of relics) writers.delete(key)
  for (const [clientId, u] of owners) {
    const current = writers.get(String(clientId))
    if (isWriterEntry(current) && current.u === u && current.at === 0) continue
    writers.set(String(clientId), { u, at: 0 } satisfies WriterEntry)
  }
}
