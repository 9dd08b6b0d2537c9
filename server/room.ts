/**
 * A room is one list document held in memory with the connections editing it.
 *
 * It speaks the y-websocket protocol (sync + awareness) plus Colist's own
 * messages, relays every accepted update to the other connections at once,
 * and appends it to storage in group-commit batches; a connection that asked
 * for it hears when its updates are durable.
 *
 * The room never touches a network library: it talks to `RoomSocket`, so
 * tests can drive it with plain objects and the `ws` glue stays thin.
 */
import { EventEmitter } from 'node:events'
import * as decoding from 'lib0/decoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { clocksAhead, clocksCover, mergeClocks } from '../shared/clocks.ts'
import {
  CloseCode,
  SyncStep,
  decodePersisted,
  encodeAwarenessMessage,
  encodePersisted,
  encodeSession,
  encodeSyncMessage,
  type CloseCodeInfo,
  type Role,
} from '../shared/protocol.ts'
import { AwarenessOwners } from './awareness-owners.ts'
import { receiveClientMessage, type ClientMessageRoom } from './client-messages.ts'
import { Connection, type ConnectionIdentity, type RoomSocket } from './connection.ts'
import type { Fanout } from './fanout.ts'
import { decodeNodeSync, encodeNodeSync, topics } from './node-protocol.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { ProtocolError } from './protocol-error.ts'
import type { DocumentStore, StoredDoc } from './storage/storage.ts'

export interface RoomOptions {
  store: DocumentStore
  fanout: Fanout
  metrics: Metrics
  log: Logger
  maxDocBytes: number
  compaction: { maxLogEntries: number; maxLogBytes: number }
  /** How long a room waits for peer nodes' catch-up replies when it loads. */
  peerSyncTimeoutMs?: number
  /** Another node spoke for a client here: it must be watched for liveness. */
  onPeerSeen?: (node: string) => void
}

/** Origin of changes that arrived from another node: relayed locally, never re-stored or re-published. */
const FROM_FANOUT = Symbol('fanout')
const DEFAULT_PEER_SYNC_TIMEOUT_MS = 1000

/** What a room tells its owner (the registry). */
export interface RoomEvents {
  /** No connections, no holds, nothing left to write: the room may be unloaded. */
  'became-idle': []
}

export class Room {
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  readonly connections = new Set<Connection>()
  readonly events = new EventEmitter<RoomEvents>()
  /** Holds (joins being set up, HTTP requests) keeping the room loaded besides its connections. */
  private holds = 0
  private isDeleted = false

  private readonly awarenessOwners = new AwarenessOwners()
  /** What client-messages.ts needs of this room. */
  private readonly messageRoom: ClientMessageRoom
  private pending: Uint8Array[] = []
  /** The clocks the updates in `pending` reach, per clientID: what their append makes durable. */
  private pendingClocks = new Map<number, number>()
  private flushing: Promise<void> | null = null
  private failed: Error | null = null
  /**
   * What storage holds for sure, per clientID: the stored state at load,
   * advanced by this node's appends and by peers' announcements.
   */
  private persistedClocks: Map<number, number>
  /** Since when the doc has held content no node has reported stored (see `reconcile`). */
  private unpersistedSince: number | null = null
  /** Catch-up replies addressed to this node, counted while it loads. */
  private onPeerReply: (() => void) | null = null
  private logEntries: number
  private logBytes: number
  private storedBytes: number
  private lastSeq: number
  private readonly unsubscribe: Array<() => void> = []
  /** Updates applied this event-loop turn, waiting to be relayed (see `relayQueued`). */
  private relayQueue: Array<{ update: Uint8Array; origin: unknown }> = []
  private relayScheduled: NodeJS.Immediate | null = null
  /**
   * Set once another node appended to this list's log since it was loaded:
   * then this node's memory may lack stored entries, and compaction must
   * fold what storage holds instead of what memory holds.
   */
  private othersAppend = false

