/**
 * What one room tells the activity log (activity-log.ts): the semantic
 * changes (shared/list-events.ts) of the writes this node accepted from its
 * own clients and HTTP requests, with who made them, and who became present
 * or absent on the list.
 *
 * A change counts only while `as(writer, …)` runs, which the room wraps
 * around applying a client's update or an HTTP change. The room's own
 * transactions (upgrade, clientID ownership, housekeeping, inheriting a
 * failed room's state) and updates relayed from peer nodes run outside it,
 * so every change is recorded once in a cluster: by the node that accepted it.
 *
 * Presence is read from the room's awareness, where the server stamps every
 * state with its user (awareness-stamp.ts), across this node's clients and
 * those of other nodes: a user is present while any state names them. A
 * change of presence caused by this node's own client (its awareness update,
 * or its socket leaving) is this node's to record; one that arrives from a
 * peer node, or an awareness state timing out, only keeps the picture right.
 */
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { observeListEventsAcrossTurns } from '../shared/list-events.ts'
import type { ActivityLog, Actor } from './activity-log.ts'
import { FROM_FANOUT } from './peer-sync.ts'

/** Who writes, as the room knows them (room.ts `Writer`). */
export interface ActivityWriter {
  userId: string
  name?: string
}

export class RoomActivity {
  private writer: Actor | null = null
  /** userId → name, of everyone present now. */
  private present = new Map<string, string>()
  private readonly stopEvents: () => void
  /** Settles once the items present at load are read (across event-loop turns): changes before then are not recorded. */
  readonly ready: Promise<void>

  constructor(
    private readonly listId: string,
    doc: Y.Doc,
    private readonly awareness: Awareness,
    private readonly log: ActivityLog,
  ) {
    const events = observeListEventsAcrossTurns(doc, (event) => {
      if (this.writer) log.changed(listId, this.writer, [event])
    })
    this.stopEvents = events.stop
    this.ready = events.baselineRead
    awareness.on('change', this.onPresence)
  }

  /** Runs `apply` (a write `writer` makes), attributing the changes it makes to them. */
  as<T>(writer: ActivityWriter, apply: () => T): T {
    const outer = this.writer
    this.writer = { id: writer.userId, name: writer.name ?? '' }
    try {
      return apply()
    } finally {
      this.writer = outer
    }
  }

  private readonly onPresence = (_change: unknown, origin: unknown): void => {
    const now = new Map<string, string>()
    for (const state of this.awareness.getStates().values()) {
      const user = (state as { user?: { id?: unknown; name?: unknown } }).user
      if (typeof user?.id === 'string') now.set(user.id, typeof user.name === 'string' ? user.name : '')
    }
    const local = origin !== FROM_FANOUT && origin !== 'timeout'
    for (const [id, name] of now) if (!this.present.has(id)) this.log.joined(this.listId, { id, name }, local)
    for (const [id, name] of this.present) if (!now.has(id)) this.log.left(this.listId, { id, name }, local)
    this.present = now
  }

  destroy(): void {
    this.stopEvents()
    this.awareness.off('change', this.onPresence)
  }
}
