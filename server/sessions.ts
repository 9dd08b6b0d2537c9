/**
 * Server-side sessions: every token names one (its `sid` claim), so a token
 * can be ended before it expires.
 *
 * - Signing up or logging in starts a session (device label from the
 *   User-Agent) and issues its first token.
 * - Every request and socket checks, after the token's signature, that its
 *   session exists and that the token is the session's current one
 *   (`assertLive`, called by `TokenService.verify`). Each node caches what it
 *   read for `cacheMs`, and not at all while the fan-out is disconnected.
 * - Refreshing rotates: the session gets a new token id in one
 *   compare-and-set, so the old token stops working, and a second refresh
 *   with it (a replay, or a copy held by someone else) is refused — unless
 *   it comes within `refreshGraceMs` of the rotation: the answer may have
 *   been lost, so it rotates again and the lost answer's token stops working
 *   (the grace counts from the first rotation and never extends).
 * - Sessions whose token expired are deleted every `sweepEveryMs`.
 * - Ending a session (log-out, "log out everywhere", ending one from the
 *   sessions list) deletes it and publishes the ids on the fan-out
 *   (node-protocol.ts `sessions`): every node drops its cached copy and
 *   closes the session's list and device sockets with 4001 at once
 *   (`onEnded`, socket-pool.ts).
 */
import { randomUUID } from 'node:crypto'
import { TokenError, TokenService, type SessionGate, type SessionRefusal, type TokenClaims } from './auth.ts'
import { subscribeDecoded, type Fanout } from './fanout.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { decodeSessionChange, encodeSessionChange, topics, type SessionChange } from './node-protocol.ts'
import type { SessionRecord, SessionStore } from './storage/storage.ts'

export interface SessionsOptions {
  store: SessionStore
  fanout: Fanout
  log: Logger
  secret: Uint8Array
  ttlSeconds: number
  /** How long a node trusts a session it read (revocations reach it on the fan-out meanwhile). */
  cacheMs?: number
  /**
   * A refresh's token can refresh again this long after it was replaced (the
   * answer carrying its successor may have been lost); 0: never. Default 0.
   */
  refreshGraceMs?: number
  /** Sessions whose token expired are deleted from the store this often (default 1 h; 0: never, as in tests). */
  sweepEveryMs?: number
  /** `lastUsedAt` is written at most this often per session and node. */
  touchEveryMs?: number
  /** Where tokens refused because of their session are counted, by reason. */
  metrics?: Pick<Metrics, 'sessionRefusals'>
}

/** What the user sees of one of their sessions. */
export interface SessionView {
  id: string
  device: string
  createdAt: number
  lastUsedAt: number
  /** The session of the token asking. */
  current: boolean
}

const DEFAULT_CACHE_MS = 5000
const DEFAULT_TOUCH_EVERY_MS = 60_000
const DEFAULT_SWEEP_EVERY_MS = 60 * 60_000
/** Sessions cached per node at most; past it the oldest entries go. */
const MAX_CACHED = 10_000
/** How long an ended session id is remembered, so a socket authorized just before the end is still refused. */
const REMEMBER_ENDED_MS = 60_000

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface Cached {
  record: SessionRecord | null
  at: number
}

export class Sessions implements SessionGate {
  readonly tokens: TokenService
  private readonly cache = new Map<string, Cached>()
  /** Reads in flight, shared by concurrent checks of one session. */
  private readonly reading = new Map<string, Promise<SessionRecord | null>>()
  /** Bumped whenever a session changes, so a read that started before cannot cache what it found. */
  private readonly generations = new Map<string, number>()
  private readonly ended = new Map<string, number>()
  private readonly listeners = new Set<(sessionId: string) => void>()
  private readonly unsubscribe: Array<() => void> = []
  private readonly cacheMs: number
  private readonly touchEveryMs: number
  private readonly sweepTimer: NodeJS.Timeout | null

