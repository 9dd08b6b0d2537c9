/**
 * The registry of loaded rooms: loads a list document on first use, shares
 * it between every connection and HTTP request on that list, and unloads it
 * once the last one leaves, its writes are flushed and it stayed unused for
 * `idleMs` (so HTTP requests one after another on a list, or a reload, do not
 * each load it: loading reads every item three times, for the activity, the
 * lists feed's counts and the item index).
 *
 * Access changes (revoke, downgrade, delete) go through here so they reach
 * open sockets at once, on this node and, through the fan-out, on others.
 */
import * as Y from 'yjs'
import { CloseCode, type Role } from '../shared/protocol.ts'
import { subscribeDecoded, type Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { decodeAccessChange, encodeAccessChange, topics, type AccessChange } from './node-protocol.ts'
import { MaintenanceSchedule } from './maintenance.ts'
import { PeerNodes } from './peer-nodes.ts'
import { AwarenessRefusal, DEFAULT_AWARENESS_LIMITS } from './awareness-limits.ts'
import { PresencePenalty } from './presence-penalty.ts'
import { ProtocolError } from './protocol-error.ts'
import { Room, type RoomOptions } from './room.ts'
import type { DocumentStore, StoredDoc } from './storage/storage.ts'

export interface RoomRegistryOptions {
  store: DocumentStore
  fanout: Fanout
  metrics: Metrics
  log: Logger
  maxDocBytes: number
  compaction: RoomOptions['compaction']
  /** The rules for clients' writes; the defaults are the documented ones. */
  writes?: RoomOptions['writes']
  /** Cross-node timings; the defaults suit a LAN. */
  cluster?: Partial<ClusterTimings>
  /** A room stays loaded this long after it became idle (0: unloaded at once; the default). */
  idleMs?: number
  /** A list's housekeeping runs at a compaction at most this often (0: at every one; the default). */
  maintenanceIntervalMs?: number
  /** Where users' changes and presence are recorded (activity-log.ts). */
  activity?: RoomOptions['activity']
  /** What presence a connection may hold; the defaults are the documented ones. */
  awareness?: RoomOptions['awareness']
  /** The stored-bytes quota per owner (storage-quota.ts). */
  quota?: RoomOptions['quota']
  /** Which stored logs are folded into their snapshots when a room unloads or the server stops; the defaults are LOG_FOLD. */
  logFold?: LogFold
}

/**
 * A room about to unload, and every room at a graceful shutdown, folds its
 * list's stored log into the snapshot when the log holds at least
 * `minEntries` entries (at shutdown the longest first, starting none after
 * `shutdownBudgetMs`). The list's next load then reads one snapshot instead
 * of a snapshot and up to `maxLogEntries` updates, and a device with nothing
 * of the list is sent only the snapshot's parts (stored-answer.ts), which
 * apply faster than the same edits as hundreds of log entries.
 */
export interface LogFold {
  minEntries: number
  shutdownBudgetMs: number
}

export const LOG_FOLD: LogFold = { minEntries: 16, shutdownBudgetMs: 2000 }

export interface ClusterTimings {
  heartbeatMs: number
  /** A node silent this long is gone, and its clients' presence with it. */
  nodeTimeoutMs: number
  /** Content relayed by a peer but reported stored by nobody this long is stored here. */
  reconcileAfterMs: number
  peerSyncTimeoutMs: number
}

const DEFAULT_CLUSTER: ClusterTimings = { heartbeatMs: 1000, nodeTimeoutMs: 3500, reconcileAfterMs: 5000, peerSyncTimeoutMs: 1000 }
const ACCESS_TOPIC = topics.access

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>()
  private readonly loading = new Map<string, Promise<Room>>()
  /** Per list being loaded, its stored document once read (before the room is built from it). */
  private readonly storedWhileLoading = new Map<string, Promise<StoredDoc>>()
  /** The stored document (as `storedDocWhileLoading` handed it out) each room was built from. */
  private readonly builtFrom = new WeakMap<Room, Promise<StoredDoc>>()
  /**
   * Per list, what a room whose storage failed had applied and storage may
   * lack (its `storage-failed` event), for the next room of that list to
   * store (`Room.load`'s `inherited`).
   */
  private readonly inherited = new Map<string, Uint8Array>()
  /** Bumped on every access change of a list, so a join racing one can tell. */
  private readonly accessVersions = new Map<string, number>()
  private readonly unsubscribe: Array<() => void> = []
  private readonly peers: PeerNodes
  private readonly reconcileTimer: NodeJS.Timeout
  private readonly cluster: ClusterTimings
  private readonly maintenance: MaintenanceSchedule
  private readonly accessListeners = new Set<(change: AccessChange) => void>()
  private readonly loadListeners = new Set<(room: Room) => void>()
  /** Idle rooms waiting out `idleMs` before they unload. */
  private readonly idleTimers = new Map<Room, NodeJS.Timeout>()
  /** Rooms whose log fold failed: they unload with the log as stored (the next load reads it). */
  private readonly foldFailed = new WeakSet<Room>()
  /** Users whose presence on a list was refused often lately, kept from joining it for a while. */
  private readonly penalty: PresencePenalty

  constructor(private readonly options: RoomRegistryOptions) {
    this.cluster = { ...DEFAULT_CLUSTER, ...options.cluster }
    this.maintenance = new MaintenanceSchedule(options.maintenanceIntervalMs ?? 0)
    const awareness = options.awareness ?? DEFAULT_AWARENESS_LIMITS
    this.penalty = new PresencePenalty(awareness.penaltyStrikes, awareness.penaltyMs)
    const { fanout, log } = options
    this.unsubscribe.push(
      subscribeDecoded(fanout, ACCESS_TOPIC, decodeAccessChange, log, 'access change', (change) => this.applyAccessChange(change)),
      // Messages were lost while the fan-out was down: every live list catches up both ways.
      fanout.onReconnect(() => {
        for (const room of this.rooms.values()) room.resyncWithPeers()
      }),
    )
    this.peers = new PeerNodes(fanout, {
      intervalMs: this.cluster.heartbeatMs,
      timeoutMs: this.cluster.nodeTimeoutMs,
      onGone: (node) => {
        for (const room of this.rooms.values()) room.dropPeer(node)
      },
    })
    this.reconcileTimer = setInterval(() => {
      const now = Date.now()
      for (const room of this.rooms.values()) {
        if (room.reconcile(now, this.cluster.reconcileAfterMs)) log.warn({ list: room.id }, 'stored updates a peer relayed but never reported stored')
      }
    }, Math.max(250, Math.floor(this.cluster.reconcileAfterMs / 4)))
    this.reconcileTimer.unref()
  }

  get loadedCount(): number {
    return this.rooms.size
  }

  /**
   * Loads (or finds) the room and holds it until `release`. A room whose
   * storage failed is never handed out: the registry forgot it when it
   * failed, and loads a fresh one, which it first gives what the failed one
   * had applied and storage may lack.
   */
  async acquire(listId: string): Promise<Room> {
    // A room that failed before the registry heard of it is left for a fresh load, once.
    for (let attempt = 0; ; attempt++) {
      const room = this.rooms.get(listId) ?? (await this.load(listId))
      if (room.deleted) throw new ProtocolError(CloseCode.NotFound, 'list deleted')
      if (room.failed) {
        if (attempt === 0) continue
        throw new ProtocolError(CloseCode.InternalError, 'storage failed')
      }
      room.hold()
      const inherited = this.inherited.get(listId)
      if (inherited) {
        this.inherited.delete(listId)
        room.inherit(inherited)
      }
      return room
    }
  }

  /** The list's room being loaded, or a new load of it (one at a time per list). */
  private load(listId: string): Promise<Room> {
    let loading = this.loading.get(listId)
    if (loading) return loading
    let storedRead: (stored: StoredDoc) => void = () => {}
    const stored = new Promise<StoredDoc>((resolve) => (storedRead = resolve))
    loading = Room.load(listId, {
      ...this.options,
      peerSyncTimeoutMs: this.cluster.peerSyncTimeoutMs,
      onPeerSeen: (node) => this.peers.saw(node),
      maintenance: this.maintenance,
      onStored: storedRead,
    }).finally(() => {
      this.loading.delete(listId)
      this.storedWhileLoading.delete(listId)
    })
    this.storedWhileLoading.set(listId, stored)
    loading
      .then((room) => {
        this.builtFrom.set(room, stored)
        room.events.on('became-idle', () => this.unloadOnceUnused(room))
        room.events.on('storage-failed', () => this.retire(room))
        room.events.on('presence-refused', (userId) => this.penalty.strike(room.id, userId))
        if (!room.failed) {
          this.rooms.set(listId, room)
          for (const listener of this.loadListeners) listener(room)
          return
        }
        // Failed before anyone could hold it (nothing writes then, but just in case): never handed out.
        this.retire(room)
        this.unload(room)
      })
      .catch(() => {})
    this.loading.set(listId, loading)
    return loading
  }
  /**
   * While the list's room is being loaded: its stored document, once read
   * (it never settles if the load fails first). Null when no load is under
   * way (the room is loaded, or not asked for).
   */
  storedDocWhileLoading(listId: string): Promise<StoredDoc> | null {
    return this.storedWhileLoading.get(listId) ?? null
  }

  /** Whether `room` was built from the stored document `stored` (`storedDocWhileLoading`), not a later read. */
  wasBuiltFrom(room: Room, stored: Promise<StoredDoc>): boolean {
    return this.builtFrom.get(room) === stored
  }

  /** Lets go of a room `acquire` returned; it unloads once idle. */
  release(room: Room): void {
    room.release()
  }

  /** Runs `fn` with the room held, then releases it. */
  async withRoom<T>(listId: string, fn: (room: Room) => Promise<T> | T): Promise<T> {
    const room = await this.acquire(listId)
    try {
      return await fn(room)
    } finally {
      this.release(room)
    }
  }

  /** Calls `listener` for every access change (role, removal, deletion), made on this node or another. */
  onAccessChange(listener: (change: AccessChange) => void): () => void {
    this.accessListeners.add(listener)
    return () => this.accessListeners.delete(listener)
  }

  /** Calls `listener` with each room once it is loaded, before anyone uses it (the room's doc is destroyed when it unloads). */
  onRoomLoaded(listener: (room: Room) => void): () => void {
    this.loadListeners.add(listener)
    return () => this.loadListeners.delete(listener)
  }

  /** Whether the user may join the list now: false (counted) while their presence there is barred (presence-penalty.ts). */
  admitsPresenceOf(listId: string, userId: string): boolean {
    if (!this.penalty.isBarred(listId, userId)) return true
    this.options.metrics.awarenessRefused.inc({ reason: AwarenessRefusal.Penalty })
    return false
  }

  accessVersion(listId: string): number {
    return this.accessVersions.get(listId) ?? 0
  }

  /** A member's role changed (`null`: removed). Reaches open sockets on every node. */
  roleChanged(listId: string, userId: string, role: Role | null): void {
    const change: AccessChange = { kind: 'role', listId, userId, role }
    this.applyAccessChange(change)
    this.options.fanout.publish(ACCESS_TOPIC, encodeAccessChange(change))
  }

  /**
   * The list is being deleted: close its sockets, stop writing its document,
   * and wait for an in-flight append so nothing lands after the delete.
   */
  async listDeleted(listId: string): Promise<void> {
    const change: AccessChange = { kind: 'deleted', listId }
    this.applyAccessChange(change)
    this.options.fanout.publish(ACCESS_TOPIC, encodeAccessChange(change))
    const room = this.rooms.get(listId) ?? (await this.loading.get(listId)?.catch(() => undefined))
    if (room) await room.whenFlushed().catch(() => {})
  }

  private applyAccessChange(change: AccessChange): void {
    this.accessVersions.set(change.listId, this.accessVersion(change.listId) + 1)
    if (change.kind === 'deleted') {
      this.inherited.delete(change.listId)
      this.maintenance.forget(change.listId)
    }
    for (const listener of this.accessListeners) listener(change)
    const room = this.rooms.get(change.listId)
    if (!room) return
    if (change.kind === 'deleted') {
      room.markDeleted()
      room.closeAll(CloseCode.NotFound, 'list deleted')
    } else {
      room.changeAccess(change.userId, change.role)
    }
  }

  /** The room became idle: unload it after `idleMs` if nobody used it meanwhile (a failed or deleted one at once). */
  private unloadOnceUnused(room: Room): void {
    const idleMs = this.options.idleMs ?? 0
    clearTimeout(this.idleTimers.get(room))
    if (idleMs === 0 || room.failed || room.deleted) return this.unloadOrFold(room)
    const timer = setTimeout(() => {
      this.idleTimers.delete(room)
      // Used meanwhile: it says `became-idle` again when that use ends.
      if (room.isIdle) this.unloadOrFold(room)
    }, idleMs)
    timer.unref()
    this.idleTimers.set(room, timer)
  }

  /** Whether `room`'s stored log is long enough to fold (`LogFold`). */
  private foldDue(room: Room): boolean {
    const { minEntries } = this.options.logFold ?? LOG_FOLD
    return !room.failed && !room.deleted && !this.foldFailed.has(room) && room.storedLogLength >= minEntries
  }

  /**
   * An idle room unloads, unless its stored log is due to fold: then it folds
   * it first, in its writer's chain. The writer settling makes the room idle
   * again (`became-idle`), and it unloads then, with a short log; a use
   * meanwhile keeps it loaded, as any use does.
   */
  private unloadOrFold(room: Room): void {
    if (!this.foldDue(room)) return this.unload(room)
    room.compactNow().catch((err: unknown) => {
      this.foldFailed.add(room)
      // The writer settling after the failure says `became-idle` again, and the room unloads then.
      this.options.log.warn({ err, list: room.id }, 'folding the log of an unloading room failed; it unloads with the log as stored')
    })
  }

  /** Folds the longest stored logs of `rooms` (closed, flushed) into their snapshots, within the shutdown budget. */
  private async foldLogs(rooms: Room[]): Promise<void> {
    const budgetMs = (this.options.logFold ?? LOG_FOLD).shutdownBudgetMs
    const started = performance.now()
    const due = rooms.filter((room) => this.foldDue(room)).sort((a, b) => b.storedLogLength - a.storedLogLength)
    for (const room of due) {
      if (performance.now() - started >= budgetMs) {
        this.options.log.info({ folded: due.indexOf(room), left: due.length - due.indexOf(room) }, 'shutdown: fold budget spent, the other logs stay as stored')
        return
      }
      // Unloaded meanwhile (it folded as it went, with no use to wait out).
      if (this.rooms.get(room.id) !== room) continue
      try {
        await room.compactNow()
      } catch (err) {
        // The log is intact (a compaction replaces it only once the snapshot is stored): the next load reads it.
        this.options.log.warn({ err, list: room.id }, 'shutdown: folding the log failed')
      }
    }
  }

  /** Drops the room (a failed room was forgotten already, and a newer one may be loaded). */
  private unload(room: Room): void {
    clearTimeout(this.idleTimers.get(room))
    this.idleTimers.delete(room)
    if (this.rooms.get(room.id) === room) this.rooms.delete(room.id)
    room.destroy()
  }

  /**
   * The room's storage failed (it closed its sockets): forget it, so the next
   * socket or request gets a fresh room, which stores what this one had
   * applied and storage may lack. The failed room unloads once its holders
   * let go.
   */
  private retire(room: Room): void {
    if (this.rooms.get(room.id) === room) this.rooms.delete(room.id)
    const unstored = room.takeUnstored()
    if (!unstored || room.deleted) return
    const earlier = this.inherited.get(room.id)
    this.inherited.set(room.id, earlier ? Y.mergeUpdates([earlier, unstored]) : unstored)
  }

  /** Shutdown: close every socket with `reason`, wait for all writes, then fold the long logs (`LogFold`). */
  async closeAll(close: typeof CloseCode.ServerRestarting): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer)
    this.idleTimers.clear()
    const rooms = [...this.rooms.values()]
    for (const room of rooms) room.closeAll(close)
    await Promise.all(rooms.map((room) => room.whenFlushed().catch(() => {})))
    await this.foldLogs(rooms)
    clearInterval(this.reconcileTimer)
    this.peers.close()
    for (const unsubscribe of this.unsubscribe) unsubscribe()
  }
}
