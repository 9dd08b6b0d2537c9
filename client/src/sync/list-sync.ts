/**
 * Everything one list needs, wired together: the Y.Doc, its IndexedDB
 * replica, the y-websocket provider with Colist's server messages on it (ServerMessages), the
 * connection manager and its HTTP fallback, the count of unsaved changes,
 * presence, undo, and the devtools log. The device sync engine
 * (device-sync.ts) keeps one per list it syncs; the list on screen is in the
 * foreground (presence on, reconnects by itself), the others in the
 * background (no presence, reconnect when the engine says).
 */
import { ObservableV2 } from 'lib0/observable'
import { WebsocketProvider } from 'y-websocket'
import type { IndexeddbPersistence } from 'y-indexeddb'
import type { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import type { PublicUser } from '../../../shared/api.ts'
import { attachClock } from '../../../shared/hlc.ts'
import { DEVICE_WS_PATH, ChannelMode } from '../../../shared/device-protocol.ts'
import type { DeviceSocket } from '../../../shared/device-client.ts'
import { CloseCode, WS_PATH_PREFIX, WriteRule, canWrite, type Role, type ConnectionInfoMessage, type WriteRejectedMessage } from '../../../shared/protocol.ts'
import { ListIndex } from '../../../shared/list-index.ts'
import { ServerMessages } from '../../../shared/server-messages.ts'
import { session as authSession, withToken } from '../auth/session.ts'
import { UpdateLog } from '../devtools/update-log.ts'
import { warmMemory } from '../list/list-memory.ts'
import { listActions } from '../lists/list-actions.ts'
import { PresenceController } from '../presence/presence-controller.ts'
import { offsetFromServer, readClockOffset, saveClockOffset } from './clock-offset.ts'
import { ListConnection, stopReasonForClose } from './connection.ts'
import { NOTE_ORIGIN, noteDeletionOnlyChanges } from './deletion-clock.ts'
import { HTTP_SYNC_ORIGIN, HttpSync } from './http-fallback.ts'
import { ListUndoManager } from './list-undo.ts'
import { openReplica, pendingChangesKey, replicaFlushed } from './offline-store.ts'
import { EDIT_GROUP, LOCAL_ORIGIN } from './origins.ts'
import { PendingChanges } from './pending-changes.ts'
import { resetsDeviceCopy } from './refusals.ts'
import { quietReplicaLoad } from './replica-load.ts'

export { LOCAL_ORIGIN } from './origins.ts'

function deviceStorage(): Storage | null {
  try {
    return localStorage
  } catch {
    return null
  }
}

export interface ChangeOptions {
  /**
   * Consecutive changes of one group (e.g. `text:<itemId>`, typing in one field) are one undo
   * step while they follow each other closely, and one change in "Syncing N changes…".
   */
  group?: string
}

/** If IndexedDB does not answer (some private modes), connect anyway after this long. */
const REPLICA_WAIT_MS = 1500

export interface ListSyncState {
  /** The device copy has been read (the list can show without the network). */
  replicaLoaded: boolean
  /** Our role: the server's word while connected, otherwise the last one known. Null if never known. */
  role: Role | null
  /** The server refused a write of ours that the device copy can never get accepted, once it has. */
  rejected: WriteRejectedMessage | null
  /** Server time minus this device's time (ms), as last measured; null if never. */
  clockOffset: number | null
  /** The document holds anything at all: the list has reached this device (a list always has a title). */
  downloaded: boolean
}

export interface ListSyncEvents {
  change: () => void
  /** The server refused a write: the device copy holds changes it will never accept (`resetsDeviceCopy`). */
  'write-rejected': (rejection: WriteRejectedMessage) => void
}

function socketOrigin(path: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`
}

export interface ListSyncOptions {
  /** On screen (presence on) or in the background; see `setForeground`. True by default. */
  foreground?: boolean
  /** Sync as a channel of this device socket (`/ws/device`) instead of a socket of the list's own (`/ws/lists/:id`). */
  device?: DeviceSocket
}

export class ListSync extends ObservableV2<ListSyncEvents> {
  readonly doc = new Y.Doc()
  readonly replica: IndexeddbPersistence
  readonly provider: WebsocketProvider
  readonly server: ServerMessages
  readonly awareness: Awareness
  readonly pending: PendingChanges
  readonly http: HttpSync
  readonly connection: ListConnection
  readonly undo: ListUndoManager
  readonly log: UpdateLog
  /**
   * The list's items as the list page reads them, kept for as long as the list is loaded: read
   * across event-loop turns once the device copy is in, then only what each change touches, so
   * opening a loaded list does not read its items again (use-list-view.ts).
   */
  readonly index: ListIndex
  private stopWarming: (() => void) | null = null
  private readonly stopQuietLoad: () => void
  /** Our presence, while the list is on screen (see `setForeground`). */
  private presenceController: PresenceController | null = null
  private foreground: boolean | null = null
  private readonly stopNotingDeletions: () => void
  private state: ListSyncState
  private destroyed = false
  /** The last ConnectionInfo message handled (each one carries a fresh serverTime). */
  private lastInfo: ConnectionInfoMessage | null = null
  /** The group of the last change (see `ChangeOptions`). */
  private lastGroup: string | null = null
  private readonly unsubscribeAuth: () => void

  constructor(
    readonly listId: string,
    readonly user: PublicUser,
    knownRole: Role | null,
    private readonly options: ListSyncOptions = {},
  ) {
    super()
    const offset = readClockOffset(deviceStorage())
    this.state = { replicaLoaded: false, role: knownRole, rejected: null, clockOffset: offset, downloaded: false }
    // Before anything can write: timestamps follow the server's clock as last measured on this device.
    attachClock(this.doc, { now: () => Date.now() + (this.state.clockOffset ?? 0) })
    this.index = new ListIndex(this.doc)
    this.replica = openReplica(user.id, listId, this.doc)
    // The device copy's load is not encoded again for the document's `update` listeners while nothing
    // would send it (replica-load.ts); set up before anything else listens, and over once it is in.
    this.stopQuietLoad = quietReplicaLoad(this.doc, this.replica, {
      quiet: () => !this.provider.wsconnected && !this.http.active,
      onQuiet: (transaction) => this.log.noteUnencoded(transaction, this.describeOrigin(this.replica)),
    })
    const device = options.device
    this.provider = new WebsocketProvider(socketOrigin(device ? DEVICE_WS_PATH : WS_PATH_PREFIX), listId, this.doc, {
      connect: false,
      // Tabs of one browser share the server; a second channel between them would only duplicate it.
      disableBc: true,
      // Over the device socket, the list's mode follows `setForeground`; the channel starts in the background.
      ...(device ? { WebSocketPolyfill: device.channelClass(ChannelMode.Background) as unknown as typeof WebSocket } : {}),
    })
    this.awareness = this.provider.awareness
    this.server = new ServerMessages(this.provider)
    this.pending = new PendingChanges(this.doc, localStorage, pendingChangesKey(user.id, listId))
    this.http = new HttpSync({
      doc: this.doc,
      listId,
      pending: this.pending,
      withToken,
      canWrite: () => this.canWrite,
    })
    this.connection = new ListConnection({
      provider: this.provider,
      fallback: this.http,
      token: () => authSession.token,
      renewToken: () => authSession.renew(),
    })
    // What HTTP sync learns that ends syncing this list, it stops the connection for, as the socket's close would.
    this.http.on('refused', (status) =>
      this.connection.stop(
        status === 404
          ? { kind: 'deleted', code: status, message: 'This list was deleted' }
          : { kind: 'access', code: status, message: 'You no longer have access to this list' },
      ),
    )
    this.http.on('write-rejected', (rejection) => {
      // Over HTTP no socket close follows the refusal; stop as that close would.
      this.onWriteRejected(rejection)
      if (rejection.rule !== WriteRule.ReadOnly) this.connection.stop(stopReasonForClose(rejection.code, rejection.message))
    })
    // As the socket's 4414 does: paused, the device's changes kept, until the person tries again.
    this.http.on('storage-full', (message) => this.connection.stop(stopReasonForClose(CloseCode.StorageQuota.code, message)))
    this.stopNotingDeletions = noteDeletionOnlyChanges(this.doc)
    // Every action is its own undo step, except typing on in one field (see `change`).
    this.undo = new ListUndoManager(this.doc, LOCAL_ORIGIN)
    this.log = new UpdateLog(this.doc, this.awareness, (origin) => this.describeOrigin(origin))
    this.setForeground(options.foreground ?? true)
    this.doc.on('update', this.onDocUpdate)
    this.connection.on('change', this.onDocUpdate)

    this.server.on('change', this.onServerMessages)
    this.server.on('write-rejected', this.onWriteRejected)
    this.unsubscribeAuth = authSession.subscribe(() => {
      if (authSession.getSnapshot().status === 'signed-in') this.connection.resumeAfterLogin()
    })

    let started = false
    // A list created on this device syncs once the server has it (list-actions.ts): before, it would answer 4004.
    const created = listActions(user).whenCreated(listId)
    const start = () => {
      if (started || this.destroyed) return
      started = true
      void created.then(() => {
        if (!this.destroyed) this.connection.start()
      })
    }
    void this.replica.whenSynced.then(() => {
      this.stopQuietLoad()
      if (this.destroyed) return
      this.pending.dropUnreachable()
      this.update({ replicaLoaded: true })
      this.onDocUpdate()
      start()
      // Then the add field's memory of past items, in idle time (list-memory.ts): suggestions from
      // this list, and from it while another list is open, need no whole read on a key.
      void this.index.settle().then(() => {
        if (!this.destroyed) this.stopWarming = warmMemory(this.doc)
      })
    })
    setTimeout(start, REPLICA_WAIT_MS)
  }

  getSnapshot = (): ListSyncState => this.state

  get canWrite(): boolean {
    return this.state.role === null || canWrite(this.state.role)
  }

  /**
   * Applies a change as this user's own: undoable, counted, synced. Viewers
   * cannot change anything (returns false). Throws what `fn` throws.
   */
  change(fn: (doc: Y.Doc) => void, options: ChangeOptions = {}): boolean {
    if (!this.canWrite) return false
    const group = options.group ?? null
    if (group === null || group !== this.lastGroup) this.undo.stopCapturing()
    this.lastGroup = group
    this.doc.transact((transaction) => {
      if (group !== null) transaction.meta.set(EDIT_GROUP, group)
      fn(this.doc)
    }, LOCAL_ORIGIN)
    return true
  }

  /**
   * On screen: presence is on and the connection comes back by itself with the network. In the
   * background: no presence, and the device sync engine decides when it reconnects.
   */
  setForeground(on: boolean): void {
    if (this.destroyed || on === this.foreground) return
    this.foreground = on
    this.connection.setAutoReconnect(on)
    if (on) {
      this.options.device?.setMode(this.listId, ChannelMode.Foreground)
      this.presenceController = new PresenceController(this.awareness, this.user)
    } else {
      // Others see us leave at once: the state is cleared while the channel still carries awareness.
      this.presenceController?.destroy()
      this.presenceController = null
      this.options.device?.setMode(this.listId, ChannelMode.Background)
    }
  }

  /** This tab's presence on the list; null while the list is in the background. */
  get presence(): PresenceController | null {
    return this.presenceController
  }

  /** Server time minus this device's (ms), or null if never measured. */
  get clockOffset(): number | null {
    return this.state.clockOffset
  }

  /** The role from the list's details, when the socket has not said yet. */
  setKnownRole(role: Role): void {
    if (!this.server.info && role !== this.state.role) this.update({ role })
  }

  /** Resolves once every change so far is on disk in IndexedDB. */
  flushToDevice(): Promise<void> {
    return replicaFlushed(this.replica)
  }

  /** Discards the device copy (the server refused what it holds); the caller opens a fresh one. */
  async discardDeviceCopy(): Promise<void> {
    this.pending.clear()
    this.destroy()
    await this.replica.clearData()
  }

  override destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.unsubscribeAuth()
    this.server.off('change', this.onServerMessages)
    this.server.off('write-rejected', this.onWriteRejected)
    this.doc.off('update', this.onDocUpdate)
    this.connection.off('change', this.onDocUpdate)
    this.presenceController?.destroy()
    this.stopNotingDeletions()
    this.connection.destroy()
    this.http.destroy()
    this.log.destroy()
    this.undo.destroy()
    this.server.destroy()
    this.provider.destroy()
    // The provider does not own the awareness it created; its keep-alive timer must stop too.
    this.awareness.destroy()
    this.pending.destroy()
    this.index.destroy()
    this.stopWarming?.()
    this.stopQuietLoad()
    void this.replica.destroy()
    this.doc.destroy()
    super.destroy()
  }

  private readonly onServerMessages = (): void => {
    const receivedAt = Date.now()
    this.pending.acknowledge(this.server.persisted)
    const info = this.server.info
    if (info && info !== this.lastInfo) {
      // A new ConnectionInfo message (each decodes to a new object): measure the clock against it.
      this.lastInfo = info
      const offset = offsetFromServer(info.serverTime, receivedAt)
      if (offset !== null) {
        saveClockOffset(deviceStorage(), offset)
        if (offset !== this.state.clockOffset) this.update({ clockOffset: offset })
      }
    }
    const role = info?.role ?? null
    if (role && role !== this.state.role) this.update({ role })
  }

  /** The list has reached the device once the document holds anything or a sync went through. */
  private readonly onDocUpdate = (): void => {
    if (this.state.downloaded) return
    const { socket, http } = this.connection.getSnapshot()
    if (this.doc.store.clients.size > 0 || socket === 'connected' || http === 'active') this.update({ downloaded: true })
  }

  private readonly onWriteRejected = (rejection: WriteRejectedMessage): void => {
    if (this.state.rejected) return
    if (rejection.rule === WriteRule.ReadOnly) {
      // Every connect answers the server's sync step 1 with our whole delete set,
      // which the server refuses from a viewer even when it holds nothing new.
      // Only a refusal while we have changes of our own means the copy diverged.
      if (this.pending.count === 0) return
    } else if (!resetsDeviceCopy(rejection)) {
      // Too many clientIDs, clock skew, outdated app: the close that follows stops syncing and
      // says why; the changes themselves stay on the device.
      return
    }
    this.update({ rejected: rejection })
    this.emit('write-rejected', [rejection])
  }

  private describeOrigin(origin: unknown): string {
    if (origin === this.provider) return 'server (socket)'
    if (origin === this.replica) return 'this device (IndexedDB)'
    if (origin === HTTP_SYNC_ORIGIN) return 'server (HTTP)'
    if (origin === LOCAL_ORIGIN) return 'you'
    if (origin === this.undo) return 'undo / redo'
    if (origin === NOTE_ORIGIN) return 'you (change note)'
    if (origin === 'local') return 'this tab'
    return origin === null || origin === undefined ? 'console (untracked)' : String(origin)
  }

  private update(patch: Partial<ListSyncState>): void {
    this.state = { ...this.state, ...patch }
    this.emit('change', [])
  }
}
