/**
 * Per-user quotas on creating lists, in front of the list routes (which stay
 * unaware of them), like the log-in limits (login-limits.ts):
 *
 * - new lists per user per minute (`LISTS_PER_MINUTE`): 429 `list_rate` with
 *   a `Retry-After` header, counted in the limiter store (Redis in a cluster);
 * - lists owned per user (`MAX_LISTS_PER_USER`): 403 `list_quota`. Creates in
 *   flight on this node count too, so a parallel burst cannot slip past it.
 *
 * Deleting a list frees its place at once, and its bytes in the storage quota
 * (storage-quota.ts).
 */
import { Router, type RequestHandler } from 'express'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import type { QuotaConfig } from '../config.ts'
import { retryAfterSeconds, take, type LimiterStore } from '../limiters.ts'
import type { Metrics } from '../metrics.ts'
import type { StorageQuota } from '../storage-quota.ts'
import type { AccountStore } from '../storage/storage.ts'
import { currentUser } from './access.ts'
import { HttpError } from './errors.ts'

/** Why a request or socket was refused: the `reason` label of `colist_quota_refusals_total`. */
export type QuotaRefusal = 'list_quota' | 'list_rate' | 'socket_quota' | 'storage_quota'

export class ListQuotas {
  private readonly perMinute: RateLimiterAbstract
  /** Creates on this node not answered yet, per user. */
  private readonly inFlight = new Map<string, number>()

  constructor(
    store: LimiterStore,
    private readonly config: QuotaConfig,
    private readonly accounts: AccountStore,
    private readonly metrics: Metrics,
    private readonly storage: StorageQuota,
  ) {
    this.perMinute = store.limiter({ keyPrefix: 'lists:created', points: config.listsPerMinute, duration: 60 })
  }

  /** Middleware for `/api`, before the list routes; `requireUser` authenticates first. */
  router(requireUser: RequestHandler): Router {
    const router = Router()
    router.post('/lists', requireUser, async (_req, res, next) => {
      const { userId } = currentUser(res)
      const ms = await take(this.perMinute, userId)
      if (ms !== null) {
        const seconds = retryAfterSeconds(ms)
        this.metrics.quotaRefusals.inc({ reason: 'list_rate' })
        res.set('Retry-After', String(seconds))
        throw new HttpError(429, 'list_rate', `at most ${this.config.listsPerMinute} new lists a minute`, { retryAfterSeconds: seconds })
      }
      const pending = this.inFlight.get(userId) ?? 0
      this.inFlight.set(userId, pending + 1)
      let done = false
      const finished = () => {
        if (done) return
        done = true
        const left = (this.inFlight.get(userId) ?? 1) - 1
        if (left > 0) this.inFlight.set(userId, left)
        else this.inFlight.delete(userId)
      }
      res.once('finish', finished)
      res.once('close', finished)
      const owned = (await this.accounts.listsForUser(userId)).filter((entry) => entry.role === 'owner').length
      if (owned + pending >= this.config.maxListsPerUser) {
        this.metrics.quotaRefusals.inc({ reason: 'list_quota' })
        throw new HttpError(403, 'list_quota', `you own ${this.config.maxListsPerUser} lists, the most one may; delete one to create another`, {
          maxLists: this.config.maxListsPerUser,
        })
      }
      next()
    })
    router.delete('/lists/:id', requireUser, (req, res, next) => {
      const listId = String(req.params.id)
      res.once('finish', () => {
        if (res.statusCode === 204) this.storage.forget(listId)
      })
      next()
    })
    return router
  }
}
