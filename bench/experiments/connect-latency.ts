/**
 * `node --import tsx bench/experiments/connect-latency.ts`
 *
 * Connect → synced for one client at a time, Colist against the reference
 * (40 sequential connects each, median of the last 30, two rounds), for the
 * offline-merge analysis in bench/README.md: Colist authenticates and reads
 * LevelDB before it answers, the reference does neither.
 */
import { mkdir, rm } from 'node:fs/promises'
import { colistKind } from '../servers/colist.ts'
import { yWebsocketKind } from '../peers/y-websocket.ts'
import { median } from '../percentiles.ts'
process.setMaxListeners(0)
for (const kind of [colistKind({ fsync: true }), yWebsocketKind(), colistKind({ fsync: true }), yWebsocketKind()]) {
  const dir = `bench/.work/connect-latency-${kind.id}-${Date.now()}`
  await mkdir(dir, { recursive: true })
  const server = await kind.start(dir)
  const [doc] = await server.createDocs(1)
  const times: number[] = []
  for (let i = 0; i < 40; i++) {
    const s = performance.now()
    const c = server.connect(doc!)
    await c.whenSynced
    times.push(performance.now() - s)
    c.destroy(); c.doc.destroy()
  }
  console.log(kind.id, 'connect → synced median of last 30:', median(times.slice(10)).toFixed(2), 'ms; first', times[0]!.toFixed(1))
  await server.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
