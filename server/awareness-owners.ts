/**
 * Who speaks for each awareness clientID in a room: one of its connections,
 * or a client of another node. A connection may only update or remove the
 * presence it owns; a connection or a node that goes takes its presence
 * with it.
 */
import { Connection } from './connection.ts'

/** Awareness clientIDs one connection may speak for (a tab has one; a few spare for reloads). */
const MAX_AWARENESS_IDS_PER_CONNECTION = 4

type AwarenessOwner = Connection | { node: string }

export class AwarenessOwners {
  private readonly owners = new Map<number, AwarenessOwner>()

  /** Whether `conn` may speak for `clientId`: it owns it already, or it is free and `conn` has room for one more. */
  mayUse(conn: Connection, clientId: number): boolean {
    const owner = this.owners.get(clientId)
    if (owner !== undefined) return owner === conn
    return conn.awarenessIds.size < MAX_AWARENESS_IDS_PER_CONNECTION
  }

  /** `conn` speaks for these clientIDs now. */
  claim(conn: Connection, clientIds: Iterable<number>): void {
    for (const id of clientIds) {
      conn.awarenessIds.add(id)
      this.owners.set(id, conn)
    }
  }

  /** `conn` left: forgets the clientIDs it owned and returns them. */
  releaseConnection(conn: Connection): number[] {
    const gone = [...conn.awarenessIds].filter((id) => this.owners.get(id) === conn)
    for (const id of gone) this.owners.delete(id)
    return gone
  }

  /** A client of another node spoke for `clientId`; one a local connection owns stays its. */
  notePeer(node: string, clientId: number): void {
    if (!(this.owners.get(clientId) instanceof Connection)) this.owners.set(clientId, { node })
  }

  /** `node` is gone: forgets the clientIDs its clients owned and returns them. */
  dropNode(node: string): number[] {
    const gone: number[] = []
    for (const [id, owner] of this.owners) {
      if (!(owner instanceof Connection) && owner.node === node) gone.push(id)
    }
    for (const id of gone) this.owners.delete(id)
    return gone
  }

  /** The clientIDs this node's own connections speak for that have a state in `states`. */
  localIds(states: ReadonlyMap<number, unknown>): number[] {
    const ids: number[] = []
    for (const [id, owner] of this.owners) if (owner instanceof Connection && states.has(id)) ids.push(id)
    return ids
  }
}
