/**
 * Keeps one list's WebSocket connected, on our schedule rather than
 * y-websocket's.
 *
 * The provider is the unmodified y-websocket client. It would reconnect by
 * itself with a short exponential backoff and knows nothing about the
 * network, so this class takes the timing over: after every close it stops
 * the provider's own retry, decides from the close code whether to retry at
 * all, and calls `provider.connect()` after a jittered 1–2–5–10–30 s backoff,
 * or at once when the browser comes back online or the tab becomes visible.
 *
 * Chromium keeps a WebSocket "open" when the network disappears, and the
 * provider ignores online/offline events, so going offline closes the socket
 * here. A socket that keeps failing while HTTP works (a proxy that blocks
 * upgrades) switches syncing to HTTP until the socket gets through.
 */
import { ObservableV2 } from 'lib0/observable'
import type { WebsocketProvider } from 'y-websocket'
import { CloseCode, describeClose, isRetryableClose } from '../../../shared/protocol.ts'
import { reconnectDelay } from './backoff.ts'
import { INITIAL_CONNECTION_STATE, type ConnectionState, type HttpPhase, type StopReason } from './connection-state.ts'
import { canRetryStop, stopReasonForClose as reasonForClose } from './refusals.ts'

/** The HTTP-sync side, as the connection drives it. */
/** What a fallback tells the connection that runs it. */
export interface FallbackSyncEvents {
  /** How it is doing. */
  phase: (phase: HttpPhase) => void
  /** The server refused our token there too. */
  unauthorized: () => void
}

/** A second way to sync while the socket cannot connect (http-fallback.ts); the connection starts and stops it, and follows its events. */
export interface FallbackSync {
  start(): void
  stop(): void
  /** Pulls at once (e.g. the tab became visible). */
  pollNow(): void
  on<E extends keyof FallbackSyncEvents>(event: E, listener: FallbackSyncEvents[E]): unknown
  off<E extends keyof FallbackSyncEvents>(event: E, listener: FallbackSyncEvents[E]): void
}

export interface ListConnectionOptions {
  provider: WebsocketProvider
  fallback: FallbackSync
  /** The current bearer token, or null when there is none that works. */
  token: () => string | null
  /** Tries to renew a token the server refused; resolves whether one works now. */
  renewToken: () => Promise<boolean>
  /** Consecutive attempts that end before the first sync, after which HTTP sync is tried. */
  fallbackAfter?: number
  random?: () => number
  now?: () => number
}

const SIGNED_OUT: StopReason = { kind: 'auth', code: CloseCode.Unauthorized.code, message: 'Signed out — log in to sync this list' }

/** Why syncing stopped after a final close: by code (refusals.ts), or the protocol's description of it. */
export function stopReasonForClose(code: number, reason: string): StopReason {
  return reasonForClose(code, describeClose(code)?.reason ?? reason)
}

export class ListConnection extends ObservableV2<{ change: () => void }> {
  private state: ConnectionState = INITIAL_CONNECTION_STATE
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  /** Set while this class closes the socket itself, so that close is not treated as a failure. */
  private closingOnPurpose = false
  private failedBeforeSync = 0
  private destroyed = false
  /** Whether coming online or the tab becoming visible reconnects by itself (see `setAutoReconnect`). */
  private autoReconnect = true
  private readonly provider: WebsocketProvider
  private readonly random: () => number
  private readonly now: () => number

  constructor(private readonly options: ListConnectionOptions) {
    super()
    this.provider = options.provider
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.provider.on('sync', this.onSync)
    this.provider.on('connection-close', this.onClose)
    options.fallback.on('phase', this.onHttpPhase)
    options.fallback.on('unauthorized', this.onHttpUnauthorized)
  }

  getSnapshot = (): ConnectionState => this.state

  start(): void {
    window.addEventListener('online', this.onOnline)
    window.addEventListener('offline', this.onOffline)
    document.addEventListener('visibilitychange', this.onVisibility)
    if (navigator.onLine) this.connectNow()
    else this.goOffline()
  }

  /** Tries at once, forgetting the backoff (the "Retry now" button, online, visible). */
  retryNow(): void {
    if (this.state.stopped && this.state.stopped.kind !== 'auth') return
    this.update({ attempt: 0 })
    this.connectNow()
  }

  /**
   * Off for a list in the background: the device sync engine decides when it reconnects after the
   * network comes back (the list on screen first, a few at a time), and calls `retryNow`.
   */
  setAutoReconnect(on: boolean): void {
    this.autoReconnect = on
  }

  /** "Try again" on a stop that may pass (too many new clientIDs, timestamps ahead of the server). */
  resume(): void {
    if (!this.state.stopped || !canRetryStop(this.state.stopped)) return
    this.update({ stopped: null, attempt: 0 })
    this.connectNow()
  }

  /** After the user logged in again: resumes a connection stopped for want of a token. */
  resumeAfterLogin(): void {
    if (this.state.stopped?.kind !== 'auth') return
    this.update({ stopped: null, attempt: 0 })
    this.connectNow()
  }

