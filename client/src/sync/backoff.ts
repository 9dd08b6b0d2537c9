/**
 * When to try the list's socket again after a failed or dropped connection.
 * The steps grow like 1, 2, 5, 10, 30 s and then stay at 30 s; each is
 * jittered by ±25 % so that after a server restart every client does not
 * come back in the same instant.
 */
export const RECONNECT_STEPS_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000]
export const RECONNECT_JITTER = 0.25

/** `attempt` counts failures since the last good connection, from 0. `random` is in [0, 1). */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const index = Math.min(Math.max(Math.floor(attempt), 0), RECONNECT_STEPS_MS.length - 1)
  const base = RECONNECT_STEPS_MS[index] ?? 30_000
  const factor = 1 - RECONNECT_JITTER + 2 * RECONNECT_JITTER * random()
  return Math.round(base * factor)
}
