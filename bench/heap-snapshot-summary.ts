/**
 * `node --import tsx bench/heap-snapshot-summary.ts BEFORE.heapsnapshot AFTER.heapsnapshot [N] [PER]`
 *
 * What grew between two heap snapshots of one process, by constructor:
 * object count and self bytes, biggest growth first, and divided by PER
 * (e.g. the number of connections opened in between) when given. Take the
 * snapshots with BENCH_SERVER_NODE_FLAGS="--heapsnapshot-signal=SIGUSR2
 * --diagnostic-dir=DIR" and `kill -USR2 <server pid>`.
 */
import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

function byConstructor(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const fields = snap.snapshot.meta.node_fields
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const types = snap.snapshot.meta.node_types[0]
  const totals = new Map<string, { count: number; bytes: number }>()
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!
    // Objects by constructor; everything else (strings, code, arrays, native) by type.
    const key = type === 'object' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + nameAt]!]}` : `(${type})`
    const entry = totals.get(key) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += snap.nodes[i + sizeAt]!
    totals.set(key, entry)
  }
  return totals
}

const [beforeFile, afterFile, limitArg, perArg] = process.argv.slice(2)
if (!beforeFile || !afterFile) throw new Error('usage: heap-snapshot-summary.ts BEFORE AFTER [N] [PER]')
const limit = Number(limitArg ?? 30)
const per = Number(perArg ?? 1)
const before = byConstructor(beforeFile)
const after = byConstructor(afterFile)
const growth = [...after].map(([key, a]) => {
  const b = before.get(key) ?? { count: 0, bytes: 0 }
  return { key, count: a.count - b.count, bytes: a.bytes - b.bytes }
})
const total = growth.reduce((sum, g) => sum + g.bytes, 0)
console.log(`heap growth ${(total / 1024).toFixed(0)} KiB${per > 1 ? `, ${(total / per).toFixed(0)} B per unit of ${per}` : ''}`)
for (const g of growth.sort((a, b) => b.bytes - a.bytes).slice(0, limit)) {
  console.log(`${(g.bytes / per).toFixed(0).padStart(8)} B  ${(g.count / per).toFixed(2).padStart(7)} objects   ${g.key}`)
}
