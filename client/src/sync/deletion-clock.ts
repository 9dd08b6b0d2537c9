/**
 * Makes a local change made only of deletions acknowledgeable.
 *
 * The server acknowledges durability by state vector, and a Yjs deletion
 * writes no struct, so it advances no clock. Every function of
 * shared/list-document.ts already notes a change in the same transaction;
 * undo/redo (which replays deletions on the list's own types) and raw
 * console writes do not, so right after such a transaction this notes one
 * for them (docs/list-document.md, "changes").
 */
import type * as Y from 'yjs'
import { noteChange } from '../../../shared/list-layout.ts'

/** Origin of the bookkeeping transaction, so nothing counts it as a change of its own. */
export const NOTE_ORIGIN = Symbol('colist:note-change')

export function noteDeletionOnlyChanges(doc: Y.Doc): () => void {
  let active = true
  const onAfterTransaction = (transaction: Y.Transaction) => {
    if (!transaction.local || transaction.origin === NOTE_ORIGIN || transaction.deleteSet.clients.size === 0) return
    const before = transaction.beforeState.get(doc.clientID) ?? 0
    const after = transaction.afterState.get(doc.clientID) ?? 0
    if (after > before) return
    // After the transaction has finished, so it stays one change to every observer.
    queueMicrotask(() => {
      if (active) doc.transact(() => noteChange(doc), NOTE_ORIGIN)
    })
  }
  doc.on('afterTransaction', onAfterTransaction)
  return () => {
    active = false
    doc.off('afterTransaction', onAfterTransaction)
  }
}
