/**
 * Fan-out: one writer, N readers on one list, small updates at a fixed rate.
 * Each update carries the writer's timestamp; every reader records
 * now − timestamp when the item arrives, so every delivery is a sample.
 * Writer and readers share this process's clock.
 */
import { benchNow, itemsOf, sameItems, sameState, writeItem, writtenAt } from '../bench-doc.ts'
import { closeClients, openClients } from '../open-clients.ts'
import { median, summarize } from '../percentiles.ts'
import type { Figures } from '../row.ts'
import type { RunningServer } from '../servers/server-kind.ts'
import { pollUntil, sleep, withTimeout } from '../waiting.ts'

export interface FanoutSizes {
  readers: number[]
  updates: number
  ratePerSecond: number
  /** Runs per case, interleaved across servers; the median run is reported. */
  repeats: number
}

const DELIVERY_TIMEOUT_MS = 60_000

export async function runFanout(server: RunningServer, readerCount: number, sizes: FanoutSizes): Promise<Figures> {
  const [docName] = await server.createDocs(1)
  const readers = await openClients(server.connect, Array.from({ length: readerCount }, () => docName!))
  const writer = server.connect(docName!)
  try {
    await withTimeout(writer.whenSynced, 30_000, 'the writer to sync')
    const latencies: number[] = []
    const received = Array.from({ length: readerCount }, () => 0)
    readers.forEach((reader, index) => {
      const items = itemsOf(reader.doc)
      items.observe((event) => {
        const now = benchNow()
        for (const key of event.keysChanged) {
          const item = items.get(key)
          if (!item) continue
          latencies.push(now - writtenAt(item))
          received[index]!++
        }
      })
    })
    const cpuBefore = server.process.stats().cpuSeconds
    const started = performance.now()
    const interval = 1000 / sizes.ratePerSecond
    for (let seq = 0; seq < sizes.updates; seq++) {
      // Scheduled against the start time, so a late timer does not slow the rate down.
      const wait = started + seq * interval - performance.now()
      if (wait >= 1) await sleep(wait)
      writeItem(writer.doc, `u${seq}`, 0, seq, writer.userId)
    }
    const writeSeconds = (performance.now() - started) / 1000
    await pollUntil(() => received.every((n) => n >= sizes.updates), DELIVERY_TIMEOUT_MS, 'every reader to receive every update')
    const cpuSeconds = server.process.stats().cpuSeconds - cpuBefore
    const converged = readers.filter((r) => sameState(r.doc, writer.doc) && sameItems(r.doc, writer.doc)).length
    const latency = summarize(latencies)
    return {
      readers: readerCount,
      updates: sizes.updates,
      achievedRatePerSecond: sizes.updates / writeSeconds,
      samples: latency.count,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      maxMs: latency.max,
      meanMs: latency.mean,
      converged: `${converged}/${readerCount}`,
      serverCpuSeconds: cpuSeconds,
    }
  } finally {
    closeClients([writer, ...readers])
  }
}


/**
 * One row from repeated runs of a case: the median of each run's p50, p99
 * and max, so one run disturbed by another process's burst does not decide
 * the figure; every run's p99 is kept for the reader.
 */
export function combineFanoutRuns(runs: Figures[]): Figures {
  if (runs.length === 1) return runs[0]!
  const pick = (key: string) => median(runs.map((r) => Number(r[key])))
  return {
    ...runs[0],
    achievedRatePerSecond: pick('achievedRatePerSecond'),
    samples: runs.reduce((sum, r) => sum + Number(r.samples), 0),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    maxMs: pick('maxMs'),
    meanMs: pick('meanMs'),
    converged: runs.map((r) => r.converged).join(', '),
    serverCpuSeconds: pick('serverCpuSeconds'),
    p99RunsMs: runs.map((r) => Number(r.p99Ms).toFixed(1)).join(' / '),
  }
}
