/**
 * A token bucket: `ratePerSecond` tokens refill continuously up to `burst`;
 * each message takes one. Allocation-free so it can sit on every message.
 */
const monotonicNow = () => performance.now()

export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    // One shared function, not a bound copy per connection.
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = burst
    this.last = this.now()
  }

  take(): boolean {
    const now = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