  private constructor(
    readonly id: string,
    private readonly options: RoomOptions,
    stored: { doc: Y.Doc; logEntries: number; logBytes: number; storedBytes: number; lastSeq: number },
  ) {
    this.doc = stored.doc
    this.logEntries = stored.logEntries
    this.logBytes = stored.logBytes
    this.storedBytes = stored.storedBytes
    this.lastSeq = stored.lastSeq
    this.persistedClocks = Y.decodeStateVector(Y.encodeStateVector(this.doc))
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    // The server is not a participant: it must not announce a presence of its own.
    this.awareness.setLocalState(null)
    this.doc.on('update', this.onDocUpdate)
    this.awareness.on('update', this.onAwarenessUpdate)
    this.messageRoom = {
      id,
      doc: this.doc,
      awareness: this.awareness,
      awarenessOwners: this.awarenessOwners,
      metrics: options.metrics,
      log: options.log,
      persistedClocks: () => this.persistedClocks,
      applyUpdate: (update, conn) => this.applyUpdate(update, conn),
    }
    const { fanout } = options
    // A bad message from a peer is logged and dropped: it must not break this node's clients.
    const guarded =
      (what: string, handle: (payload: Uint8Array, node: string) => void) =>
      (payload: Uint8Array, node: string) => {
        try {
          handle(payload, node)
        } catch (err) {
          options.log.warn({ err, list: id, node }, `ignoring a ${what} message from a peer`)
        }
      }
    this.unsubscribe.push(
      fanout.subscribe(topics.doc(id), guarded('document', (update) => this.applyPeerUpdate(update))),
      fanout.subscribe(topics.awareness(id), guarded('awareness', (update, node) => this.applyPeerAwareness(update, node))),
      fanout.subscribe(topics.persisted(id), guarded('persisted', (message) => this.applyPeerPersisted(message))),
      fanout.subscribe(topics.sync(id), guarded('sync', (payload, node) => this.receiveNodeSync(payload, node))),
    )
    options.metrics.docsLoaded.inc()
    options.metrics.logLength.inc(this.logEntries)
  }

  /**
   * Reads the document from storage and, when the list is live on other
   * nodes, catches up with them (they may hold updates not stored yet); the
   * room answers nobody before this completes.
   */
  static async load(id: string, options: RoomOptions): Promise<Room> {
    const stored = await options.store.loadDoc(id)
    const doc = docFromStored(stored)
    const logBytes = stored.updates.reduce((sum, u) => sum + u.byteLength, 0)
    const room = new Room(id, options, {
      doc,
      logEntries: stored.updates.length,
      logBytes,
      storedBytes: (stored.snapshot?.byteLength ?? 0) + logBytes,
      lastSeq: stored.lastSeq,
    })
    try {
      await room.catchUpWithPeers()
    } catch (err) {
      room.destroy()
      throw err
    }
    return room
  }

  // ---------------------------------------------------------------------------
  // Lifecycle: holds, deletion, idleness
  // ---------------------------------------------------------------------------

