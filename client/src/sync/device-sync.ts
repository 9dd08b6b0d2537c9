/**
 * The device sync engine: one per signed-in user per tab. Every list the user
 * can access is kept on this device (its y-indexeddb replica) and in sync in
 * the background while the app is open, whatever page shows — not only the
 * open list. Changes made offline in any list go up as soon as the network is
 * back, and when the app is next opened.
 *
 * It keeps a `ListSync` per list it syncs, each an unmodified y-websocket
 * provider over a channel of one device socket (`/ws/device`,
 * shared/device-client.ts) — one WebSocket for every list. The list on screen
 * is in the foreground (presence on; it reconnects by itself); the others are
 * in the background (no presence, and the server sends them no awareness;
 * they reconnect when the engine gives them a turn).
 * What to load, connect, unload and forget is decided by the pure
 * `planSchedule` (device-schedule.ts) from a snapshot of every list; this
 * class gathers the snapshot, applies the plan, and reports the device's
 * state as a whole (changes waiting per list and in total).
 *
 * Which lists: the user's lists as cached on the device (offline-store.ts;
 * the lists page and the list page refresh it, and so does this engine when
 * it starts or the network returns), plus any list with unsaved changes or a
 * replica on the device.
 */
import { ObservableV2 } from 'lib0/observable'
import type { PublicUser } from '../../../shared/api.ts'
import { DeviceSocket, type WebSocketConstructor } from '../../../shared/device-client.ts'
import { DEVICE_WS_PATH } from '../../../shared/device-protocol.ts'
import { WriteRule, type WriteRejectedMessage } from '../../../shared/protocol.ts'
import { api } from '../api.ts'
import { session as authSession, withToken } from '../auth/session.ts'
import type { StopReason } from './connection-state.ts'
import { DEFAULT_LIMITS, isBusy, needsSync, planSchedule, type ListPhase, type PlannedList, type ScheduleLimits } from './device-schedule.ts'
import { ListSync } from './list-sync.ts'
import { deleteReplica, deviceCopies, listsCache, listsWithPendingChanges, listsWithReplica, pendingChangesKey } from './offline-store.ts'
import { readStoredPending } from './pending-changes.ts'
import { refusalNotice } from './refusals.ts'

/** A new round (every list synced again, a few at a time) this often, for lists not kept loaded. */
const ROUND_INTERVAL_MS = 5 * 60_000
/** The engine's own fetch of the user's lists is skipped when the cached ones are this fresh. */
const LISTS_FRESH_MS = 15_000
/** How long a refused list waits for the close that follows the refusal before it is reloaded anyway. */
const CLOSE_WAIT_MS = 3000

/** Resolves once the sync's connection has stopped (or after `ms`). */
function stoppedOrAfter(sync: ListSync, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      sync.connection.off('change', check)
      resolve()
    }
    const check = () => {
      if (sync.connection.getSnapshot().stopped) done()
    }
    const timer = setTimeout(done, ms)
    sync.connection.on('change', check)
    check()
  })
}

export interface DeviceListState {
  listId: string
  phase: ListPhase
  /** Changes made on this device that the server has not stored yet. */
  pending: number
  /** The list has reached this device whole at least once. */
  downloaded: boolean
  foreground: boolean
  stopped: StopReason | null
}

export interface DeviceState {
  online: boolean
  lists: ReadonlyMap<string, DeviceListState>
  /** Changes waiting, over every list. */
  pending: number
  /** Lists holding them. */
  listsWaiting: number
  /** Background lists connecting or uploading now. */
  busy: number
  /** Lists still to sync in this round (connecting, uploading, or waiting for their turn). */
  updating: number
  /** Lists that cannot sync until something changes (a stop other than losing the list). */
  stopped: number
}

