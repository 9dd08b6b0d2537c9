/**
 * SNAP_DIR=/tmp/snap BENCH_SERVER_NODE_FLAGS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/snap" \
 *   node --import tsx bench/experiments/heap-per-connection.ts colist|y-websocket|hocuspocus [N]
 *
 * Heap snapshots of a server before and after N idle connections with
 * awareness (N/10 lists), for bench/heap-snapshot-summary.ts to diff; the
 * snapshot's own full GC makes the two comparable.
 */
import { readdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { closeClients, openClients } from '../open-clients.ts'
import { colistKind } from '../servers/colist.ts'
import { hocuspocusKind } from '../peers/hocuspocus.ts'
import { yWebsocketKind } from '../peers/y-websocket.ts'
import { pollUntil, sleep } from '../waiting.ts'

process.setMaxListeners(0)
const which = process.argv[2] ?? 'colist'
const n = Number(process.argv[3] ?? 1000)
const lists = Math.max(1, Math.floor(n / 10))
const snapDir = process.env.SNAP_DIR
if (!snapDir) throw new Error('SNAP_DIR (the --diagnostic-dir) is required')
const kind = which === 'colist' ? colistKind({ fsync: true }) : which === 'hocuspocus' ? hocuspocusKind() : yWebsocketKind()
const dir = `bench/.work/heap-${which}-${Date.now()}`
await mkdir(dir, { recursive: true })
const server = await kind.start(dir)
const docs = await server.createDocs(lists)
const snapshots = () => readdirSync(snapDir).filter((f) => f.endsWith('.heapsnapshot')).length
const snapshot = async () => {
  const before = snapshots()
  process.kill(server.process.pid, 'SIGUSR2')
  await pollUntil(() => snapshots() > before, 60_000, 'the heap snapshot', 200)
  await sleep(2000) // the file appears before it is complete
}
await sleep(1000)
const rssBefore = server.process.stats().rssBytes
await snapshot()
const clients = await openClients(
  server.connect,
  Array.from({ length: n }, (_, i) => docs[i % lists]!),
  { concurrency: 100 },
)
clients.forEach((c, i) => c.awareness.setLocalStateField('user', { name: `User ${i}`, color: '#123456' }))
await pollUntil(() => clients.every((c) => [...c.awareness.getStates().values()].filter((s) => s.user).length >= 10), 60_000, 'awareness everywhere', 200)
await sleep(2000)
console.log(`${which}: RSS per connection ${((server.process.stats().rssBytes - rssBefore) / n / 1024).toFixed(1)} KiB; snapshots in ${snapDir}`)
await snapshot()
closeClients(clients)
await server.stop()
process.exit(0)
