/**
 * Before the server listens, every list whose stored log is large is
 * compacted into a snapshot (stored in parts), as the server would compact
 * it at its next write.
 *
 * A log is read back whole, and LevelDB copies each value it reads into JS
 * on the event loop (storage/level-storage.ts, `binaryValues`): a 16 MB log
 * entry held a serving server's loop 50–120 ms under load, each time the
 * list was read (the lists page counting it, a room loading it). A snapshot
 * is read a 1 MiB part per turn. The server compacts a log as soon as it
 * passes COMPACT_LOG_BYTES, so only a log stored by an earlier version (one
 * update of a whole imported list) or left by a crash right after a large
 * append gets here; at start no one waits for the loop yet.
 */
import type * as Y from 'yjs'
import type { Logger } from './logger.ts'
import type { LevelStorage } from './storage/level-storage.ts'
import { docFromStored, snapshotOf } from './stored-doc.ts'

type Store = Pick<LevelStorage, 'docsWithLargeLogs' | 'loadDoc' | 'compactDoc'>

/**
 * Compacts the lists whose log takes `minBytes` or more on disk; resolves
 * with the ids of those compacted. A list that cannot be read or rebuilt is
 * left as it is stored (logged): the server still starts, and that list
 * fails when it is opened, as it would have.
 */
export async function compactLargeLogs(store: Store, minBytes: number, log: Logger): Promise<string[]> {
  const compacted: string[] = []
  for (const docId of await store.docsWithLargeLogs(minBytes)) {
    const started = performance.now()
    let doc: Y.Doc | null = null
    try {
      const stored = await store.loadDoc(docId)
      doc = docFromStored(stored)
      const snapshot = snapshotOf(doc)
      await store.compactDoc(docId, snapshot, stored.lastSeq)
      compacted.push(docId)
      log.info({ docId, logEntries: stored.updates.length, snapshotBytes: snapshot.byteLength, ms: Math.round(performance.now() - started) }, 'compacted a large stored log before listening')
    } catch (err) {
      log.error({ err, docId }, 'could not compact a large stored log before listening; left as stored')
    } finally {
      doc?.destroy()
    }
  }
  return compacted
}
