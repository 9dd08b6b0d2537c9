/**
 * Rate limits on log-in and sign-up, in front of the auth routes (which stay
 * unaware of them): every refusal is a 429 with a `Retry-After` header and a
 * code, before any password is hashed.
 *
 * Log-in (`POST /api/auth/login`):
 * - attempts per client address and per account (the email) per minute
 *   (`too_many_attempts`), taken atomically before the password is checked,
 *   so a burst in parallel is bounded too;
 * - exponential back-off on failures (`login_backoff`): past the free
 *   failures of an account (or an address), each further failure makes the
 *   next attempt wait 1 s, 2 s, 4 s … up to `LOGIN_MAX_BACKOFF_SECONDS`. A
 *   successful log-in clears the account's failures (not the address's: an
 *   attacker's own account must not reset them).
 *
 * Sign-up (`POST /api/auth/signup`): sign-ups per address and per email per
 * hour (`too_many_signups`).
 *
 * In a cluster the counters are in Redis (server/limiters.ts), so the limits
 * hold across nodes. The client address is express's `req.ip`: behind a proxy
 * set TRUST_PROXY, or every client counts as the proxy.
 */
import { Router, type Request, type Response } from 'express'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import type { AuthLimitsConfig } from '../config.ts'
import { retryAfterSeconds, take, type LimiterStore } from '../limiters.ts'
import type { Metrics } from '../metrics.ts'
import { HttpError } from './errors.ts'

/** Why an auth request was refused: the `reason` label of `colist_auth_refusals_total`. */
export type AuthRefusal = 'login_ip_rate' | 'login_account_rate' | 'login_ip_backoff' | 'login_account_backoff' | 'signup_ip_rate' | 'signup_email_rate'

const DAY_SECONDS = 24 * 3600

/** Failures of one kind of key, and the back-off they earn. */
class Backoff {
  private readonly failures: RateLimiterAbstract
  private readonly blocks: RateLimiterAbstract

  constructor(
    store: LimiterStore,
    name: string,
    private readonly freeFailures: number,
    private readonly maxSeconds: number,
  ) {
    // A failure is forgotten a day after the first one of its run.
    this.failures = store.limiter({ keyPrefix: `${name}:failures`, points: Number.MAX_SAFE_INTEGER, duration: DAY_SECONDS })
    this.blocks = store.limiter({ keyPrefix: `${name}:blocked`, points: 1, duration: 1 })
  }

  /** Milliseconds the key must still wait, or null. */
  async waitMs(key: string): Promise<number | null> {
    const res = await this.blocks.get(key)
    return res && res.consumedPoints > 1 && res.msBeforeNext > 0 ? res.msBeforeNext : null
  }

  async failed(key: string): Promise<void> {
    const { consumedPoints } = await this.failures.consume(key)
    const past = consumedPoints - this.freeFailures
    if (past > 0) await this.blocks.block(key, Math.min(2 ** (past - 1), this.maxSeconds))
  }

  async succeeded(key: string): Promise<void> {
    await Promise.all([this.failures.delete(key), this.blocks.delete(key)])
  }
}

export class LoginLimits {
  private readonly loginPerIp: RateLimiterAbstract
  private readonly loginPerAccount: RateLimiterAbstract
  private readonly signupPerIp: RateLimiterAbstract
  private readonly signupPerEmail: RateLimiterAbstract
  private readonly accountBackoff: Backoff
  private readonly ipBackoff: Backoff

  constructor(
    store: LimiterStore,
    config: AuthLimitsConfig,
    private readonly metrics: Metrics,
  ) {
    this.loginPerIp = store.limiter({ keyPrefix: 'login:ip', points: config.loginPerIpPerMinute, duration: 60 })
    this.loginPerAccount = store.limiter({ keyPrefix: 'login:account', points: config.loginPerAccountPerMinute, duration: 60 })
    this.signupPerIp = store.limiter({ keyPrefix: 'signup:ip', points: config.signupsPerIpPerHour, duration: 3600 })
    this.signupPerEmail = store.limiter({ keyPrefix: 'signup:email', points: config.signupsPerEmailPerHour, duration: 3600 })
    this.accountBackoff = new Backoff(store, 'login:account', config.freeFailuresPerAccount, config.maxBackoffSeconds)
    this.ipBackoff = new Backoff(store, 'login:ip', config.freeFailuresPerIp, config.maxBackoffSeconds)
  }

  /** An operator set the account's password (`colist users reset-password`): its failed log-ins and back-off are forgotten, as after a log-in. */
  async passwordReset(email: string): Promise<void> {
    await this.accountBackoff.succeeded(email.trim().toLowerCase())
  }

  /** Middleware for `/api`, after the JSON body parser and before the auth routes. */
  router(): Router {
    const router = Router()
    router.post('/auth/login', async (req, res, next) => {
      const ip = clientAddress(req)
      const email = emailOf(req)
      // Back-off first: a refused attempt should not also use up the per-minute allowance.
      await this.refuseIfWaiting(res, this.ipBackoff, ip, 'login_ip_backoff')
      if (email) await this.refuseIfWaiting(res, this.accountBackoff, email, 'login_account_backoff')
      await this.refuseIfOver(res, this.loginPerIp, ip, 'login_ip_rate', 'too_many_attempts', 'too many log-in attempts from this address')
      if (email) await this.refuseIfOver(res, this.loginPerAccount, email, 'login_account_rate', 'too_many_attempts', 'too many log-in attempts for this account')
      res.on('finish', () => {
        if (res.statusCode === 401) {
          void Promise.all([this.ipBackoff.failed(ip), email ? this.accountBackoff.failed(email) : null]).catch(() => {})
        } else if (res.statusCode === 200 && email) {
          void this.accountBackoff.succeeded(email).catch(() => {})
        }
      })
      next()
    })
    router.post('/auth/signup', async (req, res, next) => {
      const email = emailOf(req)
      await this.refuseIfOver(res, this.signupPerIp, clientAddress(req), 'signup_ip_rate', 'too_many_signups', 'too many sign-ups from this address')
      if (email) await this.refuseIfOver(res, this.signupPerEmail, email, 'signup_email_rate', 'too_many_signups', 'too many sign-ups for this email')
      next()
    })
    return router
  }

  private async refuseIfWaiting(res: Response, backoff: Backoff, key: string, reason: AuthRefusal): Promise<void> {
    const ms = await backoff.waitMs(key)
    if (ms !== null) this.refuse(res, ms, reason, 'login_backoff', 'too many failed log-ins: wait before trying again')
  }

  private async refuseIfOver(res: Response, limiter: RateLimiterAbstract, key: string, reason: AuthRefusal, code: string, message: string): Promise<void> {
    const ms = await take(limiter, key)
    if (ms !== null) this.refuse(res, ms, reason, code, message)
  }

  private refuse(res: Response, ms: number, reason: AuthRefusal, code: string, message: string): never {
    const seconds = retryAfterSeconds(ms)
    this.metrics.authRefusals.inc({ reason })
    res.set('Retry-After', String(seconds))
    throw new HttpError(429, code, message, { retryAfterSeconds: seconds })
  }
}

function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown'
}

/** The email as the account store keys it (shared/api.ts lower-cases and trims), or null if there is none. */
function emailOf(req: Request): string | null {
  const email: unknown = (req.body as { email?: unknown } | undefined)?.email
  if (typeof email !== 'string') return null
  const normalised = email.trim().toLowerCase()
  return normalised.length > 0 && normalised.length <= 254 ? normalised : null
}
