/**
 * `node --import tsx bench/experiments/doc-load-cost.ts [LOG_ENTRIES]`
 *
 * REPS=1 ONLY=merge (or ONLY=apply) times one way alone in a fresh process,
 * i.e. with Yjs's code still cold, as right after a server restart.
 *
 * What building a stored list costs a server, for the cold-load analysis in
 * bench/README.md: a 10,000-item document stored as a snapshot plus a log,
 * loaded the way Colist's docFromStored does it (Y.mergeUpdates first) and
 * by applying the parts in one transaction; plus the encode a fresh client
 * needs and the client's own decode.
 */
import * as Y from 'yjs'
import { itemsOf, writeItems } from '../bench-doc.ts'
// Build a 10,000-item doc as 1,000 updates of 10 items, like the cold-load workload.
const src = new Y.Doc()
const updates: Uint8Array[] = []
src.on('update', (u: Uint8Array) => updates.push(u))
for (let seq = 0; seq < 10000; seq += 10) writeItems(src, Array.from({ length: 10 }, (_, i) => `i${seq + i}`), 0, seq, 'bench')
// Colist keeps a snapshot of everything up to the last compaction plus the log after it.
const logLen = Number(process.argv[2] ?? 250)
const snapDoc = new Y.Doc()
for (const u of updates.slice(0, updates.length - logLen)) Y.applyUpdate(snapDoc, u)
const snapshot = Y.encodeStateAsUpdate(snapDoc)
const log = updates.slice(updates.length - logLen)
const only = process.env.ONLY
const time = (label: string, fn: () => void, reps = Number(process.env.REPS ?? 7)) => {
  if (only === 'merge' && !label.startsWith('mergeUpdates(snapshot')) return
  if (only === 'apply' && !label.startsWith('applyUpdate(snapshot) + applyUpdate each')) return
  const t: number[] = []
  for (let i = 0; i < reps; i++) {
    const s = performance.now()
    fn()
    t.push(performance.now() - s)
  }
  t.sort((a, b) => a - b)
  console.log(label.padEnd(60), t[Math.floor(reps / 2)]!.toFixed(1), 'ms')
}
console.log('snapshot bytes', snapshot.byteLength, 'log entries', log.length)
time('mergeUpdates(snapshot + log) then applyUpdate (server now)', () => { const d = new Y.Doc(); Y.applyUpdate(d, Y.mergeUpdates([snapshot, ...log])) })
time('  of which mergeUpdates', () => { Y.mergeUpdates([snapshot, ...log]) })
time('applyUpdate(snapshot) + applyUpdate each log entry, 1 txn', () => { const d = new Y.Doc(); d.transact(() => { Y.applyUpdate(d, snapshot); for (const u of log) Y.applyUpdate(d, u) }) })
time('applyUpdate(snapshot) + applyUpdate(mergeUpdates(log))', () => { const d = new Y.Doc(); Y.applyUpdate(d, snapshot); Y.applyUpdate(d, Y.mergeUpdates(log)) })
const full = new Y.Doc(); Y.applyUpdate(full, snapshot); for (const u of log) Y.applyUpdate(full, u)
time('encodeStateAsUpdate(doc) (sync step 2 to a fresh client)', () => { Y.encodeStateAsUpdate(full) })
const state = Y.encodeStateAsUpdate(full)
time('client: applyUpdate(full state) into a fresh doc', () => { const d = new Y.Doc(); Y.applyUpdate(d, state) })
time('reference y-leveldb load: apply every stored update, 1 txn', () => { const d = new Y.Doc(); d.transact(() => { for (const u of updates) Y.applyUpdate(d, u) }) })
console.log(itemsOf(full).size)