interface Entry {
  listId: string
  sync: ListSync | null
  /** Pages showing it (React may mount a page twice). */
  foreground: number
  usedAt: number
  syncedAt: number | null
  /** Stopped for good: access revoked or list deleted. */
  gone: boolean
  /** Device-copy resets after refused writes, in this tab (a second refusal right after one only loops). */
  resets: number
  /** What the list page says about the last reset, until dismissed. */
  notice: string | null
  /** The device copy is being discarded; the list loads again once it is gone. */
  resetting: boolean
  /** Unsaved changes kept on the device while no sync is loaded. */
  stored: { count: number; oldestAt: number | null }
  detach: (() => void) | null
}

function storage(): Storage | null {
  try {
    return localStorage
  } catch {
    return null
  }
}

export class DeviceSync extends ObservableV2<{ change: () => void }> {
  /** The one socket every list's channel rides; it connects when a channel needs it. */
  readonly socket: DeviceSocket
  private readonly entries = new Map<string, Entry>()
  private state: DeviceState = { online: true, lists: new Map(), pending: 0, listsWaiting: 0, busy: 0, updating: 0, stopped: 0 }
  private roundStartedAt = Date.now()
  private scheduled = false
  private destroyed = false
  private roundTimer: ReturnType<typeof setInterval> | undefined
  private readonly unsubscribeLists: () => void

