/**
 * Counters for the log-in, sign-up and per-user limits (rate-limiter-flexible).
 * In a cluster (REDIS_URL) they live in Redis, so a limit holds across nodes;
 * while Redis cannot answer, each node falls back to counting in its own
 * memory (the insurance limiter) rather than refusing everyone or no one.
 */
import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Logger } from './logger.ts'

export interface LimiterOptions {
  /** Namespaces the keys: one per limit. */
  keyPrefix: string
  /** Points per window. */
  points: number
  /** Window, seconds. */
  duration: number
}

/** Where the counters live: this process, or Redis shared by every node. */
export class LimiterStore {
  private constructor(private readonly redis: Redis | null) {}

  static memory(): LimiterStore {
    return new LimiterStore(null)
  }

  /** A Redis connection of its own; commands fail at once while it is down (the memory fallback answers). */
  /** ioredis is loaded only here: a single node without Redis never loads it (a faster start). */
  static async redis(url: string, log: Logger): Promise<LimiterStore> {
    const { Redis } = await import('ioredis')
    const redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
    })
    redis.on('error', (err: Error) => log.debug({ err: err.message }, 'limits: redis connection error'))
    return new LimiterStore(redis)
  }

  get shared(): boolean {
    return this.redis !== null
  }

  limiter(options: LimiterOptions): RateLimiterAbstract {
    const memory = new RateLimiterMemory({ ...options, keyPrefix: `colist:${options.keyPrefix}` })
    if (!this.redis) return memory
    return new RateLimiterRedis({
      ...options,
      keyPrefix: `colist:${options.keyPrefix}`,
      storeClient: this.redis,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    })
  }

  async close(): Promise<void> {
    if (this.redis) this.redis.disconnect()
  }
}

/**
 * Takes one point from `limiter` for `key`: null if allowed, else how many
 * milliseconds until it is (rate-limiter-flexible rejects with its result).
 */
export async function take(limiter: RateLimiterAbstract, key: string, points = 1): Promise<number | null> {
  try {
    await limiter.consume(key, points)
    return null
  } catch (err) {
    if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext)
    throw err
  }
}

/** Seconds for a `Retry-After` header: whole, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}
