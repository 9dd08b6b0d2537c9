/**
 * Offline merge: two clients share a list, both go offline, each makes many
 * edits (new items and changes to shared ones, one transaction each), then
 * both reconnect at once; timed until both docs are equal.
 */
import * as Y from 'yjs'
import { itemsOf, sameItems, sameState, writeItem, writeItems } from '../bench-doc.ts'
import { median } from '../percentiles.ts'
import type { Figures } from '../row.ts'
import type { RunningServer } from '../servers/server-kind.ts'
import { docsUntil, withTimeout } from '../waiting.ts'

export interface OfflineMergeSizes {
  edits: number
  /** Items both clients have before going offline; every third edit changes one. */
  sharedItems: number
  runs: number
}

const MERGE_TIMEOUT_MS = 60_000

export async function runOfflineMerge(server: RunningServer, sizes: OfflineMergeSizes): Promise<Figures> {
  const mergeMs: number[] = []
  let converged = 0
  for (let run = 0; run < sizes.runs; run++) {
    const [docName] = await server.createDocs(1)
    const docs = [new Y.Doc(), new Y.Doc()] as const
    try {
      // Online: both share the same starting items.
      const first = docs.map((doc) => server.connect(docName!, { doc }))
      try {
        await withTimeout(Promise.all(first.map((c) => c.whenSynced)), 30_000, 'both clients to sync')
        writeItems(docs[0], Array.from({ length: sizes.sharedItems }, (_, i) => `shared${i}`), 0, 0, first[0]!.userId)
        await docsUntil([docs[1]], () => itemsOf(docs[1]).size >= sizes.sharedItems, 30_000, 'the shared items to reach the second client')
      } finally {
        for (const client of first) client.destroy()
      }
      // Offline edits.
      const userId = first[0]!.userId
      docs.forEach((doc, writer) => {
        for (let edit = 0; edit < sizes.edits; edit++) {
          const key = edit % 3 === 2 ? `shared${edit % sizes.sharedItems}` : `c${writer}-${edit}`
          writeItem(doc, key, writer, edit, userId)
        }
      })
      const started = performance.now()
      const second = docs.map((doc) => server.connect(docName!, { doc }))
      try {
        await docsUntil([...docs], () => sameState(docs[0], docs[1]), MERGE_TIMEOUT_MS, 'both clients to converge')
        mergeMs.push(performance.now() - started)
        if (sameItems(docs[0], docs[1])) converged++
      } finally {
        for (const client of second) client.destroy()
      }
    } finally {
      for (const doc of docs) doc.destroy()
    }
  }
  return {
    editsPerClient: sizes.edits,
    runs: sizes.runs,
    mergeMs: median(mergeMs),
    allRunsMs: mergeMs.map((ms) => ms.toFixed(0)).join(' / '),
    converged: `${converged}/${sizes.runs}`,
  }
}
