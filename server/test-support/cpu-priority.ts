/**
 * Runs the load a test plays (clients applying a 60,000-item list, an HTTP
 * pull) at a lower CPU priority than the server it measures.
 *
 * On a 2-CPU machine that load takes the cores the server's GC helper
 * threads need; V8 then does the GC work (scavenges, marking a 250 MB heap)
 * on the server's main thread, which is what a /healthz probe measures —
 * 60–100 ms in CI, 20–30 ms with the cores free (reproduced with the
 * server's `--single-threaded-gc`). Clients on other machines, as in
 * production, would not compete with the server for its cores.
 *
 * Only the calling thread (the test's) is lowered; processes it spawns
 * meanwhile inherit the lower priority. Restoring it needs the privilege
 * to raise a priority (root, as CI runs); without it the thread stays
 * lowered, and so do the servers it spawns later: equal again.
 */
import { getPriority, setPriority } from 'node:os'

/** Nice value added to the calling thread while `fn` runs (0 is normal, 19 the lowest). */
const LOWER_BY = 10

export async function atLowerPriority<T>(fn: () => Promise<T>): Promise<T> {
  const before = getPriority()
  setPriority(Math.min(19, before + LOWER_BY))
  try {
    return await fn()
  } finally {
    try {
      setPriority(before)
    } catch {
      // Not privileged to raise it back: see above.
    }
  }
}
