/**
 * Syncs a list over plain HTTP while its WebSocket cannot connect (a proxy
 * that blocks upgrades) but HTTP gets through: pull what the server has with
 * our state vector every few seconds, push our changes as soon as they are
 * made. No presence travels this way; it needs the socket.
 */
import { ObservableV2 } from 'lib0/observable'
import * as Y from 'yjs'
import { isWriteRule, writeRejection, type WriteRejectedMessage } from '../../../shared/protocol.ts'
import { ApiError, NetworkError, api } from '../api.ts'
import { reconnectDelay } from './backoff.ts'
import type { FallbackSync, FallbackSyncEvents } from './connection.ts'
import type { PendingChanges } from './pending-changes.ts'

/** Origin of updates pulled over HTTP, so they are not mistaken for local changes. */
export const HTTP_SYNC_ORIGIN = Symbol('colist:http-sync')

export interface HttpSyncOptions {
  doc: Y.Doc
  listId: string
  pending: PendingChanges
  withToken: <T>(call: (token: string) => Promise<T>) => Promise<T>
  /** Viewers only pull. */
  canWrite: () => boolean
  pollIntervalMs?: number
}

/**
 * What HttpSync reports, beside `phase` and `unauthorized` (FallbackSyncEvents,
 * which the connection follows). After each of these it has stopped trying.
 */
export interface HttpSyncEvents extends FallbackSyncEvents {
  /** The server says this list is gone or no longer ours (HTTP 403/404). */
  refused: (status: number) => void
  /** The server refused our write (its error `code` is a `WriteRule`). */
  'write-rejected': (rejection: WriteRejectedMessage) => void
  /** The list owner's storage is full (HTTP 413 `storage_quota`, the socket's 4414). */
  'storage-full': (message: string) => void
}

/** The error code of HTTP 413 when the list owner's storage is full (server/http/sync-routes.ts). */
const STORAGE_QUOTA = 'storage_quota'

/** Local edits are pushed this soon after they are made, so a burst of typing goes as one request. */
const PUSH_DELAY_MS = 150

/**
 * Started, stopped and polled by its list's connection (connection.ts); it
 * reports only through its events, so neither calls the other back.
 */
export class HttpSync extends ObservableV2<HttpSyncEvents> implements FallbackSync {
  private running = false
  private inFlight: Promise<void> | null = null
  private again = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private abort: AbortController | null = null
  /** What the server is known to store; pushes send everything beyond it. */
  private serverState: Uint8Array | undefined
  /** Failed cycles in a row; polling backs off like the socket does while the server is unreachable. */
  private failures = 0

  constructor(private readonly options: HttpSyncOptions) {
    super()
  }

  get active(): boolean {
    return this.running
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.failures = 0
    this.options.doc.on('update', this.onUpdate)
    this.runSoon(0)
  }

  stop(): void {
    if (!this.running) return
    this.running = false
    clearTimeout(this.timer)
    this.abort?.abort()
    this.abort = null
    this.options.doc.off('update', this.onUpdate)
    this.emit('phase', ['off'])
  }

  pollNow(): void {
    if (this.running) this.runSoon(0)
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    if (transaction.local && origin !== HTTP_SYNC_ORIGIN) this.runSoon(PUSH_DELAY_MS)
  }

  private runSoon(delay: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.run(), delay)
  }

  private run(): void {
    if (!this.running) return
    if (this.inFlight) {
      this.again = true
      return
    }
    this.inFlight = this.cycle().finally(() => {
      this.inFlight = null
      if (!this.running) return
      if (this.again) {
        this.again = false
        this.runSoon(0)
      } else {
        this.runSoon(this.failures > 0 ? reconnectDelay(this.failures - 1) : (this.options.pollIntervalMs ?? 3000))
      }
    })
  }

  private async cycle(): Promise<void> {
    const { doc, listId, pending, withToken } = this.options
    this.abort = new AbortController()
    const signal = this.abort.signal
    try {
      const pulled = await withToken((token) => api.pullUpdate(token, listId, Y.encodeStateVector(doc), signal))
      if (!this.running) return
      for (const update of pulled.updates) Y.applyUpdate(doc, update, HTTP_SYNC_ORIGIN)
      if (pulled.persisted) {
        this.serverState = pulled.persisted
        pending.acknowledge(Y.decodeStateVector(pulled.persisted))
      }
      if (pending.count > 0 && this.options.canWrite()) {
        // Carries every struct the server may lack and our whole delete set, so deletions go too.
        const update = Y.encodeStateAsUpdate(doc, this.serverState)
        const persisted = await withToken((token) => api.pushUpdate(token, listId, update, signal))
        if (!this.running) return
        this.serverState = persisted
        pending.acknowledge(Y.decodeStateVector(persisted))
      }
      this.failures = 0
      this.emit('phase', ['active'])
    } catch (err) {
      if (!this.running || signal.aborted) return
      this.failures++
      if (err instanceof ApiError && err.status === 401) return this.emit('unauthorized', [])
      // A refused write names the rule it broke; the same rules as over the socket, the same handling.
      if (err instanceof ApiError && isWriteRule(err.code)) return this.emit('write-rejected', [writeRejection(err.code, err.message)])
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return this.emit('refused', [err.status])
      if (err instanceof ApiError && err.status === 413 && err.code === STORAGE_QUOTA) return this.emit('storage-full', [err.message])
      // Anything else (an update or header that does not decode) is the server's problem, not a reason to stop trying.
      if (!(err instanceof NetworkError || err instanceof ApiError)) console.warn('HTTP sync failed', err)
      this.emit('phase', ['failing'])
    } finally {
      this.abort = null
    }
  }
}
