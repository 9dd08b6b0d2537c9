/**
 * The server side of the room fuzz: one list's room, loaded from a storage
 * fault double, unloaded whenever it becomes idle (as the registry does), and
 * in-memory sockets ("wires") between it and the clients.
 *
 * A wire is two FIFO queues, one per direction, as one TCP connection gives.
 * Nothing crosses a wire until the fuzz delivers it, so the fuzz decides the
 * interleaving of deliveries across clients, step by step.
 */
import { pino } from 'pino'
import * as Y from 'yjs'
import { CloseCode, type Role } from '../../../shared/protocol.ts'
import { LocalFanoutHub } from '../../fanout.ts'
import { Metrics } from '../../metrics.ts'
import { ProtocolError } from '../../protocol-error.ts'
import { Room, type RoomOptions } from '../../room.ts'
import type { FaultyDocumentStore } from '../../storage/faulty-document-store.ts'

/** What `Room.join` returns and takes, read off the room itself so the fuzz follows its API. */
export type RoomConnection = ReturnType<Room['join']>
export type RoomSocketLike = Parameters<Room['join']>[0]
export type Identity = Parameters<Room['join']>[1]

export type ServerFrame = { kind: 'message'; bytes: Uint8Array } | { kind: 'close'; code: number; reason: string }

/** One socket between a client and the room. */
export class Wire {
  readonly toRoom: Uint8Array[] = []
  readonly toClient: ServerFrame[] = []
  /** Set when the room closed this socket (its close frame is then the last thing queued to the client). */
  closedByRoom: { code: number; reason: string } | null = null
  /** Set when the client side is gone (network drop, or it read the close frame). */
  gone = false
  room: Room | null = null
  conn: RoomConnection | null = null
  /** Called with every message the room sends, when it sends it (before any delivery). */
  observe: ((bytes: Uint8Array) => void) | null = null

  readonly socket: RoomSocketLike = {
    send: (bytes) => {
      if (this.gone || this.closedByRoom) return
      this.observe?.(bytes)
      this.toClient.push({ kind: 'message', bytes })
    },
    close: ({ code, reason: standard }, detail) => {
      const reason = detail ?? standard
      if (this.gone || this.closedByRoom) return
      this.closedByRoom = { code, reason }
      this.toClient.push({ kind: 'close', code, reason })
    },
  }

  get idle(): boolean {
    return this.toRoom.length === 0 && this.toClient.length === 0
  }

  /** Delivers the oldest client message to the room (dropped if the room closed the socket). */
  deliverToRoom(): void {
    const bytes = this.toRoom.shift()
    if (bytes === undefined || this.closedByRoom || !this.room || !this.conn) return
    this.room.receive(this.conn, bytes)
  }

  /**
   * The server side dies: of the frames queued to the client only the first
   * `keep` still arrive, then the socket closes abnormally (1006); nothing
   * more reaches the room.
   */
  sever(keep: number): void {
    this.toClient.length = Math.min(keep, this.toClient.length)
    this.toRoom.length = 0
    this.room = null
    this.conn = null
    this.closedByRoom = { code: 1006, reason: 'connection lost' }
    this.toClient.push({ kind: 'close', code: 1006, reason: 'connection lost' })
  }

  /** The client side goes away: the room hears the socket close; nothing more crosses. */
  drop(): void {
    if (this.gone) return
    this.gone = true
    this.toRoom.length = 0
    this.toClient.length = 0
    if (this.room && this.conn) this.room.leave(this.conn)
  }
}

export interface RoomHostOptions {
  listId: string
  store: FaultyDocumentStore
  compaction: RoomOptions['compaction']
  maxDocBytes: number
  /** Extra room options (whatever the room grows, e.g. write-check settings). */
  extra?: Partial<RoomOptions>
}

const silent = pino({ level: 'silent' })

export class RoomHost {
  room: Room | null = null
  private loading: Promise<Room> | null = null
  /** The role each user has on the list now (what the accounts store would answer). */
  readonly roles = new Map<string, Role>()
  /** clientIDs of every room doc loaded in this run: the server's own writes live under them. */
  readonly serverClientIds = new Set<number>()
  loads = 0
  unloads = 0
  /** What a room whose storage failed handed on, for the next room to store (as the registry keeps it). */
  private inherited: Uint8Array | null = null
  private readonly metrics = new Metrics()
  private readonly fanout = new LocalFanoutHub().endpoint()

