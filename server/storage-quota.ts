/**
 * The stored-bytes quota per user (`MAX_STORED_BYTES_PER_USER`): the bytes
 * storage holds for the lists a user owns, together, may not exceed it. A
 * write to a list that would take its owner past it is refused like a write
 * past `MAX_DOC_BYTES` (close 4414, HTTP 413 `storage_quota`), whoever writes.
 *
 * Checked in O(1) per write: this keeps a running total per owner. A loaded
 * room reports its stored bytes (room.ts: after each append, compaction or
 * load); a list not loaded here counts the size storage's `docStats` gave,
 * read once, the first time one of its owner's lists loads on this node. A
 * room that loads re-reports its list's size from storage, so writes other
 * nodes stored are counted from then on (in a cluster an owner can overshoot
 * by what other nodes accepted meanwhile; each node still refuses past it).
 */
import { CloseCode } from '../shared/protocol.ts'
import type { Metrics } from './metrics.ts'
import { ProtocolError } from './protocol-error.ts'
import type { AccountStore, DocumentStore } from './storage/storage.ts'

/** What a room needs of the quota (room.ts `RoomOptions.quota`). */
export interface RoomQuota {
  /** Before the room takes writes: learns the list's owner and, once, the sizes of the owner's lists. */
  prepare(listId: string): Promise<void>
  /** Throws ProtocolError(StorageQuota) if `bytes` more would take the list's owner past the quota. */
  admit(listId: string, bytes: number): void
  /** The list's stored bytes are now `bytes`. */
  stored(listId: string, bytes: number): void
}

export class StorageQuota implements RoomQuota {
  private readonly ownerOf = new Map<string, string>()
  private readonly bytesOf = new Map<string, number>()
  private readonly totals = new Map<string, number>()
  /** Owners whose lists' sizes were read (or are being read). */
  private readonly counted = new Map<string, Promise<void>>()

  constructor(
    private readonly accounts: Pick<AccountStore, 'getList' | 'listsForUser'>,
    private readonly store: Pick<DocumentStore, 'docStats'>,
    private readonly maxBytes: number,
    private readonly metrics: Metrics,
  ) {}

  async prepare(listId: string): Promise<void> {
    let owner = this.ownerOf.get(listId)
    if (owner === undefined) {
      const list = await this.accounts.getList(listId)
      if (!list) return
      owner = list.ownerId
    }
    let counting = this.counted.get(owner)
    if (!counting) {
      counting = this.countOwner(owner)
      this.counted.set(owner, counting)
      counting.catch(() => this.counted.delete(owner))
    }
    await counting
    // Created after its owner was counted: its size is read now, once.
    if (!this.ownerOf.has(listId)) await this.readSize(listId, owner)
  }

  admit(listId: string, bytes: number): void {
    const owner = this.ownerOf.get(listId)
    if (owner === undefined) return
    if ((this.totals.get(owner) ?? 0) + bytes > this.maxBytes) {
      this.metrics.quotaRefusals.inc({ reason: 'storage_quota' })
      throw new ProtocolError(CloseCode.StorageQuota, `the lists of this list's owner would hold more than ${this.maxBytes} bytes`)
    }
  }

  stored(listId: string, bytes: number): void {
    const owner = this.ownerOf.get(listId)
    if (owner === undefined) return
    const before = this.bytesOf.get(listId) ?? 0
    this.bytesOf.set(listId, bytes)
    this.totals.set(owner, (this.totals.get(owner) ?? 0) + bytes - before)
  }

  /** The list was deleted: its bytes no longer count. */
  forget(listId: string): void {
    const owner = this.ownerOf.get(listId)
    if (owner === undefined) return
    this.stored(listId, 0)
    this.ownerOf.delete(listId)
    this.bytesOf.delete(listId)
  }

  /** What the owner's lists hold together, as this node knows it (tests, metrics). */
  totalOf(ownerId: string): number {
    return this.totals.get(ownerId) ?? 0
  }

  private async countOwner(owner: string): Promise<void> {
    const owned = (await this.accounts.listsForUser(owner)).filter((entry) => entry.role === 'owner')
    await Promise.all(owned.map(({ list }) => (this.ownerOf.has(list.id) ? null : this.readSize(list.id, owner))))
  }

  private async readSize(listId: string, owner: string): Promise<void> {
    const stats = await this.store.docStats(listId)
    // A room may have reported it meanwhile: its figure is the newer one.
    if (this.ownerOf.has(listId)) return
    this.ownerOf.set(listId, owner)
    this.stored(listId, stats.logBytes + stats.snapshotBytes)
  }
}
