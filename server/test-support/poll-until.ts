/**
 * For the few server states no event announces (how many sockets the server
 * still holds, say): re-checks `check` every `intervalMs` until it holds, and
 * fails with `what` after `timeoutMs`. Waiting for a condition, not a sleep.
 */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 5000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