  constructor(readonly options: RoomHostOptions) {}

  get store(): FaultyDocumentStore {
    return this.options.store
  }

  private roomOptions(): RoomOptions {
    return {
      store: this.options.store,
      fanout: this.fanout,
      metrics: this.metrics,
      log: silent,
      maxDocBytes: this.options.maxDocBytes,
      compaction: this.options.compaction,
      ...this.options.extra,
    }
  }

  /**
   * The loaded room, loading it from storage first if none is (throws if the
   * load fails), held as the registry holds it: the caller releases it. As
   * the registry does, it never hands out a room whose storage failed, and
   * gives the room loaded after one what that room handed on.
   */
  async acquire(): Promise<Room> {
    for (let attempt = 0; ; attempt++) {
      const room = this.room ?? (await this.load())
      if (room.failed) {
        if (attempt === 0) continue
        throw new ProtocolError(CloseCode.InternalError, 'storage failed')
      }
      room.hold()
      const inherited = this.inherited
      if (inherited) {
        this.inherited = null
        room.inherit(inherited)
      }
      return room
    }
  }

  private load(): Promise<Room> {
    this.loading ??= Room.load(this.options.listId, this.roomOptions())
      .then((loaded) => {
        this.loads++
        this.serverClientIds.add(loaded.doc.clientID)
        loaded.events.on('became-idle', () => this.unload(loaded))
        loaded.events.on('storage-failed', () => this.retire(loaded))
        if (!loaded.failed) this.room = loaded
        else {
          this.retire(loaded)
          this.unload(loaded)
        }
        return loaded
      })
      .finally(() => {
        this.loading = null
      })
    return this.loading
  }

  /**
   * Opens a socket to the room as the ws glue does: load (or find) the room,
   * join with the user's current role. Returns false if the load or the join
   * failed (the client then reads a retryable close and retries later).
   */
  async connect(wire: Wire, userId: string, name: string): Promise<boolean> {
    let room: Room
    try {
      room = await this.acquire()
    } catch {
      wire.socket.close(CloseCode.InternalError, 'loading the list failed')
      return false
    }
    try {
      const role = this.roles.get(userId)
      if (!role) throw new Error(`user ${userId} has no role on the list`)
      wire.conn = room.join(wire.socket, { userId, name, role })
      wire.room = room
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err
      wire.socket.close(err.close, err.message)
      return false
    } finally {
      room.release()
    }
    return true
  }

  changeRole(userId: string, role: Role): void {
    this.roles.set(userId, role)
    this.room?.changeAccess(userId, role)
  }

  /** The room became idle: drop it (a failed room was forgotten already, and a newer one may be loaded). */
  private unload(room: Room): void {
    if (!room.isIdle) return
    if (this.room === room) this.room = null
    this.unloads++
    room.destroy()
  }

  /** The room's storage failed: forget it, and keep what it handed on for the next room (as the registry does). */
  private retire(room: Room): void {
    if (this.room === room) this.room = null
    const unstored = room.takeUnstored()
    if (unstored) this.inherit(unstored)
  }

  private inherit(update: Uint8Array): void {
    this.inherited = this.inherited ? Y.mergeUpdates([this.inherited, update]) : update
  }

  /**
   * The server process dies: the loaded room is forgotten with whatever it
   * had not stored (and what a failed room handed on), and its writes in
   * flight are dropped. The caller severs the room's sockets, then destroys
   * the returned room (only to free it: a dead process does nothing more).
   */
  crash(): Room | null {
    const room = this.room
    this.store.crash()
    this.room = null
    this.inherited = null
    return room
  }

  /** Waits until the loaded room (if any) has written everything it accepted; throws if storage failed. */
  async flushed(): Promise<void> {
    await this.room?.whenFlushed()
  }

  destroy(): void {
    this.room?.destroy()
    this.room = null
  }
}
