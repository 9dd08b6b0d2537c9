/**
 * Propagation latency without decoding updates: after each remote update a
 * replica applies, each co-editor's Yjs clock in that replica says which of
 * the co-editor's edits have arrived; each newly arrived edit is one sample
 * (arrival time − the time its author made it). Authors and replicas share
 * this process's clock.
 */
import * as Y from 'yjs'
import type { Editor } from './editor.ts'

export class PropagationTracker {
  readonly samples: number[] = []

  /** Watches every editor's replica for the edits of the others on the same list. */
  watchList(editors: Editor[]): void {
    for (const replica of editors) {
      const others = editors.filter((e) => e !== replica)
      // Next unseen edit of each co-editor, per replica.
      const cursor = new Map<Editor, number>(others.map((e) => [e, 0]))
      const doc = replica.client.doc
      doc.on('update', (_update: Uint8Array, origin: unknown) => {
        if (origin === null) return // a local edit
        const now = performance.now()
        for (const author of others) {
          const state = Y.getState(doc.store, author.clientId)
          let next = cursor.get(author)!
          while (next < author.sent.length && author.sent[next]!.clock <= state) {
            this.samples.push(now - author.sent[next]!.at)
            next++
          }
          cursor.set(author, next)
        }
      })
    }
  }
}
