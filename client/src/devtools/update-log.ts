/**
 * A rolling record of what travelled through a list's document and
 * awareness, newest first, for the devtools panel.
 */
import { ObservableV2 } from 'lib0/observable'
import * as awarenessProtocol from 'y-protocols/awareness'
import type * as Y from 'yjs'

export interface LogEntry {
  id: number
  at: number
  kind: 'update' | 'awareness'
  local: boolean
  /** Bytes of the Yjs update, or of the encoded awareness change; null for a change applied without being encoded (a device copy's load). */
  bytes: number | null
  /** Where it came from: the provider, the replica, HTTP sync, undo… */
  source: string
  summary: string
}

const MAX_ENTRIES = 200

export class UpdateLog extends ObservableV2<{ change: () => void }> {
  private entries: LogEntry[] = []
  private nextId = 1

  constructor(
    private readonly doc: Y.Doc,
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly describeOrigin: (origin: unknown) => string,
  ) {
    super()
    doc.on('update', this.onUpdate)
    // 'change', not 'update': the 15-second keep-alive renewals carry nothing new.
    awareness.on('change', this.onAwareness)
  }

  getSnapshot = (): readonly LogEntry[] => this.entries

  clear(): void {
    this.entries = []
    this.emit('change', [])
  }

  override destroy(): void {
    this.doc.off('update', this.onUpdate)
    this.awareness.off('change', this.onAwareness)
    super.destroy()
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    this.push({ kind: 'update', local: transaction.local, bytes: update.byteLength, source: this.describeOrigin(origin), summary: describeTransaction(transaction) })
  }

  /** A change applied with no update encoded for it (replica-load.ts): logged without its bytes. */
  noteUnencoded(transaction: Y.Transaction, source: string): void {
    this.push({ kind: 'update', local: transaction.local, bytes: null, source, summary: `${describeTransaction(transaction)} (loaded, not encoded)` })
  }

  private readonly onAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const clients = [...added, ...updated, ...removed]
    const local = clients.length === 1 && clients[0] === this.awareness.clientID
    const parts = [added.length && `+${added.join(', +')}`, updated.length && `~${updated.join(', ~')}`, removed.length && `-${removed.join(', -')}`]
    this.push({
      kind: 'awareness',
      local,
      bytes: awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients.filter((id) => this.awareness.getStates().has(id))).byteLength,
      source: local ? 'this tab' : this.describeOrigin(origin),
      summary: parts.filter(Boolean).join(' '),
    })
  }

  private push(entry: Omit<LogEntry, 'id' | 'at'>): void {
    this.entries = [{ ...entry, id: this.nextId++, at: Date.now() }, ...this.entries].slice(0, MAX_ENTRIES)
    this.emit('change', [])
  }
}

function describeTransaction(transaction: Y.Transaction): string {
  const changed = transaction.changed.size
  return `${changed} shared ${changed === 1 ? 'type' : 'types'} changed${transaction.deleteSet.clients.size > 0 ? ', with deletions' : ''}`
}
