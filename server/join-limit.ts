/**
 * Joins (a list's socket, or a list's channel on a device socket) per user
 * per minute, `JOINS_PER_USER_PER_MINUTE`: past it a join is refused with
 * 4529 (retryable: the client backs off). An honest device opens each of its
 * lists once per connection (a few hundred at most after a network drop); a
 * client in a reconnect loop opens the same list thousands of times a minute,
 * each costing a token check and a role read. Counted in the limiter store
 * (Redis in a cluster), like the log-in limits.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import { take, type LimiterStore } from './limiters.ts'
import type { Metrics } from './metrics.ts'

export class JoinLimit {
  private readonly limiter: RateLimiterAbstract

  constructor(
    store: LimiterStore,
    perMinute: number,
    private readonly metrics: Pick<Metrics, 'quotaRefusals'>,
  ) {
    this.limiter = store.limiter({ keyPrefix: 'joins', points: perMinute, duration: 60 })
  }

  /** Takes one join of the user's: false (counted as `join_rate`) past the limit. */
  async admit(userId: string): Promise<boolean> {
    if ((await take(this.limiter, userId)) === null) return true
    this.metrics.quotaRefusals.inc({ reason: 'join_rate' })
    return false
  }
}