  constructor(private readonly options: SessionsOptions) {
    this.tokens = new TokenService(options.secret, options.ttlSeconds, this)
    this.cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS
    this.touchEveryMs = options.touchEveryMs ?? DEFAULT_TOUCH_EVERY_MS
    const sweepEveryMs = options.sweepEveryMs ?? DEFAULT_SWEEP_EVERY_MS
    // Expired sessions can never be used again, but nothing else removes those of a user who never lists them.
    this.sweepTimer = sweepEveryMs > 0 ? setInterval(() => void this.sweepExpired(), sweepEveryMs) : null
    this.sweepTimer?.unref()
    const { fanout, log } = options
    this.unsubscribe.push(
      subscribeDecoded(fanout, topics.sessions, decodeSessionChange, log, 'session change', (change) => {
        if (change.kind === 'ended') this.markEnded(change.sessionIds)
        else this.forget(change.sessionId)
      }),
      // Changes published during the outage are lost: trust nothing read before it.
      fanout.onReconnect(() => this.cache.clear()),
    )
  }

  /** Starts a session for `user` on `device` and issues its first token. */
  async signIn(user: { id: string; name: string }, device: string, ttlSeconds?: number): Promise<{ token: string; expiresAt: number; sessionId: string }> {
    const sessionId = randomUUID()
    const { token, tokenId, expiresAt } = await this.tokens.issue(user, sessionId, ttlSeconds)
    const now = Date.now()
    await this.options.store.createSession({ id: sessionId, userId: user.id, device, createdAt: now, lastUsedAt: now, tokenId, expiresAt })
    return { token, expiresAt, sessionId }
  }

  /**
   * A new token for the session of `claims` (already verified); the old one
   * stops working. Throws TokenError if that token was rotated meanwhile or
   * the session ended.
   */
  async refresh(claims: TokenClaims, user: { id: string; name: string }): Promise<{ token: string; expiresAt: number }> {
    if (this.ended.has(claims.sessionId)) {
      this.refused('ended')
      throw new TokenError('session ended')
    }
    const { token, tokenId, expiresAt } = await this.tokens.issue(user, claims.sessionId)
    this.forget(claims.sessionId)
    const rotated = await this.options.store.rotateSession(claims.sessionId, claims.tokenId, { tokenId, expiresAt, at: Date.now() }, this.options.refreshGraceMs ?? 0)
    this.forget(claims.sessionId)
    if (!rotated) {
      this.refused('rotated')
      throw new TokenError('token already refreshed, or its session ended')
    }
    this.publish({ kind: 'rotated', sessionId: claims.sessionId })
    return { token, expiresAt }
  }

  /** Ends one of the user's sessions; false if the user has no such session. */
  async end(userId: string, sessionId: string): Promise<boolean> {
    // Session ids are UUIDs (signIn); anything else names no session, and is never handed to storage.
    if (!SESSION_ID.test(sessionId)) return false
    const session = await this.options.store.getSession(sessionId)
    if (!session || session.userId !== userId) return false
    await this.options.store.deleteSession(sessionId)
    this.announceEnded([sessionId])
    return true
  }

  /** Ends every session of the user ("log out everywhere"); returns how many. */
  async endAll(userId: string): Promise<number> {
    const ids = await this.options.store.deleteUserSessions(userId)
    this.announceEnded(ids)
    return ids.length
  }

