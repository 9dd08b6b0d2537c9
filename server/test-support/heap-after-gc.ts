/**
 * Memory measurements that are not fooled by garbage: a full GC first, then
 * the bytes still reachable. Node hides `gc()` unless started with
 * --expose-gc; the flag can still be turned on at run time and the function
 * fetched from a fresh context, which is what `collectGarbage` does.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gc: (() => void) | null = null

/** Runs a full, synchronous garbage collection. */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  gc()
}

/**
 * JS heap plus off-heap buffers (sockets' queued writes live there) still
 * reachable after full GCs. V8 frees ArrayBuffer memory on a background
 * sweeper and runs weak callbacks after the collection, so it collects a few
 * times with turns of the event loop in between before reading.
 */
export async function retainedBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    collectGarbage()
    await new Promise((resolve) => setImmediate(resolve))
  }
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.external
}

/**
 * `retainedBytes()` once the process has settled: timers of closed clients,
 * a compaction finishing, a socket's last write all let go of memory a
 * little later, so it re-measures every 50 ms until two readings agree within
 * `toleranceBytes` (or `timeoutMs` passes) and returns the lower one.
 */
export async function settledRetainedBytes(toleranceBytes = 512 * 1024, timeoutMs = 2000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let previous = await retainedBytes()
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const current = await retainedBytes()
    if (Math.abs(current - previous) <= toleranceBytes || Date.now() > deadline) return Math.min(previous, current)
    previous = current
  }
}

export const MB = 1024 * 1024
