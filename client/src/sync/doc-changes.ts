/**
 * "The document changed" without the change's bytes. A `Y.Doc` encodes every
 * transaction as an update for as long as anything listens to `update`; a
 * reader that only needs to know that the list changed (the list view, the
 * add field's suggestions, the activity feed) listens here instead, so it
 * adds no encoding and also hears changes applied with nobody listening for
 * bytes (a device copy's load, replica-load.ts).
 */
import type * as Y from 'yjs'
import { clocksCover } from '../../../shared/clocks.ts'

/** Whether a transaction changed the document: added structs or deleted any, as Yjs decides before emitting `update`. */
export function changedDocument(transaction: Y.Transaction): boolean {
  return transaction.deleteSet.clients.size > 0 || !clocksCover(transaction.beforeState, transaction.afterState)
}

/** Calls `listener` after each transaction that changed `doc`; returns the unsubscribe. */
export function onDocChange(doc: Y.Doc, listener: (transaction: Y.Transaction) => void): () => void {
  const handler = (transaction: Y.Transaction) => {
    if (changedDocument(transaction)) listener(transaction)
  }
  doc.on('afterTransaction', handler)
  return () => doc.off('afterTransaction', handler)
}
