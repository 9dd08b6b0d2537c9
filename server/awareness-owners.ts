/**
 * Who speaks for each awareness clientID in a room: one of its connections,
 * or a client of another node. A connection may only update or remove the
 * presence it owns; a connection or a node that goes takes its presence
 * with it, and its clientIDs are free again for the client to speak for
 * from wherever it reconnects.
 *
 * y-websocket clients send back every awareness change they receive, so a
 * connection also carries others' states and removals, echoed: those must
 * never make it their owner, or the client itself, reconnecting, would be
 * refused its own clientID (`mayUse`).
 */
import { AwarenessRefusal, AwarenessRefused, DEFAULT_AWARENESS_LIMITS, type AwarenessLimits } from './awareness-limits.ts'
import { Connection } from './connection.ts'

type AwarenessOwner = Connection | { node: string }

export class AwarenessOwners {
  private readonly owners = new Map<number, AwarenessOwner>()
  /** The bytes of the state each clientID a local connection owns last announced (awareness-limits.ts). */
  private readonly stateBytes = new Map<number, number>()

  constructor(private readonly limits: Pick<AwarenessLimits, 'maxIdsPerConnection' | 'maxConnectionBytes'> = DEFAULT_AWARENESS_LIMITS) {}

  /**
   * Whether `conn` may speak for `clientId` in an entry at `clock`
   * (`leaving`: a null state; `held`: the clock the room holds for it, if
   * any): it owns it already; or it is free, `conn` has room for one more,
   * and the entry is the client's own rather than an echo. An echo of a
   * free clientID is a removal (someone's leaving), or a state at a clock
   * the room already holds (it is what the room sent; only the client
   * itself advances its clock). A state at a clock no newer than the room's
   * is taken as the client's own only as the first clientID its connection
   * speaks for: a client announces itself as it connects, before it echoes
   * anything, and so gets back a clientID the room holds as removed at its
   * current clock (presence-revival.ts has it announce a newer one).
   */
  mayUse(conn: Connection, clientId: number, entry: { clock: number; leaving: boolean; held: number | undefined }): boolean {
    const owner = this.owners.get(clientId)
    if (owner !== undefined) return owner === conn
    if (entry.leaving || conn.awarenessIds.size >= this.limits.maxIdsPerConnection) return false
    return entry.held === undefined || entry.clock > entry.held || conn.awarenessIds.size === 0
  }

  /**
   * `conn` speaks for these clientIDs now, with states of these sizes.
   * Throws `AwarenessRefused`, claiming nothing, if that takes it past the
   * clientIDs or the bytes one connection may hold: the clientIDs new to it
   * are counted within the message too, not only those it held before.
   */
  claim(conn: Connection, states: ReadonlyArray<{ clientId: number; bytes: number }>): void {
    const incoming = new Map(states.map((s) => [s.clientId, s.bytes]))
    let ids = conn.awarenessIds.size
    for (const id of incoming.keys()) if (!conn.awarenessIds.has(id)) ids++
    if (ids > this.limits.maxIdsPerConnection) {
      throw new AwarenessRefused(AwarenessRefusal.ClientIds, `${ids} awareness clientIDs on one connection (at most ${this.limits.maxIdsPerConnection})`)
    }
    let bytes = 0
    for (const size of incoming.values()) bytes += size
    for (const id of conn.awarenessIds) if (!incoming.has(id)) bytes += this.stateBytes.get(id) ?? 0
    if (bytes > this.limits.maxConnectionBytes) {
      throw new AwarenessRefused(AwarenessRefusal.ConnectionBytes, `awareness states of ${bytes} bytes on one connection (at most ${this.limits.maxConnectionBytes})`)
    }
    for (const [id, size] of incoming) {
      conn.awarenessIds.add(id)
      this.owners.set(id, conn)
      this.stateBytes.set(id, size)
    }
  }

  /** `conn` left: forgets the clientIDs it owned and returns them. */
  releaseConnection(conn: Connection): number[] {
    const gone = [...conn.awarenessIds].filter((id) => this.owners.get(id) === conn)
    for (const id of gone) {
      this.owners.delete(id)
      this.stateBytes.delete(id)
    }
    return gone
  }

  /** The connection of this node that speaks for `clientId`, if one does. */
  connectionOf(clientId: number): Connection | null {
    const owner = this.owners.get(clientId)
    return owner instanceof Connection ? owner : null
  }

  /** A client of another node spoke for `clientId`; one a local connection owns stays its. */
  notePeer(node: string, clientId: number): void {
    if (!(this.owners.get(clientId) instanceof Connection)) this.owners.set(clientId, { node })
  }

  /**
   * `node` spoke for `clientId` and no presence is held for it now (its
   * client left that node): the clientID is free again, so the client may
   * speak for it from wherever it reconnects.
   */
  forgetPeer(node: string, clientId: number): void {
    const owner = this.owners.get(clientId)
    if (owner !== undefined && !(owner instanceof Connection) && owner.node === node) this.owners.delete(clientId)
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
