/**
 * Who may not open a list for a while because their presence kept being
 * refused there. A client closed with 4431/4432 (awareness-limits.ts) that
 * reconnects at once and sends the same again costs the server a join and
 * the whole message each time; an honest client never sends such presence.
 * After `strikes` refusals of one user on one list within `barMs`, that user's
 * sockets for that list are refused at the join (4431, on either transport)
 * for `barMs`. Per node, in memory, bounded.
 */

/** Entries kept at most; past it, expired ones go first, then the oldest. */
const MAX_ENTRIES = 10_000

export class PresencePenalty {
  /** listId/userId → times of recent refusals (within `barMs`). */
  private readonly strikes = new Map<string, number[]>()
  /** listId/userId → barred until. */
  private readonly barred = new Map<string, number>()

  constructor(
    private readonly strikesToBar: number,
    private readonly barMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user's presence on the list was refused (the sender was closed). */
  strike(listId: string, userId: string): void {
    if (this.strikesToBar <= 0) return
    const key = keyOf(listId, userId)
    const at = this.now()
    const recent = (this.strikes.get(key) ?? []).filter((time) => at - time < this.barMs)
    recent.push(at)
    this.strikes.delete(key)
    if (recent.length >= this.strikesToBar) {
      this.barred.delete(key)
      this.barred.set(key, at + this.barMs)
    } else {
      this.strikes.set(key, recent)
    }
    this.bound(at)
  }

  /** Whether the user may not open the list now. */
  isBarred(listId: string, userId: string): boolean {
    const key = keyOf(listId, userId)
    const until = this.barred.get(key)
    if (until === undefined) return false
    if (this.now() < until) return true
    this.barred.delete(key)
    return false
  }

  get size(): number {
    return this.strikes.size + this.barred.size
  }

  private bound(at: number): void {
    if (this.size <= MAX_ENTRIES) return
    for (const [key, until] of this.barred) if (until <= at) this.barred.delete(key)
    for (const [key, times] of this.strikes) if (at - times[times.length - 1]! >= this.barMs) this.strikes.delete(key)
    // Still over: the oldest entries go (Maps keep insertion order, and every write re-inserts), down to
    // 90 % of the bound, so a flood of new users does not walk the maps at every refusal.
    for (const map of [this.strikes, this.barred] as Array<Map<string, unknown>>) {
      for (const key of map.keys()) {
        if (this.size <= MAX_ENTRIES * 0.9) return
        map.delete(key)
      }
    }
  }
}

function keyOf(listId: string, userId: string): string {
  return `${listId}\u0000${userId}`
}
