/**
 * An honest client of the room fuzz: one Y.Doc driven exactly as an
 * unmodified y-websocket `WebsocketProvider` drives it (sync step 1 on open,
 * step 2 in answer to the server's step 1, every local update sent as it
 * happens, awareness re-broadcast on every change), optionally with Colist's
 * own messages (`Hello` on open, then Session / Persisted / WriteRejected), as
 * shared/server-messages.ts adds them to the web client.
 *
 * It lives across connections: it edits while offline, reconnects with a
 * fresh sync exchange, and may restart with a fresh clientID (a reloaded tab
 * keeps its offline content but writes under a new clientID).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { attachClock } from '../../../shared/list-document.ts'
import {
  MessageType,
  PROTOCOL_VERSION,
  SyncStep,
  decodePersisted,
  decodeConnectionInfo,
  encodeAwarenessMessage,
  encodeHello,
  encodeSyncMessage,
  isRetryableClose,
  mergePersisted,
  type Role,
} from '../../../shared/protocol.ts'
import { Wire, type RoomHost } from './room-host.ts'

/** What a client reports to the run that drives it. */
export interface ClientObserver {
  /** The room sent this client a message (called at send time, before delivery). */
  roomSent(client: SimClient, bytes: Uint8Array): void
  /** Something this client saw that an honest client must never see. */
  violation(message: string): void
  /** The room closed this client's socket (the client read the close frame); `wasClean` as `clean` was before. */
  closed(client: SimClient, code: number, reason: string, wasClean: boolean): void
}

export interface SimClientOptions {
  /** Says Hello and understands Colist's messages, as the web client does. */
  colist: boolean
}

/** Origin of the content a restarted client reloads from its own storage. */
const RESTORED = Symbol('restored from local storage')

/** y-websocket's default for clients that do not speak Colist: 44xx is final, everything else is retried. */
const plainShouldReconnect = (code: number) => !(code >= 4400 && code < 4500)

export class SimClient {
  doc!: Y.Doc
  awareness!: awarenessProtocol.Awareness
  /** Every clientID this client has written under (one per restart). */
  readonly ownIds = new Set<number>()
  wire: Wire | null = null
  /** A sync step 2 arrived on the current connection. */
  synced = false
  /** The role the server last told this client (Colist clients only). */
  knownRole: Role | null = null
  /** Durable clocks the server reported on this client's connections (Colist clients only). */
  persisted = new Map<number, number>()
  /** The server refused a write on the current connection. */
  refusedOnConnection = false
  /**
   * The current connection has been a writer's from its start, with nothing
   * refused: everything this client wrote reached the room, and everything
   * the room has reached it (the run clears this on role changes).
   */
  clean = false
  /** Set after a close this client does not retry. */
  finalClose: { code: number; reason: string } | null = null
  connections = 0
  closesSeen = new Map<number, number>()

  constructor(
    readonly name: string,
    readonly userId: string,
    private readonly options: SimClientOptions,
    clientId: number,
    private readonly now: () => number,
    private readonly host: RoomHost,
    private readonly observer: ClientObserver,
  ) {
    this.setUp(new Y.Doc(), clientId)
  }

  private setUp(doc: Y.Doc, clientId: number): void {
    doc.clientID = clientId
    this.doc = doc
    this.ownIds.add(clientId)
    attachClock(doc, { now: this.now })
    doc.on('update', this.onDocUpdate)
    this.awareness = new awarenessProtocol.Awareness(doc)
    this.awareness.setLocalState({ name: this.name })
    this.awareness.on('update', this.onAwarenessUpdate)
  }

  get colist(): boolean {
    return this.options.colist
  }

  get online(): boolean {
    return this.wire !== null
  }

  /** Whether the person at this client may edit, as far as the client knows. */
  get believesItCanWrite(): boolean {
    return this.knownRole !== 'viewer'
  }

  // --- connection -------------------------------------------------------------

