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
    close: (code, reason) => {
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
  /**
   * Works around an open finding (room fuzz, pinned seed 833025645): a socket
   * is never joined to a room whose storage failed; the host waits for that
   * room to unload and loads a fresh one.
   */
  avoidFailedRoomJoins?: boolean
  /**
   * Works around an open finding ('relayed-loss-resend'): the state of a room
   * whose storage failed is applied, as a server change, to the room loaded
   * after it, so nothing it relayed is lost with it.
   */
  carryFailedRoomState?: boolean
}

const silent = pino({ level: 'silent' })

/** Whether the room's storage failed: its flush rejects at once (a flush still waiting on storage counts as not failed). */
async function hasFailed(room: Room): Promise<boolean> {
  const failed = room.whenFlushed().then(
    () => false,
    () => true,
  )
  const undecided = new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))
  return Promise.race([failed, undecided])
}

export class RoomHost {
  room: Room | null = null
  private loading: Promise<Room> | null = null
  /** The role each user has on the list now (what the accounts store would answer). */
  readonly roles = new Map<string, Role>()
  /** clientIDs of every room doc loaded in this run: the server's own writes live under them. */
  readonly serverClientIds = new Set<number>()
  loads = 0
  unloads = 0
  /** A failed room's state, for the next room (see `carryFailedRoomState`). */
  private carried: Uint8Array | null = null
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
   * load fails), held as the registry holds it: the caller releases it.
   */
  async acquire(): Promise<Room> {
    let room = this.room
    if (!room) {
      this.loading ??= Room.load(this.options.listId, this.roomOptions())
        .then((loaded) => {
          this.loads++
          this.room = loaded
          this.serverClientIds.add(loaded.doc.clientID)
          loaded.events.on('became-idle', () => this.unload(loaded))
          return loaded
        })
        .finally(() => {
          this.loading = null
        })
      room = await this.loading
    }
    room.hold()
    const carried = this.carried
    if (carried && room === this.room) {
      this.carried = null
      // Applied as an update of the server's once held (not inside room.change: Yjs marks a transaction
      // that applies an update as remote, and a remote one advancing the doc's own clientID makes it take a new one).
      Y.applyUpdate(room.doc, carried, 'carried from the failed room')
    }
    return room
  }

  /**
   * Opens a socket to the room as the ws glue does: load (or find) the room,
   * join with the user's current role. Returns false if the load failed (the
   * client then reads a retryable close and retries later).
   */
  async connect(wire: Wire, userId: string, name: string): Promise<boolean> {
    let room: Room
    try {
      room = await this.acquire()
      if (this.options.avoidFailedRoomJoins && (await hasFailed(room))) {
        room.release()
        await new Promise((resolve) => setImmediate(resolve))
        if (this.room === room) throw new Error('the failed room is still loaded')
        room = await this.acquire()
      }
    } catch {
      wire.socket.close(CloseCode.InternalError.code, 'loading the list failed')
      return false
    }
    try {
      const role = this.roles.get(userId)
      if (!role) throw new Error(`user ${userId} has no role on the list`)
      wire.room = room
      wire.conn = room.join(wire.socket, { userId, name, role })
    } finally {
      room.release()
    }
    return true
  }

  changeRole(userId: string, role: Role): void {
    this.roles.set(userId, role)
    this.room?.changeAccess(userId, role)
  }

  private unload(room: Room): void {
    if (this.room !== room || !room.isIdle) return
    this.room = null
    this.unloads++
    if (this.options.carryFailedRoomState) {
      const state = Y.encodeStateAsUpdate(room.doc)
      room.whenFlushed().catch(() => {
        this.carried = this.carried ? Y.mergeUpdates([this.carried, state]) : state
      })
    }
    room.destroy()
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
