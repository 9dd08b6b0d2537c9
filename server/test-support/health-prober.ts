/**
 * Runs fixtures/probe-healthz.ts beside a server process and keeps every
 * sample, so a test can ask how slowly /healthz answered during a window.
 */
import { startFixture } from './fixture-process.ts'

export interface HealthSample {
  /** Which of the prober's targets was asked. */
  target: string
  /** Epoch ms when the request was sent. */
  at: number
  /** Wall-clock milliseconds until the answer (or the failure). */
  ms: number
  /** The server process the sample's scheduler figures are about (0: none named yet). */
  pid: number
  /** Its main thread's time on a CPU during the request. */
  serverRunMs?: number
  /** Its main thread's time runnable but without a CPU (taken by other processes) during the request. */
  serverWaitMs?: number
  /** The prober's own time runnable but without a CPU. */
  proberWaitMs?: number
  /** Set when there was no 200: ECONNREFUSED while the server is down, 'timeout', … */
  error?: string
}

/**
 * The latency the server itself is responsible for: the time its main thread
 * (the event loop) ran on a CPU while the probe waited, bounded by the wall
 * clock minus the time the server's main thread and the prober were kept off
 * the CPU by other processes. A main thread that holds the event loop runs all
 * that time; one that sleeps instead — waiting for V8's GC helper threads or
 * a page fault while other processes hold both cores — is not the server's
 * code holding the loop. On an idle machine this is the wall clock.
 */
export function ownLatencyMs(sample: HealthSample): number {
  const notStarved = Math.max(0, sample.ms - (sample.serverWaitMs ?? 0) - (sample.proberWaitMs ?? 0))
  return sample.serverRunMs === undefined ? notStarved : Math.min(notStarved, sample.serverRunMs)
}

/** One sample's figures for an assertion message. */
export function describeSample(sample: HealthSample): string {
  return `sent at ${sample.at}: ${sample.ms} ms wall clock, the server's main thread ran ${sample.serverRunMs ?? '?'} ms and waited for a CPU ${sample.serverWaitMs ?? '?'} ms, the prober waited ${sample.proberWaitMs ?? '?'} ms`
}

export interface HealthProber {
  readonly samples: HealthSample[]
  /** Names the server process to account scheduler delays to (after every restart). */
  probing(pid: number): void
  /** Resolves once every target has answered 200 to a probe sent at or after `since`. */
  answeredSince(since: number): Promise<void>
  /** Samples of `target` sent in [from, to]. */
  between(target: string, from: number, to: number): HealthSample[]
  stop(): Promise<void>
}

/** Probes each of `targets` (name → base URL) in a loop of its own, `intervalMs` between answer and next probe. */
export async function startHealthProber(targets: Record<string, string>, pid: number, intervalMs = 10): Promise<HealthProber> {
  const args = Object.entries(targets).map(([name, url]) => `${name}=${url}`)
  const samples: HealthSample[] = []
  const waiters = new Set<() => void>()
  const { child, exited } = startFixture<HealthSample>('probe-healthz.ts', [String(intervalMs), ...args], (sample) => {
    samples.push(sample)
    for (const check of waiters) check()
  })
  const probing = (serverPid: number) => child.stdin!.write(`pid ${serverPid}\n`)
  const answeredSince = (since: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!Object.keys(targets).every((target) => samples.some((s) => s.target === target && s.at >= since && !s.error))) return
        waiters.delete(check)
        resolve()
      }
      waiters.add(check)
      exited.then(() => reject(new Error('health prober exited')))
      check()
    })
  probing(pid)
  // The first answer also proves the prober itself is up before the test relies on it.
  await answeredSince(0)
  return {
    samples,
    probing,
    answeredSince,
    between: (target, from, to) => samples.filter((s) => s.target === target && s.at >= from && s.at <= to),
    async stop() {
      child.stdin!.end()
      child.kill('SIGTERM')
      await exited
    },
  }
}
