/** Bounded waits: every wait in the bench has a deadline and says what it waited for. */
import type * as Y from 'yjs'
import { median } from './percentiles.ts'
import type { RunningServer } from './servers/server-kind.ts'

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export class BenchTimeout extends Error {
  override name = 'BenchTimeout'
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeout(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `check` every `pollMs` until it holds; for conditions spread over many docs. */
export async function pollUntil(check: () => boolean, ms: number, what: string, pollMs = 10): Promise<void> {
  const deadline = performance.now() + ms
  while (!check()) {
    if (performance.now() > deadline) throw new BenchTimeout(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(pollMs)
  }
}

/**
 * Resolves the moment `check` holds, re-checked after every update applied
 * to any of `docs`, so the time it resolves at is exact.
 */
export function docsUntil(docs: Y.Doc[], check: () => boolean, ms: number, what: string): Promise<void> {
  if (check()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onUpdate = () => {
      if (!check()) return
      finish()
      resolve()
    }
    const timer = setTimeout(() => {
      finish()
      reject(new BenchTimeout(`timed out after ${ms} ms waiting for ${what}`))
    }, ms)
    const finish = () => {
      clearTimeout(timer)
      for (const doc of docs) doc.off('update', onUpdate)
    }
    for (const doc of docs) doc.on('update', onUpdate)
  })
}

/**
 * Waits until a process's CPU time stops growing (under 1% of a core over
 * `quietMs`), so deferred work is done; returns the CPU seconds then.
 */
export async function waitForQuietCpu(
  readCpuSeconds: () => number,
  quietMs: number,
  timeoutMs: number,
): Promise<{ cpuSeconds: number; waitedSeconds: number; quiet: boolean }> {
  const started = performance.now()
  let last = readCpuSeconds()
  for (;;) {
    await sleep(quietMs)
    const now = readCpuSeconds()
    const waitedSeconds = (performance.now() - started) / 1000
    if (now - last < 0.035) return { cpuSeconds: now, waitedSeconds, quiet: true }
    if (waitedSeconds * 1000 > timeoutMs) return { cpuSeconds: now, waitedSeconds, quiet: false }
    last = now
  }
}

/** Median of three RSS readings after a quiet period. */
export async function settledRss(server: Pick<RunningServer, 'process'>, settleMs: number): Promise<number> {
  await sleep(settleMs)
  const readings: number[] = []
  for (let i = 0; i < 3; i++) {
    readings.push(server.process.stats().rssBytes)
    await sleep(250)
  }
  return median(readings)
}
