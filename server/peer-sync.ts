/**
 * A room's side of the other nodes holding the same list (messages in
 * node-protocol.ts, carried by the fan-out). It publishes what this node
 * accepted and applies what peers accepted; catches up with them when the
 * list loads and after a fan-out outage; keeps their clients' presence until
 * they go, and has a client whose presence a peer refused as removed announce
 * it again (presence-revival.ts); forwards the clocks they made durable to this node's clients; and
 * stores what a peer relayed but no node reported stored (`reconcile`).
 */
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { clocksCover, clocksOf } from '../shared/clocks.ts'
import { encodeAwarenessMessage, encodePersisted } from '../shared/protocol.ts'
import type { AwarenessOwners } from './awareness-owners.ts'
import type { DurableWriter } from './durable-writer.ts'
import type { Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'
import { decodeNodePersisted, decodeNodeSync, encodeNodeSync, nodeAwarenessClientIds, topics } from './node-protocol.ts'
import { noticeForOwnClient, refusedAsRemoved, removalNotice, type RemovedPresence } from './presence-revival.ts'

/** Origin of changes that arrived from another node: relayed locally, never re-stored or re-published. */
export const FROM_FANOUT = Symbol('fanout')
const DEFAULT_PEER_SYNC_TIMEOUT_MS = 1000

export interface PeerSyncOptions {
  listId: string
  doc: Y.Doc
  awareness: awarenessProtocol.Awareness
  awarenessOwners: AwarenessOwners
  /** The room's writer: what storage holds, and where unstored content goes. */
  writer: DurableWriter
  fanout: Fanout
  log: Logger
  /** How long loading waits for peers' catch-up replies. */
  timeoutMs?: number
  /** Another node spoke for a client here: it must be watched for liveness. */
  onPeerSeen?: (node: string) => void
  /** A peer made clocks durable: `message` (a `Persisted` message) goes to this node's Colist clients. */
  onPeerPersisted: (message: Uint8Array) => void
}

export class PeerSync {
  private readonly unsubscribe: Array<() => void>
  /** Catch-up replies addressed to this node, counted while it loads. */
  private onPeerReply: (() => void) | null = null
  /** Since when the doc has held content no node has reported stored (see `reconcile`). */
  private unpersistedSince: number | null = null

  constructor(private readonly options: PeerSyncOptions) {
    const { fanout, listId, log } = options
    // A bad message from a peer is logged and dropped: it must not break this node's clients.
    const guarded =
      (what: string, handle: (payload: Uint8Array, node: string) => void) =>
      (payload: Uint8Array, node: string) => {
        try {
          handle(payload, node)
        } catch (err) {
          log.warn({ err, list: listId, node }, `ignoring a ${what} message from a peer`)
        }
      }
    this.unsubscribe = [
      fanout.subscribe(topics.doc(listId), guarded('document', (update) => this.applyPeerUpdate(update))),
      fanout.subscribe(topics.awareness(listId), guarded('awareness', (update, node) => this.applyPeerAwareness(update, node))),
      fanout.subscribe(topics.persisted(listId), guarded('persisted', (message) => this.applyPeerPersisted(message))),
      fanout.subscribe(topics.sync(listId), guarded('sync', (payload, node) => this.receiveNodeSync(payload, node))),
    ]
  }

  // ---------------------------------------------------------------------------
  // What this node tells its peers
  // ---------------------------------------------------------------------------

  /** An update this node accepted. */
  publishUpdate(update: Uint8Array): void {
    this.options.fanout.publish(topics.doc(this.options.listId), update)
  }

  /** An awareness update of this node's clients. */
  publishAwareness(update: Uint8Array): void {
    this.options.fanout.publish(topics.awareness(this.options.listId), update)
  }

  /** Clocks this node's append made durable (the `Persisted` message its clients got). */
  publishPersisted(message: Uint8Array): void {
    this.options.fanout.publish(topics.persisted(this.options.listId), message)
  }

  // ---------------------------------------------------------------------------
  // Catch-up
  // ---------------------------------------------------------------------------

  /**
   * When the list is live on other nodes, gets what they hold and this node
   * lacks (they may hold updates not stored yet). The room answers nobody
   * before this completes.
   */
  async catchUp(): Promise<void> {
    const { fanout, listId } = this.options
    const peers = await fanout.peerCount(topics.doc(listId))
    if (peers === 0) return
    let replies = 0
    await new Promise<void>((resolve) => {
      // A peer that died a moment ago still counts as subscribed; don't wait for it forever.
      const timer = setTimeout(resolve, this.options.timeoutMs ?? DEFAULT_PEER_SYNC_TIMEOUT_MS)
      this.onPeerReply = () => {
        if (++replies < peers) return
        clearTimeout(timer)
        resolve()
      }
      this.requestSync()
    })
    this.onPeerReply = null
  }

  /** After a fan-out outage: exchange what was missed, and re-announce this node's clients. */
  resync(): void {
    this.requestSync()
    const ownClients = this.localAwarenessIds()
    if (ownClients.length > 0) this.publishAwareness(awarenessProtocol.encodeAwarenessUpdate(this.options.awareness, ownClients))
  }

  /** Asks every peer for what this node lacks, and to ask back for what it lacks. */
  private requestSync(): void {
    const request = encodeNodeSync({ kind: 'request', askBack: true, stateVector: Y.encodeStateVector(this.options.doc) })
    this.options.fanout.publish(topics.sync(this.options.listId), request)
  }

  private receiveNodeSync(payload: Uint8Array, fromNode: string): void {
    const { doc, awareness, fanout, listId } = this.options
    const msg = decodeNodeSync(payload)
    if (msg.kind === 'request') {
      const ownClients = this.localAwarenessIds()
      const reply = encodeNodeSync({
        kind: 'reply',
        to: fromNode,
        update: Y.encodeStateAsUpdate(doc, msg.stateVector),
        awareness: ownClients.length > 0 ? awarenessProtocol.encodeAwarenessUpdate(awareness, ownClients) : null,
      })
      fanout.publish(topics.sync(listId), reply)
      if (msg.askBack) {
        fanout.publish(topics.sync(listId), encodeNodeSync({ kind: 'request', askBack: false, stateVector: Y.encodeStateVector(doc) }))
      }
      return
    }
    if (msg.to !== fanout.nodeId) return
    if (msg.kind === 'revive') return this.reviveOwnClients(msg.clients)
    this.applyPeerUpdate(msg.update)
    if (msg.awareness) this.applyPeerAwareness(msg.awareness, fromNode)
    this.onPeerReply?.()
  }

  // ---------------------------------------------------------------------------
  // What peers tell this node
  // ---------------------------------------------------------------------------

  private applyPeerUpdate(update: Uint8Array): void {
    Y.applyUpdate(this.options.doc, update, FROM_FANOUT)
  }

  /**
   * A peer's clients' presence. A state this node refuses because it holds
   * that client as removed at that clock (it dropped the peer during an
   * outage, or the client left it) is the client's current one all the
   * same: the peer is asked to have the client announce it with a newer
   * clock (presence-revival.ts).
   */
  private applyPeerAwareness(update: Uint8Array, node: string): void {
    const { awareness, awarenessOwners, fanout, listId } = this.options
    this.options.onPeerSeen?.(node)
    const ids = nodeAwarenessClientIds(update)
    for (const id of ids) awarenessOwners.notePeer(node, id)
    awarenessProtocol.applyAwarenessUpdate(awareness, update, FROM_FANOUT)
    for (const id of ids) if (!awareness.getStates().has(id)) awarenessOwners.forgetPeer(node, id)
    // A client a connection of this node speaks for is not the peer's to bring back.
    const refused = refusedAsRemoved(awareness, update).filter(({ clientId }) => awarenessOwners.connectionOf(clientId) === null)
    if (refused.length > 0) fanout.publish(topics.sync(listId), encodeNodeSync({ kind: 'revive', to: node, clients: refused }))
  }

  /** A peer holds these clients of ours as removed: each still here is told so, and answers with its state at a newer clock. */
  private reviveOwnClients(removed: RemovedPresence[]): void {
    const { awareness, awarenessOwners } = this.options
    for (const presence of removed) {
      const conn = awarenessOwners.connectionOf(presence.clientId)
      const notice = conn && noticeForOwnClient(awareness, presence)
      if (notice) conn.send(encodeAwarenessMessage(removalNotice([notice])))
    }
  }

  /** A peer stored updates: those clocks are durable for this node's clients too. */
  private applyPeerPersisted(message: Uint8Array): void {
    const advanced = this.options.writer.persistedByPeer(decodeNodePersisted(message))
    if (advanced.size > 0) this.options.onPeerPersisted(encodePersisted(advanced))
    this.recheckUnpersisted()
  }

  /** A peer node is gone: its clients' presence goes with it. */
  dropPeer(node: string): void {
    const gone = this.options.awarenessOwners.dropNode(node)
    if (gone.length > 0) awarenessProtocol.removeAwarenessStates(this.options.awareness, gone, FROM_FANOUT)
  }

  /** Awareness clientIDs of this node's own connections that have a state now. */
  private localAwarenessIds(): number[] {
    return this.options.awarenessOwners.localIds(this.options.awareness.getStates())
  }

  // ---------------------------------------------------------------------------
  // Content relayed by a peer and stored by nobody
  // ---------------------------------------------------------------------------

  /** A peer's update was applied: until some node reports it stored, it lives only in memory. */
  noteUnpersisted(): void {
    this.unpersistedSince ??= Date.now()
  }

  /** The durable clocks may have advanced: the doc may be all stored now. */
  recheckUnpersisted(): void {
    if (this.unpersistedSince === null) return
    if (clocksCover(this.options.writer.persistedClocks, clocksOf(this.options.doc))) this.unpersistedSince = null
  }

  /**
   * Stores what this node holds but no node has reported stored for a while.
   * Normally the node that accepted an update stores it and announces it
   * within milliseconds; if that node died first, its update lives on only
   * in peers' memory, and this puts it on disk. Returns whether it did.
   */
  reconcile(now: number, afterMs: number): boolean {
    if (this.unpersistedSince === null || now - this.unpersistedSince < afterMs || !this.options.writer.writable) return false
    this.recheckUnpersisted()
    if (this.unpersistedSince === null) return false
    this.options.writer.storeUnpersisted()
    this.unpersistedSince = null
    return true
  }

  destroy(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe()
  }
}