  /** Opens a socket: the client speaks first (Hello, step 1, presence), as y-websocket does on open. */
  async connect(): Promise<void> {
    if (this.wire) throw new Error(`${this.name} is already connected`)
    if (this.finalClose) throw new Error(`${this.name} was closed for good (${this.finalClose.code})`)
    const wire = new Wire()
    wire.observe = (bytes) => this.observer.roomSent(this, bytes)
    this.wire = wire
    this.synced = false
    this.refusedOnConnection = false
    this.clean = this.host.roles.get(this.userId) !== 'viewer'
    this.connections++
    if (this.colist) wire.toRoom.push(encodeHello({ protocolVersion: PROTOCOL_VERSION }))
    wire.toRoom.push(encodeSyncMessage(SyncStep.Step1, Y.encodeStateVector(this.doc)))
    if (this.awareness.getLocalState() !== null) {
      wire.toRoom.push(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID])))
    }
    await this.host.connect(wire, this.userId, this.name)
  }

  /**
   * The network drops: the first `delivered` queued messages still reached
   * the server, the rest of both queues is lost.
   */
  disconnect(delivered: number): void {
    const wire = this.wire
    if (!wire) return
    for (let i = 0; i < delivered && wire.toRoom.length > 0; i++) wire.deliverToRoom()
    this.closed(wire)
  }

  private closed(wire: Wire): void {
    wire.drop()
    this.wire = null
    this.synced = false
    this.clean = false
    // y-websocket forgets everyone else's presence when its socket closes.
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID)
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this)
  }

  /** Reads the oldest frame the server sent. */
  receiveFrame(): void {
    const wire = this.wire
    const frame = wire?.toClient.shift()
    if (!wire || !frame) return
    if (frame.kind === 'close') {
      this.closesSeen.set(frame.code, (this.closesSeen.get(frame.code) ?? 0) + 1)
      const wasClean = this.clean
      this.closed(wire)
      this.observer.closed(this, frame.code, frame.reason, wasClean)
      const retry = this.colist ? isRetryableClose(frame.code) : plainShouldReconnect(frame.code)
      if (!retry) {
        this.finalClose = { code: frame.code, reason: frame.reason }
        this.observer.violation(`${this.name} was closed with ${frame.code} (${frame.reason}), which it does not retry`)
      }
      return
    }
    this.handle(wire, frame.bytes)
  }

  private handle(wire: Wire, bytes: Uint8Array): void {
    const dec = decoding.createDecoder(bytes)
    const type = decoding.readVarUint(dec)
    switch (type) {
      case MessageType.Sync: {
        const reply = encoding.createEncoder()
        encoding.writeVarUint(reply, MessageType.Sync)
        const step = syncProtocol.readSyncMessage(dec, reply, this.doc, this, (err) =>
          this.observer.violation(`${this.name} could not apply an update from the server: ${String(err)}`),
        )
        if (step === syncProtocol.messageYjsSyncStep2) this.synced = true
        if (encoding.length(reply) > 1) wire.toRoom.push(encoding.toUint8Array(reply))
        return
      }
      case MessageType.Awareness:
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(dec), this)
        return
      case MessageType.QueryAwareness:
        wire.toRoom.push(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])))
        return
      case MessageType.Auth:
        return
      default:
        if (this.colist) this.handleColist(type, dec)
        // An unmodified y-websocket client logs "Unable to compute message" and carries on.
        else this.observer.violation(`${this.name} (no Hello) got Colist message ${type}`)
    }
  }

  private handleColist(type: number, dec: decoding.Decoder): void {
    switch (type) {
      case MessageType.ConnectionInfo:
        this.knownRole = decodeConnectionInfo(dec).role
        return
      case MessageType.Persisted:
        mergePersisted(this.persisted, decodePersisted(dec))
        return
      case MessageType.WriteRejected:
        this.refusedOnConnection = true
        this.clean = false
        return
      default:
        this.observer.violation(`${this.name} got an unknown message type ${type}`)
    }
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this || origin === RESTORED || !this.wire) return
    this.wire.toRoom.push(encodeSyncMessage(SyncStep.Update, update))
  }

  private readonly onAwarenessUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void => {
    if (!this.wire) return
    // As y-websocket does: every change, whoever made it, goes back to the server.
    const changed = added.concat(updated, removed)
    this.wire.toRoom.push(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)))
  }

  // --- local life ---------------------------------------------------------------

  /** The person moves their cursor: a presence change. */
  setCursor(cursor: string | null): void {
    this.awareness.setLocalStateField('cursor', cursor)
  }

  /**
   * The tab reloads while offline: the document comes back from local
   * storage, under a fresh clientID, with no connection state.
   */
  restart(newClientId: number): void {
    if (this.wire) throw new Error('restart a client only while it is offline')
    const saved = Y.encodeStateAsUpdate(this.doc)
    this.teardown()
    const doc = new Y.Doc()
    Y.applyUpdate(doc, saved, RESTORED)
    this.setUp(doc, newClientId)
    this.persisted = new Map()
    this.knownRole = null
  }

  /** Whether the server said every change of this client is durable (Colist clients). */
  get allSaved(): boolean {
    const sv = Y.decodeStateVector(Y.encodeStateVector(this.doc))
    for (const id of this.ownIds) if ((sv.get(id) ?? 0) > (this.persisted.get(id) ?? 0)) return false
    return true
  }

  private teardown(): void {
    this.doc.off('update', this.onDocUpdate)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.awareness.destroy()
    this.doc.destroy()
  }

  destroy(): void {
    if (this.wire) this.closed(this.wire)
    this.teardown()
  }
}
