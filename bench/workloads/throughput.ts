/**
 * Throughput: many lists, two writers each, writing as fast as the server
 * lets them. Closed loop: a writer keeps at most `window` updates that its
 * peer has not yet received, so the offered load follows what the server
 * delivers instead of piling up in socket buffers (an open loop would
 * measure queueing, and the backlog would spill past the window).
 *
 * Server CPU is counted from the first write until the server has gone
 * quiet after the last delivery, so work a server defers (y-leveldb's write
 * queue, Hocuspocus's debounced stores, Colist's group commits and
 * compactions) is charged to the updates that caused it.
 *
 * Every counted delivery within the window is also a latency sample (now −
 * the item's written-at stamp, one process's clock): what a user waits for
 * a collaborator's edit while the server is this busy.
 */
import type * as Y from 'yjs'
import { benchNow, itemsOf, writeItem, writtenAt } from '../bench-doc.ts'
import type { BenchConnection } from '../clients/connection.ts'
import { closeClients, openClients } from '../open-clients.ts'
import { summarize } from '../percentiles.ts'
import type { Figures } from '../row.ts'
import type { RunningServer } from '../servers/server-kind.ts'
import { pollUntil, sleep, waitForQuietCpu } from '../waiting.ts'

export interface ThroughputSizes {
  lists: number
  writersPerList: number
  seconds: number
  /** Updates a writer may have in flight (sent, not yet seen by its peers). */
  window: number
}

interface Writer {
  client: BenchConnection
  index: number
  sent: number
  /** Deliveries of this writer's updates counted at one peer (the lowest-numbered other writer). */
  delivered: number
}

const DRAIN_TIMEOUT_MS = 30_000
/** Longer than Hocuspocus's 2 s store debounce, so its last store is counted. */
const QUIET_MS = 3000
/** y-leveldb drains its serial write queue at ~1,500 updates/s, so its backlog can take a minute. */
const QUIET_TIMEOUT_MS = 150_000

export async function runThroughput(server: RunningServer, sizes: ThroughputSizes): Promise<Figures> {
  const docNames = await server.createDocs(sizes.lists)
  const perWriterDoc = docNames.flatMap((name) => Array.from({ length: sizes.writersPerList }, () => name))
  const clients = await openClients(server.connect, perWriterDoc)
  try {
    let running = true
    let measuring = false
    const latencies: number[] = []
    const writers: Writer[] = clients.map((client, index) => ({ client, index, sent: 0, delivered: 0 }))
    const pump = (writer: Writer) => {
      while (running && writer.sent - writer.delivered < sizes.window) {
        writeItem(writer.client.doc, `w${writer.index}-${writer.sent}`, writer.index, writer.sent, writer.client.userId)
        writer.sent++
      }
    }
    for (let list = 0; list < sizes.lists; list++) {
      const group = writers.slice(list * sizes.writersPerList, (list + 1) * sizes.writersPerList)
      for (const observer of group) {
        const items = itemsOf(observer.client.doc)
        items.observe((event, transaction) => {
          if (transaction.local) return
          for (const key of event.keysChanged) {
            if (!items.has(key)) continue
            // Keys are `w<writer index>-<seq>`.
            const author = writers[Number(key.slice(1, key.indexOf('-')))]!
            // Each author's deliveries are counted at exactly one peer, so a count is one delivery.
            const counter = group.find((w) => w !== author)
            if (counter !== observer) continue
            if (measuring) latencies.push(benchNow() - writtenAt(items.get(key) as Y.Map<unknown>))
            author.delivered++
            pump(author)
          }
        })
      }
    }
    const total = () => writers.reduce((sum, w) => sum + w.delivered, 0)
    const written = () => writers.reduce((sum, w) => sum + w.sent, 0)
    const cpuBefore = server.process.stats().cpuSeconds
    const deliveredBefore = total()
    const started = performance.now()
    measuring = true
    for (const writer of writers) pump(writer)
    await sleep(sizes.seconds * 1000)
    measuring = false
    const seconds = (performance.now() - started) / 1000
    const delivered = total() - deliveredBefore
    const windowCpuSeconds = server.process.stats().cpuSeconds - cpuBefore
    running = false
    await pollUntil(() => writers.every((w) => w.delivered >= w.sent), DRAIN_TIMEOUT_MS, 'in-flight updates to drain')
    const quiet = await waitForQuietCpu(() => server.process.stats().cpuSeconds, QUIET_MS, QUIET_TIMEOUT_MS)
    const cpuSeconds = quiet.cpuSeconds - cpuBefore
    const updates = written()
    const latency = summarize(latencies)
    return {
      lists: sizes.lists,
      writers: writers.length,
      seconds,
      updatesWritten: updates,
      updatesDelivered: delivered,
      deliveredPerSecond: delivered / seconds,
      deliveryP50Ms: latency.p50,
      deliveryP99Ms: latency.p99,
      serverCores: windowCpuSeconds / seconds,
      serverCpuSeconds: cpuSeconds,
      cpuSecondsAfterWindow: cpuSeconds - windowCpuSeconds,
      cpuSecondsPer1000: cpuSeconds / (updates / 1000),
      secondsUntilQuiet: quiet.waitedSeconds,
      wentQuiet: quiet.quiet ? 'yes' : 'no (timed out: CPU undercounted)',
    }
  } finally {
    closeClients(clients)
  }
}
