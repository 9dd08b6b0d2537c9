/**
 * Cold load: a list of many items written as many small updates, the server
 * restarted, then a fresh client timed from connect until every item is in
 * its doc — not until its first sync event, which a server may send before
 * it has read the document from disk (the reference server does).
 */
import * as Y from 'yjs'
import { itemCount, itemsOf, writeItems } from '../bench-doc.ts'
import { median } from '../percentiles.ts'
import type { Figures } from '../row.ts'
import type { RunningServer, ServerKind } from '../servers/server-kind.ts'
import { docsUntil, sleep, withTimeout } from '../waiting.ts'

export interface ColdLoadSizes {
  items: number
  itemsPerUpdate: number
  /** Below Colist's per-connection rate limit (1,000 messages/s). */
  updatesPerSecond: number
  /** Restart + fresh load, repeated; the median is reported. */
  runs: number
}

const LOAD_TIMEOUT_MS = 120_000

export async function runColdLoad(
  kind: ServerKind,
  dataDir: string,
  sizes: ColdLoadSizes,
  onServer: (server: RunningServer) => void,
): Promise<Figures> {
  const docName = await writeList(kind, dataDir, sizes, onServer)
  const loadMs: number[] = []
  const syncedMs: number[] = []
  for (let run = 0; run < sizes.runs; run++) {
    const server = await kind.start(dataDir)
    onServer(server)
    try {
      const doc = new Y.Doc()
      // Counted as items arrive: `Y.Map.size` at every update would time the check (more updates, more checks).
      const items = itemCount(doc)
      let syncedAt = Number.NaN
      const started = performance.now()
      const client = server.connect(docName, { doc })
      void client.whenSynced.then(() => (syncedAt = performance.now()))
      try {
        await docsUntil([doc], () => items.count() >= sizes.items, LOAD_TIMEOUT_MS, `all ${sizes.items} items after a restart`)
        loadMs.push(performance.now() - started)
        await withTimeout(client.whenSynced, LOAD_TIMEOUT_MS, 'the sync event')
        syncedMs.push(syncedAt - started)
      } finally {
        items.stop()
        client.destroy()
        doc.destroy()
      }
    } finally {
      await server.stop()
    }
  }
  return {
    items: sizes.items,
    updatesWritten: Math.ceil(sizes.items / sizes.itemsPerUpdate),
    runs: sizes.runs,
    connectToAllItemsMs: median(loadMs),
    connectToSyncEventMs: median(syncedMs),
    allRunsMs: loadMs.map((ms) => ms.toFixed(0)).join(' / '),
  }
}

/** Writes the list through a client, checks a second client sees it all, then stops the server gracefully. */
async function writeList(kind: ServerKind, dataDir: string, sizes: ColdLoadSizes, onServer: (server: RunningServer) => void): Promise<string> {
  const server = await kind.start(dataDir)
  onServer(server)
  try {
    const [docName] = await server.createDocs(1)
    const writer = server.connect(docName!)
    try {
      await withTimeout(writer.whenSynced, 30_000, 'the writer to sync')
      const started = performance.now()
      const interval = 1000 / sizes.updatesPerSecond
      for (let update = 0, seq = 0; seq < sizes.items; update++) {
        const wait = started + update * interval - performance.now()
        if (wait >= 1) await sleep(wait)
        const count = Math.min(sizes.itemsPerUpdate, sizes.items - seq)
        writeItems(writer.doc, Array.from({ length: count }, (_, i) => `i${seq + i}`), 0, seq, writer.userId)
        seq += count
      }
      const checker = server.connect(docName!)
      try {
        await docsUntil([checker.doc], () => itemsOf(checker.doc).size >= sizes.items, LOAD_TIMEOUT_MS, 'a second client to see every item')
      } finally {
        checker.destroy()
        checker.doc.destroy()
      }
    } finally {
      writer.destroy()
      writer.doc.destroy()
    }
    return docName!
  } finally {
    await server.stop()
  }
}
