/**
 * A room is one list document held in memory with the connections editing it.
 *
 * It ties together the parts that each handle one concern:
 *
 * - `Connection` (connection.ts): a client's socket, identity and presence;
 * - `receiveClientMessage` (client-messages.ts): what one client message does;
 * - `DurableWriter` (durable-writer.ts): group commit to storage, durable
 *   clocks, compaction;
 * - `PeerSync` (peer-sync.ts): the other nodes holding the same list;
 * - `checkWrite` (write-check.ts) and `ClientIds` (client-ids.ts): what a
 *   client may write, and which user owns each Yjs clientID on the list;
 * - `upgradeDocument` (upgrade.ts): layout v1 → v2 when the list loads.
 *
 * The room itself owns the document and its awareness, relays every accepted
 * update to the other connections (and to peers) once it is stored,
 * tells Colist clients which clocks are durable, and tells its owner (the
 * registry) when it became idle.
 *
 * The room never touches a network library: it talks to `RoomSocket`, so
 * tests can drive it with plain objects and the `ws` glue stays thin.
 */
import { EventEmitter } from 'node:events'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { clocksAhead, type Clocks } from '../shared/clocks.ts'
import {
  CloseCode,
  SyncStep,
  canWrite,
  encodeAwarenessMessage,
  encodePersisted,
  encodeConnectionInfo,
  encodeSyncMessage,
  type CloseCodeInfo,
  type Role,
} from '../shared/protocol.ts'
import type { ActivityLog } from './activity-log.ts'
import { DEFAULT_AWARENESS_LIMITS, AwarenessRefusal, type AwarenessLimits } from './awareness-limits.ts'
import { AwarenessOwners } from './awareness-owners.ts'
import { ClientIds, DEFAULT_CLIENT_ID_CAPS, type ClientIdCaps } from './client-ids.ts'
import { receiveClientMessage, type ClientMessageRoom } from './client-messages.ts'
import { Connection, type ConnectionIdentity, type RoomSocket } from './connection.ts'
import { DurableWriter, type CompactionLimits, type CompactionResult } from './durable-writer.ts'
import { docFromStoredAcrossTurns } from './stored-doc.ts'
import { diffUpdates } from './sync-answer.ts'
import { maintainDocument, type MaintenanceSchedule } from './maintenance.ts'
import type { Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { FROM_FANOUT, PeerSync } from './peer-sync.ts'
import { PresenceSnapshot } from './presence-snapshot.ts'
import { ProtocolError, WriteRefused } from './protocol-error.ts'
import type { DocumentStore, StoredDoc } from './storage/storage.ts'
import { RoomActivity } from './room-activity.ts'
import { upgradeDocument } from './upgrade.ts'
import { checkWrite, withoutSetAside } from './write-check.ts'
import { ListIndex } from '../shared/list-index.ts'
import type { RoomQuota } from './storage-quota.ts'

export interface RoomOptions {
  store: DocumentStore
  fanout: Fanout
  metrics: Metrics
  log: Logger
  maxDocBytes: number
  compaction: CompactionLimits
  /** How long a room waits for peer nodes' catch-up replies when it loads. */
  peerSyncTimeoutMs?: number
  /** Another node spoke for a client here: it must be watched for liveness. */
  onPeerSeen?: (node: string) => void
  /** The rules for clients' writes (config `writes`); the defaults are the documented ones. */
  writes?: WriteLimits
  /** When housekeeping is due at a compaction (config `MAINTENANCE_INTERVAL_MS`); without one, at every compaction. */
  maintenance?: MaintenanceSchedule
  /** Where users' changes and presence on the list are recorded (activity-log.ts); without one, nowhere. */
  activity?: ActivityLog
  /** What presence a connection may hold (config `MAX_AWARENESS_*`); the defaults are the documented ones. */
  awareness?: AwarenessLimits
  /** The stored-bytes quota of the list's owner (storage-quota.ts); without one, none. */
  quota?: RoomQuota
  /** Called with the stored document as soon as it is read, before the room is built from it (stored-answer.ts). */
  onStored?: (stored: StoredDoc) => void
}

export interface WriteLimits {
  /** Register timestamps further ahead of the server's clock are refused. */
  maxClockSkewMs: number
  clientIds: ClientIdCaps
  /** Items and categories per list: writes creating more are refused (`items-per-list`, `categories-per-list`). */
  maxItems: number
  maxCategories: number
}

const DEFAULT_WRITE_LIMITS: WriteLimits = { maxClockSkewMs: 5 * 60_000, clientIds: DEFAULT_CLIENT_ID_CAPS, maxItems: 10_000, maxCategories: 500 }

/** Origin of the room's own transactions (the upgrade, clientID ownership): relayed to every client and stored. */
const SERVER_ORIGIN = Symbol('server')

/** Who writes: the user a client's write is checked and recorded for. */
export interface Writer {
  userId: string
  /** Their display name, for the list's activity. */
  name?: string
}

/** What a room tells its owner (the registry). */
export interface RoomEvents {
  /** No connections, no holds, nothing left to write: the room may be unloaded. */
  'became-idle': []
  /**
   * An append failed: the room closed its sockets and takes no more joins,
   * holds or writes. Its owner forgets it at once, so whoever comes next gets
   * a fresh room loaded from storage, and gives that room what this one
   * applied that storage may lack (`takeUnstored`, then `inherit`). The
   * failed room still emits `became-idle` once its last holder lets go.
   */
  'storage-failed': []
  /** A connection of `userId` was closed for its presence (4431/4432). */
  'presence-refused': [userId: string]
}

export class Room {
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  readonly connections = new Set<Connection>()
  readonly events = new EventEmitter<RoomEvents>()
  /** Holds (joins being set up, HTTP requests) keeping the room loaded besides its connections. */
  private holds = 0
  private isDeleted = false
  /** Set while the housekeeping walk runs (`maintain`). */
  private maintaining = false
  /** Set when storage fails, until handed over (`takeUnstored`). */
  private unstored: Uint8Array | null = null

  private readonly awarenessOwners: AwarenessOwners
  /** Every present state, encoded once for all who need them whole (joins, queries). */
  private readonly presence: PresenceSnapshot
  /** What client-messages.ts needs of this room. */
  private readonly messageRoom: ClientMessageRoom
  private readonly writer: DurableWriter
  private readonly peers: PeerSync
  /** Which user owns each clientID on this list, kept in the document's `writers` map. */
  private readonly clientIds: ClientIds
  /** The list's items and categories as readers see them, for the JSON item routes and the caps (list-index.ts). */
  readonly index: ListIndex
  readonly writeLimits: WriteLimits
  /** Reports the changes writers make and who is present to the activity log (room-activity.ts). */
  private readonly activity: RoomActivity | null
  /** Updates stored (or received from peers) this event-loop turn, waiting to be relayed (see `relayQueued`). */
  private relayQueue: Array<{ update: Uint8Array; origin: unknown }> = []
  private relayScheduled: NodeJS.Immediate | null = null
  /**
   * The state vector of the stored document the room was loaded from: what a
   * client answered from those stored updates while the room loaded has
   * (stored-answer.ts); its sync step 1 is answered from here.
   */
  readonly storedStateVector: Uint8Array

  private constructor(
    readonly id: string,
    private readonly options: RoomOptions,
    stored: StoredDoc,
    /** The document `stored` holds (`docFromStoredAcrossTurns`). */
    doc: Y.Doc,
  ) {
    this.doc = doc
    this.storedStateVector = Y.encodeStateVector(doc)
    this.writeLimits = options.writes ?? DEFAULT_WRITE_LIMITS
    this.clientIds = new ClientIds(this.doc, this.writeLimits.clientIds)
    this.index = new ListIndex(this.doc)
    this.writer = new DurableWriter(id, this.doc, stored, {
      store: options.store,
      metrics: options.metrics,
      log: options.log,
      compaction: options.compaction,
      onAppended: this.onAppended,
      onFailed: this.onStorageFailed,
      onSettled: () => {
        // After an append or a compaction: the owner's quota counts what storage holds now.
        options.quota?.stored(id, this.writer.storedBytes)
        this.emitIfIdle()
      },
      onCompaction: () => this.maintain(),
    })
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    // The server is not a participant: it must not announce a presence of its own.
    this.awareness.setLocalState(null)
    const awarenessLimits = options.awareness ?? DEFAULT_AWARENESS_LIMITS
    this.awarenessOwners = new AwarenessOwners(awarenessLimits)
    this.presence = new PresenceSnapshot(this.awareness, awarenessLimits.maxJoinBytes, (count) =>
      options.metrics.awarenessRefused.inc({ reason: AwarenessRefusal.JoinBytes }, count),
    )
    this.activity = options.activity ? new RoomActivity(id, this.doc, this.awareness, options.activity) : null
    this.doc.on('update', this.onDocUpdate)
    this.awareness.on('update', this.onAwarenessUpdate)
    this.messageRoom = {
      id,
      doc: this.doc,
      awareness: this.awareness,
      awarenessOwners: this.awarenessOwners,
      awarenessLimits,
      presence: () => this.presence.message(),
      metrics: options.metrics,
      log: options.log,
      persistedClocks: () => this.writer.persistedClocks,
      applyUpdate: (update, conn, lenient) => this.applyUpdate(update, conn, { userId: conn.identity.userId, name: conn.identity.name }, { lenient }),
      afterStored: (fn) => this.writer.afterStored(fn),
      presenceRefused: (userId) => this.events.emit('presence-refused', userId),
    }
    this.peers = new PeerSync({
      listId: id,
      doc: this.doc,
      awareness: this.awareness,
      awarenessOwners: this.awarenessOwners,
      writer: this.writer,
      fanout: options.fanout,
      log: options.log,
      timeoutMs: options.peerSyncTimeoutMs,
      onPeerSeen: options.onPeerSeen,
      onPeerPersisted: (message) => this.tellColistClients(message),
    })
    options.metrics.docsLoaded.inc()
  }

  /**
   * Reads the document from storage and, when the list is live on other
   * nodes, catches up with them (they may hold updates not stored yet); the
   * room answers nobody before this completes.
   */
  static async load(id: string, options: RoomOptions): Promise<Room> {
    const [stored] = await Promise.all([
      options.store.loadDoc(id).then((stored) => {
        options.onStored?.(stored)
        return stored
      }),
      options.quota?.prepare(id),
    ])
    const room = new Room(id, options, stored, await docFromStoredAcrossTurns(stored))
    options.quota?.stored(id, room.writer.storedBytes)
    options.maintenance?.loaded(id)
    try {
      await room.activity?.ready
      await room.peers.catchUp()
      // After catching up: a peer that loaded the list first has upgraded it already. The upgrade is
      // stored before anyone is answered, so a room whose storage fails at once is never served.
      if (upgradeDocument(room.doc, room.clientIds, { now: Date.now(), maxClockSkewMs: room.writeLimits.maxClockSkewMs, origin: SERVER_ORIGIN })) {
        await room.writer.whenFlushed()
        options.log.info({ list: id }, 'upgraded the list document to layout v2')
      }
    } catch (err) {
      room.destroy()
      throw err
    }
    return room
  }

  // ---------------------------------------------------------------------------
  // Lifecycle: holds, deletion, idleness
  // ---------------------------------------------------------------------------

  /** Keeps the room loaded, without a connection, until `release`. A room whose storage failed takes no holds. */
  hold(): void {
    if (this.failed) throw new ProtocolError(CloseCode.InternalError, 'storage failed')
    this.holds++
  }

  release(): void {
    this.holds--
    this.emitIfIdle()
  }

  /** How many holds keep the room loaded besides its connections. */
  get holders(): number {
    return this.holds
  }

  /** Set once the list is deleted: the room refuses changes and stores nothing more. */
  get deleted(): boolean {
    return this.isDeleted
  }

  /** Set once an append failed: the room takes no more joins, holds or writes, and unloads once its holders let go. */
  get failed(): boolean {
    return this.writer.failure !== null
  }

  /**
   * The list is being deleted; the caller closes the sockets with the code it
   * chooses. Nothing more is stored: what waits behind an append in flight is
   * dropped, and the room becomes idle once that append is done.
   */
  markDeleted(): void {
    this.isDeleted = true
    this.writer.stop()
  }

  /**
   * Housekeeping when a compaction is due, if it is due too: deletions past
   * the horizon folded away, superseded register entries pruned
   * (server/maintenance.ts), read across event-loop turns, then written as
   * one server change relayed and stored like any (the next compaction
   * folds it in).
   */
  private maintain(): void {
    if (this.isDeleted || this.failed || this.maintaining) return
    if (this.options.maintenance && !this.options.maintenance.claim(this.id)) return
    this.maintaining = true
    maintainDocument(this.doc, this.clientIds, { now: Date.now(), origin: SERVER_ORIGIN, cancelled: () => this.isDeleted || this.failed })
      .then(({ folded, pruned }) => {
        if (folded + pruned > 0) this.options.log.info({ list: this.id, folded, pruned }, 'folded old deletions and pruned superseded entries')
      })
      .catch((err: unknown) => this.options.log.error({ list: this.id, err }, 'list housekeeping failed'))
      .finally(() => {
        this.maintaining = false
      })
  }

  /**
   * What a client that has `stateVector` lacks, as updates to apply in
   * order, once everything applied so far is stored (the HTTP sync's
   * answer): like the socket's sync answer, it never holds what a crash
   * could still take back, and a large one is computed across event-loop
   * turns (sync-answer.ts). Throws at once on a malformed state vector;
   * rejects with a `ProtocolError` if storage failed (retryable) or the list
   * was deleted meanwhile (its unstored updates are dropped, so
   * `afterStored` never runs).
   */
  storedDiff(stateVector: Uint8Array): Promise<Uint8Array[]> {
    return diffUpdates(this.doc, stateVector).then(
      (diff) =>
        new Promise((resolve, reject) => {
          this.writer.afterStored(() => resolve(diff))
          // Settles after afterStored ran, unless it never will: then this settles the promise instead.
          this.writer.whenFlushed().then(
            () => reject(new ProtocolError(CloseCode.NotFound, 'list deleted')),
            () => reject(new ProtocolError(CloseCode.InternalError, 'storage failed')),
          )
        }),
    )
  }

  /** Whether some update this room applied is not yet relayed (it waits for storage, or for the end of the turn). */
  get hasUnrelayed(): boolean {
    return !this.writer.isSettled || this.relayQueue.length > 0
  }

  get isIdle(): boolean {
    return this.connections.size === 0 && this.holds === 0 && this.writer.isSettled
  }

  /** Emits `became-idle` if the room is idle now; called wherever it may have become so. */
  private emitIfIdle(): void {
    if (this.isIdle) this.events.emit('became-idle')
  }

  // ---------------------------------------------------------------------------
  // Connections
  // ---------------------------------------------------------------------------

  /** Adds a client; throws (with the close code for it) if the list is deleted or the room's storage failed. */
  join(socket: RoomSocket, identity: ConnectionIdentity): Connection {
    if (this.isDeleted) throw new ProtocolError(CloseCode.NotFound, 'list deleted')
    // Retryable: the client comes back to the fresh room its owner loads instead.
    if (this.failed) throw new ProtocolError(CloseCode.InternalError, 'storage failed')
    const conn = new Connection(socket, identity)
    this.connections.add(conn)
    // As the reference server does: our state vector first, so the client sends what we lack…
    conn.requestStep2(Y.encodeStateVector(this.doc))
    // …and who is already here.
    this.sendPresence(conn)
    return conn
  }

  /** Sends a connection the awareness states present (as a join does; at most `maxJoinBytes` of them), if there is any. */
  sendPresence(conn: Connection): void {
    if (!this.presence.isEmpty) conn.send(this.presence.message())
  }

  leave(conn: Connection): void {
    if (!this.detach(conn)) return
    this.emitIfIdle()
  }

  /** Removes a connection and its presence; false if it was not here. */
  private detach(conn: Connection): boolean {
    if (!this.connections.delete(conn)) return false
    const gone = this.awarenessOwners.releaseConnection(conn)
    // Others see the presence vanish now, not after the 30 s awareness timeout.
    if (gone.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, gone, 'leave')
    return true
  }

  /** Handles one message from a client (client-messages.ts); a protocol violation closes only this connection. */
  receive(conn: Connection, message: Uint8Array): void {
    receiveClientMessage(this.messageRoom, conn, message)
  }

  /**
   * Applies a role change to the user's open connections; `null` revokes
   * access. A Colist client is told its new role (Session). A connection
   * promoted from viewer to a writing role is asked for a sync step 2 (the
   * room sends its step 1, which any y-websocket client answers): the writes
   * the room refused while it was a viewer are still in the client's
   * document, and what it writes next builds on them. That step 2 carries
   * them, checked now as the user's writes; updates that arrive before it and
   * build on them wait for it (client-messages.ts).
   */
  changeAccess(userId: string, role: Role | null): void {
    for (const conn of this.connections) {
      if (conn.identity.userId !== userId) continue
      if (role === null) {
        conn.close(CloseCode.Forbidden, 'access revoked')
        continue
      }
      const promoted = !canWrite(conn.identity.role) && canWrite(role)
      conn.identity = { ...conn.identity, role }
      if (conn.colistClient) conn.send(encodeConnectionInfo({ role, user: { id: conn.identity.userId, name: conn.identity.name } }))
      if (promoted) conn.requestStep2(Y.encodeStateVector(this.doc))
    }
  }

  closeAll(info: CloseCodeInfo, detail?: string): void {
    for (const conn of this.connections) conn.close(info, detail)
  }

  // ---------------------------------------------------------------------------
  // Changes
  // ---------------------------------------------------------------------------

  /**
   * Checks a client's update (socket or HTTP sync) against the write rules as
   * `writer` writes it, applies it, then records the clientIDs it started as
   * that user's in a transaction of the server's own, which reaches every
   * client (the writer too) and storage like any other. Refused input throws
   * before the document is touched: a `WriteRefused` for a broken write rule,
   * another `ProtocolError` otherwise. `lenient` is for a sync step 2, whose
   * content of others is set aside rather than refused (write-check.ts).
   */
  applyUpdate(update: Uint8Array, origin: unknown, writer: Writer, { lenient = false }: { lenient?: boolean } = {}): void {
    if (this.isDeleted) throw new ProtocolError(CloseCode.NotFound, 'list deleted')
    if (this.writer.failure) throw new ProtocolError(CloseCode.InternalError, 'storage failed')
    if (this.writer.storedBytes + this.pendingBytes + update.byteLength > this.options.maxDocBytes) {
      throw new ProtocolError(CloseCode.DocumentTooBig, `update would grow the list past ${this.options.maxDocBytes} bytes`)
    }
    this.options.quota?.admit(this.id, this.pendingBytes + update.byteLength)
    // Decoding fully first means a corrupt update is refused whole, never half-applied; the check reads the same decode.
    let decoded: ReturnType<typeof Y.decodeUpdate>
    try {
      decoded = Y.decodeUpdate(update)
    } catch {
      throw new ProtocolError(CloseCode.MalformedMessage, 'update does not decode')
    }
    const now = Date.now()
    const { maxItems, maxCategories } = this.writeLimits
    const entityCaps = { maxItems, maxCategories, live: () => this.index.liveCounts() }
    const check = { doc: this.doc, writer, owners: this.clientIds, now, maxClockSkewMs: this.writeLimits.maxClockSkewMs, entityCaps }
    const verdict = checkWrite({ ...check, update: decoded, lenient })
    if (!verdict.ok) throw new WriteRefused(verdict.rejection)
    let applied = update
    if (verdict.setAside) {
      applied = withoutSetAside(update, decoded, verdict.setAside)
      this.options.log.info({ list: this.id, user: writer.userId, setAside: verdict.setAside.clients }, "set aside others' content a sync step 2 held")
      // What is left must pass the strict check on its own; this path is rare, the second decode cheap enough.
      const strict = checkWrite({ ...check, update: Y.decodeUpdate(applied) })
      if (!strict.ok) throw new WriteRefused(strict.rejection)
    }
    try {
      this.asWriter(writer, () => Y.applyUpdate(this.doc, applied, origin))
    } catch (err) {
      // It decoded, so it is well-formed; integrating it failed, which pending structs another
      // client parked earlier can cause when this update fills their gap. Yjs drops those pending
      // structs as it retries them, so the sender is told to reconnect, not that it is at fault.
      this.options.log.warn({ list: this.id, err: String(err) }, 'an update that decoded failed to integrate')
      throw new ProtocolError(CloseCode.InternalError, 'update could not be integrated')
    }
    this.clientIds.record(verdict.claimed, writer.userId, now, SERVER_ORIGIN)
  }

  /**
   * Bytes Yjs holds for updates whose dependencies have not arrived. They raise no update event, so
   * storedBytes never sees them, yet they stay in memory and go to every client that syncs.
   */
  private get pendingBytes(): number {
    return (this.doc.store.pendingStructs?.update.byteLength ?? 0) + (this.doc.store.pendingDs?.byteLength ?? 0)
  }

  /**
   * Applies what a room of this list whose storage failed had applied and
   * storage may lack (its `takeUnstored`), so what that room relayed to
   * clients is not lost with it, even when its author never comes back to
   * re-send it. That room checked it; here it is the server's own change,
   * relayed and stored like any (if that append fails too, this room hands
   * it on in turn). The owner calls it holding the room, before any client
   * joins.
   */
  inherit(update: Uint8Array): void {
    if (this.isDeleted) throw new ProtocolError(CloseCode.NotFound, 'list deleted')
    if (this.failed) throw new ProtocolError(CloseCode.InternalError, 'storage failed')
    // As an update, not inside `change`: Yjs takes a transaction that applies an update as remote, and
    // a remote one that advances the doc's own clientID makes the doc take a new one.
    Y.applyUpdate(this.doc, update, SERVER_ORIGIN)
  }

  /**
   * Runs a local change (HTTP API) in one transaction; it is relayed and
   * stored like a client's. It writes under the server's own clientID, which
   * the same transaction records as the server's, so no client can use it.
   * With a `writer` (an HTTP request's user), its changes are theirs in the
   * list's activity.
   */
  change(fn: (doc: Y.Doc) => void, origin: unknown = 'server', writer?: Writer): void {
    if (this.isDeleted) throw new ProtocolError(CloseCode.NotFound, 'list deleted')
    if (this.failed) throw new ProtocolError(CloseCode.InternalError, 'storage failed')
    const change = () =>
      this.doc.transact(() => {
        fn(this.doc)
        this.clientIds.noteServerWrite(Date.now())
      }, origin)
    if (writer) this.asWriter(writer, change)
    else change()
  }

  /**
   * Checks a write of about `bytes` that will come as a `change` (an HTTP item route) against the
   * owner's stored-bytes quota: throws ProtocolError(StorageQuota) past it, as `applyUpdate` does.
   */
  admitChange(bytes: number): void {
    this.options.quota?.admit(this.id, this.pendingBytes + bytes)
  }

  /** Runs `apply`, a write of `writer`'s: what it changes is theirs in the list's activity. */
  private asWriter(writer: Writer, apply: () => void): void {
    if (this.activity) this.activity.as(writer, apply)
    else apply()
  }

  // ---------------------------------------------------------------------------
  // Relay
  // ---------------------------------------------------------------------------

  /**
   * An update this node accepted is relayed once it is stored, never before:
   * a client (or a peer node) must never hold another user's edit that this
   * node could still lose in a crash, or it would re-send, after the restart,
   * content whose author is not there to vouch for it (the write checks set
   * it aside, and whatever builds on it could never be accepted). Group
   * commit keeps the wait to one append. Updates from peer nodes are relayed
   * at once: their node has stored them, or is storing them before it
   * publishes.
   */
  private readonly onDocUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    if (origin === FROM_FANOUT) {
      this.queueRelay(update, origin)
      this.peers.noteUnpersisted()
      return
    }
    this.options.metrics.updatesIn.inc()
    // The clocks this transaction advanced are the clocks its update reaches; no need to parse it.
    this.writer.append(update, clocksAhead(transaction.afterState, transaction.beforeState), () => this.queueRelay(update, origin))
    this.options.quota?.stored(this.id, this.writer.storedBytes)
  }

  private queueRelay(update: Uint8Array, origin: unknown): void {
    this.relayQueue.push({ update, origin })
    this.relayScheduled ??= setImmediate(this.relayQueued)
  }

  /**
   * Relays the updates stored (or received from peers) during this event-loop turn. Consecutive
   * updates from one origin are merged and encoded once, and the same buffer
   * goes to every other socket: under a burst, each socket gets one message
   * per turn instead of one per update (the sender never gets its own back).
   */
  private readonly relayQueued = (): void => {
    this.relayScheduled = null
    const queue = this.relayQueue
    this.relayQueue = []
    for (let start = 0; start < queue.length; ) {
      const origin = queue[start]!.origin
      let end = start
      while (end < queue.length && queue[end]!.origin === origin) end++
      const run = queue.slice(start, end).map((entry) => entry.update)
      const update = run.length === 1 ? run[0]! : Y.mergeUpdates(run)
      const message = encodeSyncMessage(SyncStep.Update, update)
      for (const conn of this.connections) {
        if (conn !== origin) conn.send(message)
      }
      if (origin !== FROM_FANOUT) this.peers.publishUpdate(update)
      start = end
    }
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = added.concat(updated, removed)
    if (changed.length === 0) return
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)
    const message = encodeAwarenessMessage(update)
    for (const conn of this.connections) conn.send(message)
    if (origin !== FROM_FANOUT) this.peers.publishAwareness(update)
  }

  // ---------------------------------------------------------------------------
  // Durability (durable-writer.ts)
  // ---------------------------------------------------------------------------

  /**
   * A batch this node appended is stored: tells every Colist client, here and
   * on other nodes, which clocks it made durable, encoded once for every socket.
   */
  private readonly onAppended = (advanced: Clocks): void => {
    this.peers.recheckUnpersisted()
    if (advanced.size === 0) return
    const message = encodePersisted(advanced)
    this.tellColistClients(message)
    this.peers.publishPersisted(message)
  }

  /**
   * A failed append means updates in memory may not be on disk: every client
   * is disconnected with a retryable code, and the room hands what storage
   * may lack to its owner (`storage-failed`), which loads a fresh room from
   * storage for whoever comes next and gives it that state. So what this
   * room relayed is not lost with it, even when its author never comes back
   * to re-send it. This room unloads as soon as its holders let go.
   */
  private readonly onStorageFailed = (): void => {
    this.closeAll(CloseCode.InternalError, 'storage write failed')
    // Deleting the entry being visited is safe while iterating a Set.
    for (const conn of this.connections) this.detach(conn)
    // Nothing is applied after this (applyUpdate and change refuse), so this is all it has to hand on.
    this.unstored = this.writer.unpersistedUpdate()
    this.events.emit('storage-failed')
  }

  /**
   * Once storage failed: what this room applied that storage may lack (the
   * structs beyond the durable clocks, and the delete set), for the room its
   * owner loads next (`inherit`). Handed over once: later calls return null.
   */
  takeUnstored(): Uint8Array | null {
    const unstored = this.unstored
    this.unstored = null
    return unstored
  }

  private tellColistClients(message: Uint8Array): void {
    for (const conn of this.connections) {
      if (conn.colistClient) conn.send(message)
    }
  }

  /** Resolves once everything applied so far is durable; rejects if storage failed. */
  whenFlushed(): Promise<void> {
    return this.writer.whenFlushed()
  }

  /**
   * Folds the list's stored log into a snapshot now (`colist lists compact`),
   * in the writer's chain, as a compaction past the limits would (with the
   * housekeeping it starts when due). Resolves with what was folded, or null
   * if the log held nothing to fold.
   */
  compactNow(): Promise<CompactionResult | null> {
    return this.writer.compactNow()
  }

  /** Entries in the list's stored log since its snapshot: what a load reads and applies one by one. */
  get storedLogLength(): number {
    return this.writer.logLength
  }

  /** The durable state vector, for HTTP sync clients. */
  get persistedStateVector(): Map<number, number> {
    return this.writer.persistedClocks
  }

  // ---------------------------------------------------------------------------
  // Other nodes holding the same list (peer-sync.ts)
  // ---------------------------------------------------------------------------

  /** After a fan-out outage: exchange what was missed, and re-announce this node's clients. */
  resyncWithPeers(): void {
    this.peers.resync()
  }

  /** A peer node is gone: its clients' presence goes with it. */
  dropPeer(node: string): void {
    this.peers.dropPeer(node)
  }

  /** Stores content a peer relayed that no node reported stored for `afterMs`; returns whether it did. */
  reconcile(now: number, afterMs: number): boolean {
    return this.peers.reconcile(now, afterMs)
  }

  destroy(): void {
    if (this.relayScheduled) clearImmediate(this.relayScheduled)
    this.peers.destroy()
    this.activity?.destroy()
    this.doc.off('update', this.onDocUpdate)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.presence.destroy()
    this.awareness.destroy()
    this.clientIds.destroy()
    this.index.destroy()
    this.doc.destroy()
    this.options.metrics.docsLoaded.dec()
    this.writer.destroy()
    this.events.removeAllListeners()
  }
}