  /** The user's usable sessions, most recently used first (those whose token expired are left out; the sweep deletes them). */
  async list(userId: string, currentSessionId: string): Promise<SessionView[]> {
    const now = Date.now()
    const sessions = await this.options.store.listSessions(userId)
    return sessions
      .filter((session) => session.expiresAt > now)
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt || a.createdAt - b.createdAt)
      .map((session) => ({ id: session.id, device: session.device, createdAt: session.createdAt, lastUsedAt: session.lastUsedAt, current: session.id === currentSessionId }))
  }

  /** Called for each session ended, on this node or another (after the ids are forgotten here). */
  onEnded(listener: (sessionId: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Whether this node learned, within the last minute, that the session ended. */
  isEnded(sessionId: string): boolean {
    return this.ended.has(sessionId)
  }

  /** SessionGate: the token is its session's current one, and the session exists. */
  async assertLive(claims: TokenClaims): Promise<void> {
    if (this.ended.has(claims.sessionId)) throw new TokenError('session ended', 'ended')
    const record = await this.read(claims.sessionId)
    if (!record || record.userId !== claims.userId) throw new TokenError('session ended', 'missing')
    if (record.tokenId !== claims.tokenId) throw new TokenError('token replaced by a newer one', 'rotated')
    const now = Date.now()
    if (now - record.lastUsedAt >= this.touchEveryMs) {
      record.lastUsedAt = now
      this.options.store.touchSession(record.id, now).catch((err: unknown) => this.options.log.warn({ err }, 'recording a session\'s last use failed'))
    }
  }

  /** SessionGate: counts a token refused because of its session (`colist_session_refusals_total{reason}`). */
  refused(reason: SessionRefusal): void {
    this.options.metrics?.sessionRefusals.inc({ reason })
  }

  /** Deletes every session whose token expired (every node runs it; deleting twice is harmless). */
  async sweepExpired(now = Date.now()): Promise<number> {
    try {
      return await this.options.store.deleteExpiredSessions(now)
    } catch (err) {
      this.options.log.warn({ err }, 'removing expired sessions failed')
      return 0
    }
  }

  close(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe()
    this.listeners.clear()
    this.cache.clear()
  }

  private async read(sessionId: string): Promise<SessionRecord | null> {
    const now = Date.now()
    const cached = this.cache.get(sessionId)
    if (cached && now - cached.at < this.cacheMs && this.options.fanout.connected) return cached.record
    let reading = this.reading.get(sessionId)
    if (!reading) {
      const generation = this.generations.get(sessionId) ?? 0
      const started: Promise<SessionRecord | null> = this.options.store.getSession(sessionId).finally(() => {
        if (this.reading.get(sessionId) === started) this.reading.delete(sessionId)
      })
      reading = started
      this.reading.set(sessionId, reading)
      void reading.then(
        (record) => {
          if ((this.generations.get(sessionId) ?? 0) !== generation) return
          this.cache.delete(sessionId)
          this.cache.set(sessionId, { record, at: now })
          if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!)
        },
        () => {},
      )
    }
    return reading
  }

  /** Drops what this node knows of the session, and makes a read in flight not cache it. */
  private forget(sessionId: string): void {
    this.cache.delete(sessionId)
    this.reading.delete(sessionId)
    this.generations.set(sessionId, (this.generations.get(sessionId) ?? 0) + 1)
    // Generations only matter while a read is in flight; keep the map from growing without bound.
    if (this.generations.size > MAX_CACHED) this.generations.delete(this.generations.keys().next().value!)
  }

  private announceEnded(sessionIds: string[]): void {
    if (sessionIds.length === 0) return
    this.publish({ kind: 'ended', sessionIds })
    this.markEnded(sessionIds)
  }

  private markEnded(sessionIds: string[]): void {
    const now = Date.now()
    for (const [id, at] of this.ended) {
      if (now - at < REMEMBER_ENDED_MS) break
      this.ended.delete(id)
    }
    for (const id of sessionIds) {
      this.forget(id)
      this.ended.delete(id)
      this.ended.set(id, now)
    }
    for (const id of sessionIds) for (const listener of this.listeners) listener(id)
  }

  private publish(change: SessionChange): void {
    this.options.fanout.publish(topics.sessions, encodeSessionChange(change))
  }
}

/** A short name for the device a request came from, from its User-Agent: "Firefox on Android". */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? ''
  const browser =
    /Edg(e|A|iOS)?\//.test(ua) ? 'Edge'
    : /OPR\/|Opera/.test(ua) ? 'Opera'
    : /Firefox\/|FxiOS\//.test(ua) ? 'Firefox'
    : /Chrome\/|CriOS\/|Chromium\//.test(ua) ? 'Chrome'
    : /Safari\//.test(ua) ? 'Safari'
    : null
  const os =
    /iPhone/.test(ua) ? 'iPhone'
    : /iPad/.test(ua) ? 'iPad'
    : /Android/.test(ua) ? 'Android'
    : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X|Macintosh/.test(ua) ? 'Mac'
    : /CrOS/.test(ua) ? 'ChromeOS'
    : /Linux/.test(ua) ? 'Linux'
    : null
  if (browser && os) return `${browser} on ${os}`
  if (browser || os) return (browser ?? os)!
  // Printable ASCII only: the label is shown to the user as it is.
  const trimmed = ua.replace(/[^\x20-\x7e]/g, '').trim().slice(0, 60)
  return trimmed || 'Unknown device'
}
