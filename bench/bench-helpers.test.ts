/** The bench's own arithmetic and parsing, which every figure it reports rests on. */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { randomUUID } from 'node:crypto'
import { itemCount, itemsOf, sameItems, writeItem, writeItems } from './bench-doc.ts'
import { ANONYMOUS_WRITER } from './clients/connection.ts'
import { renderChart } from './chart.ts'
import { median, percentile, summarize } from './percentiles.ts'
import { parseStatCpuSeconds, parseStatusBytes } from './proc-stats.ts'
import { ratioToReference, renderMarkdown, type Results } from './report.ts'
import { QUICK } from './sizes.ts'
import { combineFanoutRuns } from './workloads/fanout.ts'

describe('percentiles', () => {
  it('uses nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile(values, 100)).toBe(100)
    expect(percentile([7], 99)).toBe(7)
    expect(Number.isNaN(percentile([], 50))).toBe(true)
  })

  it('summarizes unsorted samples', () => {
    const s = summarize([5, 1, 3, 2, 4])
    expect(s).toMatchObject({ count: 5, p50: 3, max: 5, mean: 3 })
    expect(median([3, 1, 2])).toBe(2)
  })
})

describe('/proc parsing', () => {
  it('reads utime + stime even when the command name has spaces and parentheses', () => {
    const fields = ['S', '1', '1', '1', '0', '-1', '4194560', '100', '0', '0', '0', '250', '50']
    const stat = `1234 (node (worker) x) ${fields.join(' ')} 0 0 20 0 1 0`
    expect(parseStatCpuSeconds(stat)).toBe(3)
  })

  it('reads VmRSS and VmHWM in bytes', () => {
    const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n'
    expect(parseStatusBytes(status, 'VmRSS')).toBe(100 * 2 ** 20)
    expect(parseStatusBytes(status, 'VmHWM')).toBe(200 * 2 ** 20)
  })
})

describe('bench documents', () => {
  it('counts items as they are added, replaced and deleted, in one update or many', () => {
    const source = new Y.Doc()
    writeItems(source, ['a', 'b'], 0, 0, 'u')
    const doc = new Y.Doc()
    const items = itemCount(doc)
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(source))
    expect(items.count()).toBe(2)
    writeItem(doc, 'a', 0, 2, 'u') // replaced: still one item
    writeItems(doc, ['c', 'd'], 0, 3, 'u')
    itemsOf(doc).delete('b')
    expect(items.count()).toBe(itemsOf(doc).size)
    expect(items.count()).toBe(3)
    items.stop()
    writeItem(doc, 'e', 0, 5, 'u')
    expect(items.count()).toBe(3)
  })

  it('writes as many bytes for a server without tokens as for Colist, whose writers are users with UUIDs', () => {
    const colist = new Y.Doc()
    const reference = new Y.Doc()
    reference.clientID = colist.clientID
    // Colist's user ids are randomUUID()s (server/http/auth-routes.ts).
    writeItems(colist, ['a', 'b', 'c'], 0, 0, randomUUID())
    writeItems(reference, ['a', 'b', 'c'], 0, 0, ANONYMOUS_WRITER)
    expect(Y.encodeStateAsUpdate(reference).byteLength - Y.encodeStateAsUpdate(colist).byteLength).toBe(0)
  })

  it('compares items regardless of the order replicas received them in', () => {
    const a = new Y.Doc()
    const b = new Y.Doc()
    writeItem(a, 'x', 0, 0, 'u')
    writeItem(b, 'y', 1, 0, 'u')
    writeItem(b, 'x', 1, 1, 'u') // an edit of an existing item
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    expect([...itemsOf(a).keys()]).not.toEqual([...itemsOf(b).keys()])
    expect(sameItems(a, b)).toBe(true)
  })
})

describe('report', () => {
  const load = { loadAvgStart: 1, loadAvgEnd: 1, machineCores: 1, ownCores: 1, otherCores: 0, topOthers: '', note: '' }
  const results: Results = {
    meta: {
      mode: 'quick',
      startedAt: '2026-01-01T00:00:00Z',
      durationSeconds: 60,
      commit: 'abc',
      node: '20',
      cpus: 2,
      memoryGiB: 24,
      openFilesLimit: '20000',
      sizes: QUICK,
      servers: [
        { id: 'colist', label: 'Colist', reference: false, durability: 'fsync' },
        { id: 'y-websocket', label: 'y-websocket-server', reference: true, durability: 'none' },
      ],
    },
    rows: [
      { workload: 'throughput', case: '', server: 'colist', figures: { cpuSecondsPer1000: 0.05, deliveredPerSecond: 900, deliveryP99Ms: 40 }, loadGeneratorCores: 0.5, load },
      { workload: 'throughput', case: '', server: 'y-websocket', figures: { cpuSecondsPer1000: 0.2, deliveredPerSecond: 1000, deliveryP99Ms: 50 }, loadGeneratorCores: 0.5, load },
    ],
  }

  it('takes ratios against the reference server of the same workload and case', () => {
    expect(ratioToReference(results, results.rows[0]!)).toBeCloseTo(0.25)
  })

  it('renders the goal check, the tables and the chart', () => {
    const markdown = renderMarkdown(results)
    expect(markdown).toContain('| server CPU per 1,000 updates | 0.050 s | 0.20 s | 0.25× | ≤ 0.5× | **met** |')
    // More is better for updates delivered: 0.9× the reference misses "≥ 1×".
    expect(markdown).toContain('| updates delivered per second under the throughput load | 900 /s | 1,000 /s | 0.90× | ≥ 1× | **missed** |')
    expect(markdown).toContain('| delivered-update latency p99 under the throughput load | 40.0 ms | 50.0 ms | 0.80× | ≤ 1× | **met** |')
    // A goal with no figure in this run says so rather than passing.
    expect(markdown).toContain('| delivered-update latency p50 under the throughput load | – ms | – ms | – | ≤ 1× | n/a |')
    const svg = renderChart(results)
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('Server CPU seconds per 1,000 updates')
  })

  it('reports the median run of a repeated fan-out case', () => {
    const runs = [10, 30, 20].map((p99) => ({ p50Ms: 1, p99Ms: p99, maxMs: p99, meanMs: 1, samples: 10, achievedRatePerSecond: 100, serverCpuSeconds: 1, converged: '1/1', updates: 5 }))
    expect(combineFanoutRuns(runs)).toMatchObject({ p99Ms: 20, samples: 30, p99RunsMs: '10.0 / 30.0 / 20.0' })
  })
})