  /** Stops for good (access revoked, list deleted), e.g. when HTTP sync learns it first. */
  stop(reason: StopReason): void {
    clearTimeout(this.retryTimer)
    this.closeSocket()
    this.options.fallback.stop()
    this.update({ socket: 'stopped', stopped: reason, retryAt: null, http: 'off' })
  }

  private readonly onHttpPhase = (http: HttpPhase): void => {
    if (http !== this.state.http) this.update({ http })
  }

  private readonly onHttpUnauthorized = (): void => {
    void this.reauthenticate()
  }

  override destroy(): void {
    this.destroyed = true
    clearTimeout(this.retryTimer)
    window.removeEventListener('online', this.onOnline)
    window.removeEventListener('offline', this.onOffline)
    document.removeEventListener('visibilitychange', this.onVisibility)
    this.provider.off('sync', this.onSync)
    this.provider.off('connection-close', this.onClose)
    this.options.fallback.off('phase', this.onHttpPhase)
    this.options.fallback.off('unauthorized', this.onHttpUnauthorized)
    this.closeSocket()
    this.options.fallback.stop()
    super.destroy()
  }

  private connectNow(): void {
    if (this.destroyed) return
    if (this.state.stopped && this.state.stopped.kind !== 'auth') return
    clearTimeout(this.retryTimer)
    if (!navigator.onLine) return this.goOffline()
    const token = this.options.token()
    if (!token) return this.stop(SIGNED_OUT)
    // The provider reads params on every connect, so a renewed token is used from the next socket on.
    this.provider.params = { ...this.provider.params, token }
    if (this.state.socket !== 'connected') this.update({ socket: 'connecting', retryAt: null, stopped: null })
    this.provider.connect()
  }

  private goOffline(): void {
    clearTimeout(this.retryTimer)
    this.closeSocket()
    this.options.fallback.stop()
    this.update({ socket: 'offline', retryAt: null, http: 'off' })
  }

  private closeSocket(): void {
    this.closingOnPurpose = true
    try {
      this.provider.disconnect()
    } finally {
      this.closingOnPurpose = false
    }
  }

  private scheduleRetry(): void {
    if (!navigator.onLine) return this.goOffline()
    const delay = reconnectDelay(this.state.attempt, this.random)
    this.update({ socket: 'waiting', attempt: this.state.attempt + 1, retryAt: this.now() + delay })
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => this.connectNow(), delay)
  }

  private async reauthenticate(): Promise<void> {
    clearTimeout(this.retryTimer)
    this.update({ socket: 'connecting', retryAt: null })
    const renewed = await this.options.renewToken()
    if (this.destroyed || this.state.socket === 'stopped') return
    if (renewed) return this.connectNow()
    // No token at all means the session expired; otherwise renewal failed for network reasons.
    if (this.options.token() === null) return this.stop(SIGNED_OUT)
    this.scheduleRetry()
  }

  private readonly onSync = (synced: boolean): void => {
    if (!synced) return
    this.failedBeforeSync = 0
    this.options.fallback.stop()
    this.update({ socket: 'connected', attempt: 0, retryAt: null, http: 'off' })
  }

  private readonly onClose = (event: CloseEvent | null): void => {
    // The provider schedules its own reconnect right after this event; turning
    // shouldConnect off makes that a no-op, so our timer alone decides.
    this.provider.shouldConnect = false
    const code = event?.code ?? null
    const reason = event?.reason || (this.closingOnPurpose ? 'closed by this app' : event ? '' : 'no message from the server for 30 s')
    const wasSynced = this.state.socket === 'connected'
    this.update({ lastClose: { code, reason, at: this.now() } })
    if (this.closingOnPurpose || this.destroyed) return
    if (code === CloseCode.Unauthorized.code) {
      void this.reauthenticate()
      return
    }
    if (code !== null && !isRetryableClose(code)) return this.stop(stopReasonForClose(code, reason))
    if (!wasSynced) this.failedBeforeSync++
    this.scheduleRetry()
    if (this.failedBeforeSync >= (this.options.fallbackAfter ?? 2) && navigator.onLine) this.options.fallback.start()
  }

  private readonly onOnline = (): void => {
    if (this.autoReconnect) return this.retryNow()
    if (this.state.socket === 'offline') this.update({ socket: 'queued', attempt: 0 })
  }

  private readonly onOffline = (): void => {
    if (this.state.socket !== 'stopped') this.goOffline()
  }

  private readonly onVisibility = (): void => {
    if (document.visibilityState !== 'visible') return
    if (!this.autoReconnect) return
    if (this.state.socket === 'waiting' || (this.state.socket === 'offline' && navigator.onLine)) this.retryNow()
    if (this.state.http !== 'off') this.options.fallback.pollNow()
  }

  private update(patch: Partial<ConnectionState>): void {
    this.state = { ...this.state, ...patch }
    this.emit('change', [])
  }
}