  /** Keeps the room loaded, without a connection, until `release`. */
  hold(): void {
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

  /** The list is being deleted; the caller closes the sockets with the code it chooses. */
  markDeleted(): void {
    this.isDeleted = true
  }

  get isIdle(): boolean {
    return this.connections.size === 0 && this.holds === 0 && this.flushing === null && (this.pending.length === 0 || this.failed !== null)
  }

  /** Emits `became-idle` if the room is idle now; called wherever it may have become so. */
  private emitIfIdle(): void {
    if (this.isIdle) this.events.emit('became-idle')
  }

  // ---------------------------------------------------------------------------
  // Connections
  // ---------------------------------------------------------------------------

  join(socket: RoomSocket, identity: ConnectionIdentity): Connection {
    const conn = new Connection(socket, identity)
    this.connections.add(conn)
    // As the reference server does: our state vector first, so the client sends what we lack…
    conn.send(encodeSyncMessage(SyncStep.Step1, Y.encodeStateVector(this.doc)))
    // …and who is already here.
    const present = [...this.awareness.getStates().keys()]
    if (present.length > 0) conn.send(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, present)))
    return conn
  }

  leave(conn: Connection): void {
    if (!this.connections.delete(conn)) return
    const gone = this.awarenessOwners.releaseConnection(conn)
    // Others see the presence vanish now, not after the 30 s awareness timeout.
    if (gone.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, gone, 'leave')
    this.emitIfIdle()
  }

  /** Applies a role change to the user's open connections; `null` revokes access. */
  changeAccess(userId: string, role: Role | null): void {
    for (const conn of this.connections) {
      if (conn.identity.userId !== userId) continue
      if (role === null) {
        conn.close(CloseCode.Forbidden, 'access revoked')
        continue
      }
      conn.identity = { ...conn.identity, role }
      if (conn.colistClient) conn.send(encodeSession({ role, user: { id: conn.identity.userId, name: conn.identity.name } }))
    }
  }

  closeAll(info: CloseCodeInfo, detail?: string): void {
    for (const conn of this.connections) conn.close(info, detail)
  }

  // ---------------------------------------------------------------------------
  // Messages from clients
  // ---------------------------------------------------------------------------

  /** Handles one message from a client (client-messages.ts); a protocol violation closes only this connection. */
  receive(conn: Connection, message: Uint8Array): void {
    receiveClientMessage(this.messageRoom, conn, message)
  }

  /**
   * Validates and applies an update from a client or the HTTP API. Refused
   * input throws before the document is touched.
   */
  applyUpdate(update: Uint8Array, origin: unknown): void {
    if (this.isDeleted) throw new ProtocolError(CloseCode.NotFound, 'list deleted')
    if (this.failed) throw new ProtocolError(CloseCode.InternalError, 'storage failed')
    if (this.storedBytes + this.pendingBytes + update.byteLength > this.options.maxDocBytes) {
      throw new ProtocolError(CloseCode.DocumentTooBig, `update would grow the list past ${this.options.maxDocBytes} bytes`)
    }
    // Decoding fully first means a corrupt update is refused whole, never half-applied.
    try {
      Y.decodeUpdate(update)
    } catch {
      throw new ProtocolError(CloseCode.MalformedMessage, 'update does not decode')
    }
    try {
      Y.applyUpdate(this.doc, update, origin)
    } catch (err) {
      // It decoded, so it is well-formed; integrating it failed, which pending structs another
      // client parked earlier can cause when this update fills their gap. Yjs drops those pending
      // structs as it retries them, so the sender is told to reconnect, not that it is at fault.
      this.options.log.warn({ list: this.id, err: String(err) }, 'an update that decoded failed to integrate')
      throw new ProtocolError(CloseCode.InternalError, 'update could not be integrated')
    }
  }

  /**
   * Bytes Yjs holds for updates whose dependencies have not arrived. They raise no update event, so
   * storedBytes never sees them, yet they stay in memory and go to every client that syncs.
   */
  private get pendingBytes(): number {
    return (this.doc.store.pendingStructs?.update.byteLength ?? 0) + (this.doc.store.pendingDs?.byteLength ?? 0)
  }

  /** Runs a local change (HTTP API) in one transaction; it is relayed and stored like a client's. */
  change(fn: (doc: Y.Doc) => void, origin: unknown = 'server'): void {
    if (this.isDeleted) throw new ProtocolError(CloseCode.NotFound, 'list deleted')
    this.doc.transact(() => fn(this.doc), origin)
  }

  // ---------------------------------------------------------------------------
  // Other nodes holding the same list (node-protocol.ts)
  // ---------------------------------------------------------------------------

  private async catchUpWithPeers(): Promise<void> {
    const peers = await this.options.fanout.peerCount(topics.doc(this.id))
    if (peers === 0) return
    let replies = 0
    await new Promise<void>((resolve) => {
      // A peer that died a moment ago still counts as subscribed; don't wait for it forever.
      const timer = setTimeout(resolve, this.options.peerSyncTimeoutMs ?? DEFAULT_PEER_SYNC_TIMEOUT_MS)
      this.onPeerReply = () => {
        if (++replies < peers) return
        clearTimeout(timer)
        resolve()
      }
      this.requestPeerSync()
    })
    this.onPeerReply = null
  }

  /** After a fan-out outage: exchange what was missed, and re-announce this node's clients. */
  resyncWithPeers(): void {
    this.requestPeerSync()
    const ownClients = this.localAwarenessIds()
    if (ownClients.length > 0) this.options.fanout.publish(topics.awareness(this.id), awarenessProtocol.encodeAwarenessUpdate(this.awareness, ownClients))
  }

  /** Asks every peer for what this node lacks, and to ask back for what it lacks. */
  private requestPeerSync(): void {
    const request = encodeNodeSync({ kind: 'request', askBack: true, stateVector: Y.encodeStateVector(this.doc) })
    this.options.fanout.publish(topics.sync(this.id), request)
  }

  private receiveNodeSync(payload: Uint8Array, fromNode: string): void {
    const msg = decodeNodeSync(payload)
    if (msg.kind === 'request') {
      const ownClients = this.localAwarenessIds()
      const reply = encodeNodeSync({
        kind: 'reply',
        to: fromNode,
        update: Y.encodeStateAsUpdate(this.doc, msg.stateVector),
        awareness: ownClients.length > 0 ? awarenessProtocol.encodeAwarenessUpdate(this.awareness, ownClients) : null,
      })
      this.options.fanout.publish(topics.sync(this.id), reply)
      if (msg.askBack) {
        this.options.fanout.publish(topics.sync(this.id), encodeNodeSync({ kind: 'request', askBack: false, stateVector: Y.encodeStateVector(this.doc) }))
      }
      return
    }
    if (msg.to !== this.options.fanout.nodeId) return
    this.applyPeerUpdate(msg.update)
    if (msg.awareness) this.applyPeerAwareness(msg.awareness, fromNode)
    this.onPeerReply?.()
  }

  /** Awareness clientIDs of this node's own connections that have a state now. */
  private localAwarenessIds(): number[] {
    return this.awarenessOwners.localIds(this.awareness.getStates())
  }

  private applyPeerUpdate(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, FROM_FANOUT)
  }

  private applyPeerAwareness(update: Uint8Array, node: string): void {
    this.options.onPeerSeen?.(node)
    const dec = decoding.createDecoder(update)
    const count = decoding.readVarUint(dec)
    for (let i = 0; i < count; i++) {
      const id = decoding.readVarUint(dec)
      decoding.readVarUint(dec)
      decoding.readVarString(dec)
      this.awarenessOwners.notePeer(node, id)
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, FROM_FANOUT)
  }

  /** A peer stored updates: those clocks are durable for this node's clients too. */
  private applyPeerPersisted(message: Uint8Array): void {
    const dec = decoding.createDecoder(message)
    decoding.readVarUint(dec) // the message type: the payload is the client message itself
    const advanced = mergeClocks(this.persistedClocks, decodePersisted(dec))
    if (advanced.size > 0) this.tellClients(encodePersisted(advanced))
    this.checkPersistedCoversDoc()
  }

  /** A peer node is gone: its clients' presence goes with it. */
  dropPeer(node: string): void {
    const gone = this.awarenessOwners.dropNode(node)
    if (gone.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, gone, FROM_FANOUT)
  }

  /**
   * Stores what this node holds but no node has reported stored for a while.
   * Normally the node that accepted an update stores it and announces it
   * within milliseconds; if that node died first, its update lives on only
   * in peers' memory, and this puts it on disk. Returns whether it did.
   */
  reconcile(now: number, afterMs: number): boolean {
    if (this.unpersistedSince === null || now - this.unpersistedSince < afterMs || this.failed || this.isDeleted) return false
    this.checkPersistedCoversDoc()
    if (this.unpersistedSince === null) return false
    this.pending.push(Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.persistedClocks)))
    mergeClocks(this.pendingClocks, Y.decodeStateVector(Y.encodeStateVector(this.doc)))
    this.unpersistedSince = null
    this.scheduleFlush()
    return true
  }

  private checkPersistedCoversDoc(): void {
    if (this.unpersistedSince === null) return
    if (clocksCover(this.persistedClocks, Y.decodeStateVector(Y.encodeStateVector(this.doc)))) this.unpersistedSince = null
  }

  // ---------------------------------------------------------------------------
  // Relay
  // ---------------------------------------------------------------------------

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    this.relayQueue.push({ update, origin })
    this.relayScheduled ??= setImmediate(this.relayQueued)
    if (origin === FROM_FANOUT) {
      this.unpersistedSince ??= Date.now()
      return
    }
    this.options.metrics.updatesIn.inc()
    this.storedBytes += update.byteLength
    this.pending.push(update)
    // The clocks this transaction advanced are the clocks its update reaches; no need to parse it.
    mergeClocks(this.pendingClocks, clocksAhead(transaction.afterState, transaction.beforeState))
    this.scheduleFlush()
  }

  /**
   * Relays the updates accepted during this event-loop turn. Consecutive
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
      if (origin !== FROM_FANOUT) this.options.fanout.publish(topics.doc(this.id), update)
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
    if (origin !== FROM_FANOUT) this.options.fanout.publish(topics.awareness(this.id), update)
  }

  // ---------------------------------------------------------------------------
  // Persistence: group commit, acknowledgement, compaction
  // ---------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushing || this.failed) return
    const flushing = this.flushLoop()
    this.flushing = flushing
    flushing
      .catch(() => {}) // the failure is recorded in this.failed and surfaced by whenFlushed()
      .finally(() => {
        this.flushing = null
        this.emitIfIdle()
      })
  }

  /**
   * Writes pending updates until none are left. While one batch is being
   * written, new updates gather into the next, so a burst costs few writes.
   */
  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0 && !this.isDeleted) {
      const batch = this.pending
      const batchClocks = this.pendingClocks
      this.pending = []
      this.pendingClocks = new Map()
      const started = performance.now()
      const seqBefore = this.lastSeq
      try {
        this.lastSeq = await this.options.store.appendUpdates(this.id, batch)
      } catch (err) {
        this.fail(err as Error)
        throw err
      }
      this.options.metrics.persistSeconds.observe((performance.now() - started) / 1000)
      // Seqs are handed out in order; a gap means another node appended in between.
      if (this.lastSeq !== seqBefore + batch.length) this.othersAppend = true
      this.logEntries += batch.length
      this.options.metrics.logLength.inc(batch.length)
      for (const update of batch) this.logBytes += update.byteLength
      this.acknowledge(batchClocks)
      if (this.logEntries > this.options.compaction.maxLogEntries || this.logBytes > this.options.compaction.maxLogBytes) {
        await this.compact()
      }
    }
  }

  /**
   * Folds the log into a snapshot. While this node wrote every entry since
   * it loaded the list, its memory holds everything stored (and perhaps
   * more, which is harmless: Yjs updates are idempotent), so the snapshot is
   * its own state. Once another node appended too (a shared store), an entry
   * may be stored before it reaches this node, so the snapshot is rebuilt from
   * what storage holds instead. A failed compaction loses nothing (the log is
   * intact), so it is logged and retried after the next append.
   */
  private async compact(): Promise<void> {
    let folded: { entries: number; bytes: number; snapshotBytes: number }
    try {
      folded = this.othersAppend ? await this.compactFromStorage() : await this.compactFromMemory()
    } catch (err) {
      this.options.log.error({ list: this.id, err }, 'compaction failed; the update log is intact')
      return
    }
    this.options.metrics.compactions.inc()
    const entries = Math.min(folded.entries, this.logEntries)
    this.options.metrics.logLength.dec(entries)
    this.logEntries -= entries
    this.logBytes = Math.max(0, this.logBytes - folded.bytes)
    this.storedBytes = folded.snapshotBytes + this.logBytes
  }

  private async compactFromMemory(): Promise<{ entries: number; bytes: number; snapshotBytes: number }> {
    const snapshot = Y.encodeStateAsUpdate(this.doc)
    await this.options.store.compactDoc(this.id, snapshot, this.lastSeq)
    return { entries: this.logEntries, bytes: this.logBytes, snapshotBytes: snapshot.byteLength }
  }

  private async compactFromStorage(): Promise<{ entries: number; bytes: number; snapshotBytes: number }> {
    const stored = await this.options.store.loadDoc(this.id)
    const doc = docFromStored(stored)
    const snapshot = Y.encodeStateAsUpdate(doc)
    doc.destroy()
    await this.options.store.compactDoc(this.id, snapshot, stored.lastSeq)
    return { entries: stored.updates.length, bytes: stored.updates.reduce((sum, u) => sum + u.byteLength, 0), snapshotBytes: snapshot.byteLength }
  }

  /**
   * A failed append means updates in memory may not be on disk. Nothing more
   * is acknowledged: every client is disconnected with a retryable code and
   * the room unloads, so the next connection reloads what storage really has
   * and the clients re-send the rest in their sync exchange.
   */
  private fail(err: Error): void {
    this.failed = err
    this.options.log.error({ list: this.id, err }, 'append to storage failed; dropping the room')
    this.closeAll(CloseCode.InternalError, 'storage write failed')
    this.connections.clear()
  }

  /**
   * Tells every Colist client, here and on other nodes, which clocks the
   * batch just stored made durable: exactly the clocks the batch's updates
   * reach — not the doc's whole state vector, which may hold updates a peer
   * relayed but has not stored yet. Encoded once for every socket.
   */
  private acknowledge(batchClocks: Map<number, number>): void {
    const advanced = mergeClocks(this.persistedClocks, batchClocks)
    this.checkPersistedCoversDoc()
    if (advanced.size === 0) return
    const message = encodePersisted(advanced)
    this.tellClients(message)
    this.options.fanout.publish(topics.persisted(this.id), message)
  }

  private tellClients(message: Uint8Array): void {
    for (const conn of this.connections) {
      if (conn.colistClient) conn.send(message)
    }
  }

  /** Resolves once everything applied so far is durable; rejects if storage failed. */
  async whenFlushed(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => {})
    if (this.failed) throw this.failed
  }

  /** The durable state vector, for HTTP sync clients. */
  get persistedStateVector(): Map<number, number> {
    return this.persistedClocks
  }

  destroy(): void {
    if (this.relayScheduled) clearImmediate(this.relayScheduled)
    for (const unsubscribe of this.unsubscribe) unsubscribe()
    this.doc.off('update', this.onDocUpdate)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.awareness.destroy()
    this.doc.destroy()
    this.options.metrics.docsLoaded.dec()
    this.options.metrics.logLength.dec(this.logEntries)
    this.events.removeAllListeners()
  }
}

/** Rebuilds a document from its snapshot and the log entries after it. */
function docFromStored(stored: StoredDoc): Y.Doc {
  const doc = new Y.Doc({ gc: true })
  // One transaction for all parts: cheaper than merging them into one update first.
  doc.transact(() => {
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
    for (const update of stored.updates) Y.applyUpdate(doc, update)
  })
  return doc
}

