/**
 * A list's device copy loads without being encoded again. y-indexeddb applies
 * everything it stored in one transaction, and Yjs, at the end of every
 * transaction, encodes what it added as one update for the document's `update`
 * listeners — the socket's provider, y-indexeddb itself, the pending-changes
 * count, the devtools log. For the device copy's load none of them needs it:
 * the provider, not yet connected, would send it nowhere (the server gets what
 * it lacks from the sync once the socket opens), y-indexeddb ignores its own
 * load, and a load is no change of this user's. Yet the encoding was as long
 * as applying the copy (a 2,000-item list: ~90 ms of a ~170 ms load at 4× CPU
 * throttling, in the task the lists page loads lists in the background).
 *
 * So for the transaction of the load (its origin is the replica), if nothing
 * would send its update anywhere, the document's `update` listeners are held
 * aside from just before Yjs looks for them until the next transaction's
 * observers (or the end of the cleanup), then put back, with any added
 * meanwhile. Readers that only need "the list changed" listen through
 * doc-changes.ts, which this does not silence.
 */
import type * as Y from 'yjs'

type Observers = Map<string, Set<unknown>>

export interface QuietLoadOptions {
  /** Whether the load's update may go unencoded now: nothing would send it over the network. */
  quiet: () => boolean
  /** The load's transaction, when it went unencoded (for the devtools log). */
  onQuiet?: (transaction: Y.Transaction) => void
}

/** Until the returned stop is called, a transaction with `origin` (not local) gives `update` listeners nothing when `quiet()`. */
export function quietReplicaLoad(doc: Y.Doc, origin: unknown, { quiet, onQuiet }: QuietLoadOptions): () => void {
  const observers = (doc as unknown as { _observers: Observers })._observers
  let held: Set<unknown> | null = null
  const restore = () => {
    if (!held) return
    // Listeners added while held (none, unless a cleanup listener added one) come after the held ones.
    for (const listener of observers.get('update') ?? []) held.add(listener)
    observers.set('update', held)
    held = null
  }
  // 'afterTransactionCleanup' is the last event before Yjs checks for `update` listeners; the next
  // transaction's cleanup starts with 'beforeObserverCalls', and the last one ends with 'afterAllTransactions'.
  const hold = (transaction: Y.Transaction) => {
    if (held || transaction.origin !== origin || transaction.local || !quiet()) return
    const listeners = observers.get('update')
    if (!listeners) return
    held = listeners
    observers.delete('update')
    // Should the cleanup throw past both events, the listeners are back before anything else runs.
    queueMicrotask(restore)
    onQuiet?.(transaction)
  }
  doc.on('afterTransactionCleanup', hold)
  doc.on('beforeObserverCalls', restore)
  doc.on('afterAllTransactions', restore)
  return () => {
    restore()
    doc.off('afterTransactionCleanup', hold)
    doc.off('beforeObserverCalls', restore)
    doc.off('afterAllTransactions', restore)
  }
}
