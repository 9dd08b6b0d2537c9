/**
 * Who is signed in on this device, kept in localStorage so it survives a
 * reload and works offline.
 *
 * A token that stops working does not sign the user out: the session turns
 * `expired`, which keeps the user (so their lists and unsynced edits on this
 * device stay reachable) until they log in again. Tokens are renewed halfway
 * through their life while the app is open, so that is rare.
 */
import { z } from 'zod/mini'
import type { PublicUser } from '../../../shared/api.ts'
import { ApiError, NetworkError, api } from '../api.ts'
import { PublicUserSchema } from '../api-schemas.ts'

const STORAGE_KEY = 'colist:session'
/** setTimeout counts in a signed 32-bit int; longer waits fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

const StoredAuthSchema = z.object({
  token: z.string().check(z.minLength(1)),
  expiresAt: z.number(),
  issuedAt: z.number(),
  user: PublicUserSchema,
})
export type StoredAuth = z.infer<typeof StoredAuthSchema>

export type SessionState =
  | { status: 'signed-out' }
  | { status: 'signed-in'; auth: StoredAuth }
  /** The token no longer works; the user is still known so their data on this device stays usable. */
  | { status: 'expired'; auth: StoredAuth }

/** The Web Lock that makes renewals one at a time across tabs. */
const RENEW_LOCK = 'colist:renew-session'

export class SessionStore {
  private state: SessionState
  private readonly listeners = new Set<() => void>()
  private refreshTimer: ReturnType<typeof setTimeout> | undefined
  private renewing: Promise<boolean> | null = null

  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {
    this.state = this.read()
    this.scheduleRefresh()
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSnapshot = (): SessionState => this.state

  get user(): PublicUser | null {
    return this.state.status === 'signed-out' ? null : this.state.auth.user
  }

  /** The bearer token, or null when there is none that could work. */
  get token(): string | null {
    return this.state.status === 'signed-in' ? this.state.auth.token : null
  }

  async login(email: string, password: string): Promise<PublicUser> {
    return this.accept(await api.login({ email, password }))
  }

  async signup(email: string, password: string, name: string): Promise<PublicUser> {
    return this.accept(await api.signup({ email, password, name }))
  }

  /**
   * Signs out here at once, and ends the session on the server (its token
   * stops working everywhere it was copied to, its sockets close). Offline,
   * only this device forgets the token; the server ends the session when the
   * token expires, or from another device's sessions list.
   */
  logout(): void {
    const token = this.state.status === 'signed-out' ? null : this.state.auth.token
    this.write({ status: 'signed-out' })
    if (token) api.logout(token).catch(() => {})
  }

  /** "Log out everywhere": ends every session of the user on the server, then signs out here. */
  async logoutEverywhere(): Promise<void> {
    await withToken((token) => api.logoutEverywhere(token))
    this.write({ status: 'signed-out' })
  }

  /** Ends the session of another device; `this` device's own goes through `logout`. */
  async endSession(sessionId: string): Promise<void> {
    await withToken((token) => api.endSession(token, sessionId))
  }

  /**
   * Called when the server refused our token (HTTP 401, socket close 4001).
   * Tries to renew it; resolves whether there is a working token now. A
   * network failure leaves the session as it is: offline is not signed out.
   */
  renew(): Promise<boolean> {
    this.renewing ??= this.tryRenew().finally(() => {
      this.renewing = null
    })
    return this.renewing
  }

  /** Reloads the session another tab changed. */
  syncFromStorage(): void {
    this.state = this.read()
    this.scheduleRefresh()
    this.notify()
  }

  /**
   * One renewal at a time across this browser's tabs (they share the stored
   * session): renewing rotates the token, so a second tab renewing with the
   * same token at the same moment — their timers fire together — is refused,
   * and its "expired" could overwrite the new token the first one stored,
   * signing every tab out. Under the lock, a tab first looks at what is
   * stored: a token another tab renewed meanwhile is taken as is.
   */
  private tryRenew(): Promise<boolean> {
    // The token found due; once the lock is ours, another tab may have replaced it already.
    const due = this.token
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
    return locks ? locks.request(RENEW_LOCK, () => this.renewUnlessRenewed(due)) : this.renewUnlessRenewed(due)
  }

  private async renewUnlessRenewed(due: string | null): Promise<boolean> {
    const stored = this.read()
    if (stored.status === 'signed-in' && stored.auth.token !== due) {
      this.syncFromStorage()
      return true
    }
    const state = this.state
    if (state.status !== 'signed-in') return false
    if (state.auth.expiresAt <= this.now()) {
      this.write({ status: 'expired', auth: state.auth })
      return false
    }
    try {
      this.accept(await api.refresh(state.auth.token))
      return true
    } catch (err) {
      if (err instanceof NetworkError) return false
      if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
        // Only expire the token we tried: a login that finished meanwhile wins.
        if (this.token === state.auth.token) this.write({ status: 'expired', auth: state.auth })
        return false
      }
      return this.token !== null
    }
  }

  private accept(response: { token: string; expiresAt: number; user: PublicUser }): PublicUser {
    this.write({ status: 'signed-in', auth: { ...response, issuedAt: this.now() } })
    return response.user
  }

  private write(state: SessionState): void {
    this.state = state
    try {
      if (state.status === 'signed-out') this.storage.removeItem(STORAGE_KEY)
      else this.storage.setItem(STORAGE_KEY, JSON.stringify(state.auth))
    } catch {
      // Private mode or a full disk: the session still works until the tab closes.
    }
    this.scheduleRefresh()
    this.notify()
  }

  private read(): SessionState {
    let raw: string | null = null
    try {
      raw = this.storage.getItem(STORAGE_KEY)
    } catch {
      return { status: 'signed-out' }
    }
    if (!raw) return { status: 'signed-out' }
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      return { status: 'signed-out' }
    }
    const result = StoredAuthSchema.safeParse(parsed)
    if (!result.success) return { status: 'signed-out' }
    return result.data.expiresAt > this.now() ? { status: 'signed-in', auth: result.data } : { status: 'expired', auth: result.data }
  }

  /** Renews halfway through the token's life, so an app left open never meets an expired token. */
  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer)
    if (this.state.status !== 'signed-in') return
    const { issuedAt, expiresAt } = this.state.auth
    const at = issuedAt + (expiresAt - issuedAt) / 2
    const delay = Math.min(Math.max(at - this.now(), 0), MAX_TIMER_MS)
    this.refreshTimer = setTimeout(() => {
      void this.renew()
    }, delay)
  }

  private notify(): void {
    for (const listener of this.listeners) listener()
  }
}

export const session = new SessionStore(window.localStorage)

window.addEventListener('storage', (event) => {
  if (event.key === STORAGE_KEY || event.key === null) session.syncFromStorage()
})
// A token due for renewal while the device was offline is renewed as soon as it is back.
window.addEventListener('online', () => {
  const state = session.getSnapshot()
  if (state.status === 'signed-in' && state.auth.issuedAt + (state.auth.expiresAt - state.auth.issuedAt) / 2 <= Date.now()) {
    void session.renew()
  }
})

/**
 * Runs an API call with the current token; a 401 triggers one renewal and
 * one retry, and if that fails the session turns `expired` and the error is
 * rethrown.
 */
export async function withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
  const token = session.token
  if (!token) throw new ApiError(401, 'unauthorized', 'log in to continue')
  try {
    return await call(token)
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err
    if (!(await session.renew())) throw err
    const renewed = session.token
    if (!renewed) throw err
    return call(renewed)
  }
}