  constructor(
    readonly user: PublicUser,
    private readonly limits: ScheduleLimits = DEFAULT_LIMITS,
  ) {
    super()
    this.socket = new DeviceSocket({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${DEVICE_WS_PATH}`,
      token: () => authSession.token,
      // The DOM types `send` for ArrayBuffer-backed views only (the frames are); the socket is the browser's own.
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    })
    this.unsubscribeLists = listsCache.subscribe(() => this.reschedule())
    window.addEventListener('online', this.onOnline)
    window.addEventListener('offline', this.onOffline)
    this.roundTimer = setInterval(() => this.newRound(), ROUND_INTERVAL_MS)
    // Lists with changes waiting from an earlier visit are known at once; replicas once IndexedDB says.
    for (const listId of listsWithPendingChanges(user.id)) this.entry(listId)
    void listsWithReplica(user.id).then((ids) => {
      if (this.destroyed) return
      for (const listId of ids) this.entry(listId)
      this.reschedule()
    })
    void this.refreshLists()
    this.reschedule()
  }

  getSnapshot = (): DeviceState => this.state

  /** The list's sync, if loaded. */
  list(listId: string): ListSync | null {
    return this.entries.get(listId)?.sync ?? null
  }

  /**
   * A page shows the list: its sync is loaded (or kept) and brought to the foreground, and it
   * syncs before any other. Pair with `release`.
   */
  open(listId: string): void {
    const entry = this.entry(listId)
    entry.foreground++
    entry.usedAt = Date.now()
    if (!entry.resetting) {
      const loaded = entry.sync
      const sync = loaded ?? this.load(entry)
      sync.setForeground(true)
      if (sync.connection.getSnapshot().socket === 'queued') sync.connection.retryNow()
      if (!loaded) this.emit('change', [])
    }
    this.reschedule()
  }

  /** The page no longer shows the list: it stays loaded and in sync, in the background. */
  release(listId: string): void {
    const entry = this.entries.get(listId)
    if (!entry || entry.foreground === 0) return
    entry.foreground--
    entry.usedAt = Date.now()
    if (entry.foreground === 0) entry.sync?.setForeground(false)
    this.reschedule()
  }

  /** What the list page says after the device copy was reset (a refused write), if anything. */
  notice(listId: string): string | null {
    return this.entries.get(listId)?.notice ?? null
  }

  dismissNotice(listId: string): void {
    const entry = this.entries.get(listId)
    if (entry?.notice) {
      entry.notice = null
      this.emit('change', [])
    }
  }

  override destroy(): void {
    this.destroyed = true
    clearInterval(this.roundTimer)
    this.unsubscribeLists()
    window.removeEventListener('online', this.onOnline)
    window.removeEventListener('offline', this.onOffline)
    for (const entry of this.entries.values()) this.unload(entry)
    this.entries.clear()
    this.socket.destroy()
    super.destroy()
  }

  private entry(listId: string): Entry {
    let entry = this.entries.get(listId)
    if (!entry) {
      entry = {
        listId,
        sync: null,
        foreground: 0,
        usedAt: 0,
        syncedAt: null,
        gone: false,
        resets: 0,
        notice: null,
        resetting: false,
        stored: readStoredPending(storage(), pendingChangesKey(this.user.id, listId)),
        detach: null,
      }
      this.entries.set(listId, entry)
    }
    return entry
  }

  private load(entry: Entry): ListSync {
    const { listId } = entry
    const sync = new ListSync(listId, this.user, listsCache.find(this.user.id, listId)?.role ?? null, {
      foreground: entry.foreground > 0,
      device: this.socket,
    })
    const onChange = () => this.reschedule()
    const onRejected = (rejection: WriteRejectedMessage) => this.onWriteRejected(entry, sync, rejection)
    sync.on('change', onChange)
    sync.on('write-rejected', onRejected)
    sync.connection.on('change', onChange)
    sync.pending.on('change', onChange)
    entry.detach = () => {
      sync.off('change', onChange)
      sync.off('write-rejected', onRejected)
      sync.connection.off('change', onChange)
      sync.pending.off('change', onChange)
    }
    entry.sync = sync
    return sync
  }

  private unload(entry: Entry): void {
    const sync = entry.sync
    if (!sync) return
    entry.detach?.()
    entry.detach = null
    entry.sync = null
    sync.destroy()
    entry.stored = readStoredPending(storage(), pendingChangesKey(this.user.id, entry.listId))
  }

  private forget(entry: Entry): void {
    this.unload(entry)
    this.entries.delete(entry.listId)
    void deleteReplica(this.user.id, entry.listId).catch(() => {})
  }

  /**
   * The server refused a write the device copy can never get accepted: the copy is discarded and
   * the list loaded afresh from the server; the list page says why.
   */
  private onWriteRejected(entry: Entry, sync: ListSync, rejection: WriteRejectedMessage): void {
    if (sync.pending.count === 0 && entry.resets > 0) return
    entry.resets++
    entry.notice = refusalNotice(rejection, sync.pending.count)
    entry.detach?.()
    entry.detach = null
    entry.sync = null
    entry.resetting = true
    this.emit('change', [])
    // The channel's close follows the refusal (except a viewer's): the list's next channel must not
    // open before it, or that close would end the new channel instead.
    const closed = rejection.rule === WriteRule.ReadOnly ? Promise.resolve() : stoppedOrAfter(sync, CLOSE_WAIT_MS)
    void closed.then(() => sync.discardDeviceCopy()).finally(() => {
      entry.resetting = false
      if (this.destroyed || this.entries.get(entry.listId) !== entry || entry.sync) return
      this.load(entry)
      this.emit('change', [])
      this.reschedule()
    })
  }

  /** Fetches the user's lists unless they were just fetched (by the lists page, say). */
  private async refreshLists(): Promise<void> {
    if (!navigator.onLine) return
    const cached = listsCache.read(this.user.id)
    if (cached && Date.now() - cached.savedAt < LISTS_FRESH_MS) return
    try {
      listsCache.write(this.user.id, await withToken((token) => api.lists(token)))
    } catch {
      // Offline or refused: the cached lists stay what the engine follows.
    }
  }

  private readonly onOnline = (): void => {
    this.newRound()
    void this.refreshLists()
  }

  /** Chromium keeps a socket "open" when the network goes: every channel would wait on a dead one. */
  private readonly onOffline = (): void => {
    this.socket.disconnect()
    this.reschedule()
  }

  private newRound(): void {
    this.roundStartedAt = Date.now()
    this.reschedule()
  }

  /** Plans and applies once per turn, however many changes asked for it. */
  private reschedule(): void {
    if (this.scheduled || this.destroyed) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      if (!this.destroyed) this.run()
    })
  }

  private run(): void {
    const cached = listsCache.read(this.user.id)
    const known = new Set((cached?.lists ?? []).map((list) => list.id))
    for (const listId of known) this.entry(listId)
    const copies = deviceCopies.read(this.user.id)
    const now = Date.now()
    const planned = [...this.entries.values()].map((entry) => this.plannedList(entry, known, copies, now))
    const plan = planSchedule({ lists: planned, online: navigator.onLine, listsKnown: cached !== null, roundStartedAt: this.roundStartedAt, limits: this.limits })

    for (const listId of plan.forget) {
      const entry = this.entries.get(listId)
      if (entry) this.forget(entry)
    }
    for (const listId of plan.unload) {
      const entry = this.entries.get(listId)
      if (entry) this.unload(entry)
    }
    for (const listId of plan.connect) {
      const entry = this.entries.get(listId)
      if (!entry || entry.resetting) continue
      if (entry.sync) entry.sync.connection.retryNow()
      else this.load(entry)
    }
    this.publish(planned.filter((list) => this.entries.has(list.id)))
  }

  private plannedList(entry: Entry, known: ReadonlySet<string>, copies: Record<string, number>, now: number): PlannedList {
    const sync = entry.sync
    const connection = sync?.connection.getSnapshot() ?? null
    const stopped = connection?.stopped ?? null
    if (stopped && (stopped.kind === 'access' || stopped.kind === 'deleted') && !entry.gone) {
      entry.gone = true
      listsCache.remove(this.user.id, entry.listId)
    }
    let phase: ListPhase = 'idle'
    if (connection) {
      if (stopped) phase = 'stopped'
      else if (connection.socket === 'connected' || connection.http === 'active') phase = 'live'
      else if (connection.socket === 'queued') phase = 'queued'
      else if (connection.socket === 'offline') phase = 'offline'
      else if (connection.socket === 'waiting') phase = 'retrying'
      else phase = 'connecting'
    }
    if (phase === 'live') {
      // Live means in sync now; the device copy is whole from here on.
      if (entry.syncedAt === null || copies[entry.listId] === undefined) deviceCopies.markSynced(this.user.id, entry.listId, now)
      entry.syncedAt = now
    }
    const pending = sync ? sync.pending.getSnapshot() : null
    return {
      id: entry.listId,
      known: known.has(entry.listId),
      phase,
      pending: pending ? pending.count : entry.stored.count,
      oldestPendingAt: pending ? (pending.changes[0]?.at ?? null) : entry.stored.oldestAt,
      downloaded: copies[entry.listId] !== undefined || phase === 'live' || (sync?.getSnapshot().downloaded ?? false),
      syncedAt: entry.syncedAt,
      usedAt: entry.usedAt,
      foreground: entry.foreground > 0,
      gone: entry.gone,
    }
  }

  private publish(planned: PlannedList[]): void {
    const lists = new Map<string, DeviceListState>()
    let pending = 0
    let listsWaiting = 0
    let stopped = 0
    for (const list of planned) {
      const entry = this.entries.get(list.id)
      const stop = entry?.sync?.connection.getSnapshot().stopped ?? null
      lists.set(list.id, { listId: list.id, phase: list.phase, pending: list.pending, downloaded: list.downloaded, foreground: list.foreground, stopped: stop })
      pending += list.pending
      if (list.pending > 0) listsWaiting++
      if (stop && !list.gone) stopped++
    }
    const updating = planned.filter((list) => list.phase !== 'live' && needsSync(list, this.roundStartedAt)).length
    const next: DeviceState = { online: navigator.onLine, lists, pending, listsWaiting, busy: planned.filter(isBusy).length, updating, stopped }
    if (!sameState(this.state, next)) {
      this.state = next
      this.emit('change', [])
    }
  }
}

function sameState(a: DeviceState, b: DeviceState): boolean {
  if (a.online !== b.online || a.pending !== b.pending || a.listsWaiting !== b.listsWaiting || a.busy !== b.busy || a.updating !== b.updating || a.stopped !== b.stopped) return false
  if (a.lists.size !== b.lists.size) return false
  for (const [id, list] of b.lists) {
    const other = a.lists.get(id)
    if (!other || other.phase !== list.phase || other.pending !== list.pending || other.downloaded !== list.downloaded || other.foreground !== list.foreground || other.stopped !== list.stopped) return false
  }
  return true
}
