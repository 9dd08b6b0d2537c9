/**
 * Bringing back a presence this node holds as removed.
 *
 * y-protocols orders each client's awareness states by a clock that only the
 * client advances. A presence removed by anyone else — a node dropping a
 * silent peer's clients, a room dropping a closed socket's — keeps its clock,
 * and `applyAwarenessUpdate` refuses that client's state at that clock from
 * then on (it takes a higher clock, or an equal one only to remove). So when
 * the client is in fact still there (the fan-out came back; it reconnected,
 * here or to another node) and its state is announced again as it was, the
 * state is refused, and its presence stays missing until the client next
 * changes it or renews it (every 15 s in y-protocols).
 *
 * A server must not make up a newer clock for a client: the client's own
 * next state would then arrive with a clock already used, and be refused in
 * turn. The client makes one itself when it is told that its own state is
 * removed at its current clock: y-protocols' `applyAwarenessUpdate` never
 * lets a remote removal of the local state stand, it advances the clock and
 * announces the state again, which every unmodified y-websocket client sends
 * to the server. So wherever a state is refused because the awareness holds
 * that client as removed at a clock as new or newer, its client is sent that
 * removal, with that clock (`removalNotice`): by the room, when the client is
 * connected there (client-messages.ts), and through its node otherwise
 * (peer-sync.ts). A notice is only sent for a refusal, and carries the
 * refused clock, so a state announced again and again asks for one new clock,
 * not one per announcement.
 */
import type * as awarenessProtocol from 'y-protocols/awareness'
import { decodeAwarenessEntries, encodeAwarenessEntries } from '../shared/awareness-entries.ts'

/** A client whose presence an awareness holds as removed, and the clock it was removed at. */
export interface RemovedPresence {
  clientId: number
  clock: number
}

/**
 * The clients whose state in `update` (just applied to `awareness`) was
 * refused because `awareness` holds them as removed at a clock as new or
 * newer, with that clock. A removal in `update`, or a state that is older
 * than one `awareness` holds, is no such refusal.
 */
export function refusedAsRemoved(awareness: awarenessProtocol.Awareness, update: Uint8Array): RemovedPresence[] {
  const refused: RemovedPresence[] = []
  for (const entry of decodeAwarenessEntries(update)) {
    if (entry.stateJson === 'null' || awareness.getStates().has(entry.clientId)) continue
    const held = awareness.meta.get(entry.clientId)?.clock
    if (held !== undefined && held >= entry.clock) refused.push({ clientId: entry.clientId, clock: held })
  }
  return refused
}

/**
 * The awareness update (y-protocols' bytes) removing each client's state at
 * its clock: sent to the client itself, it answers with its state at the next
 * clock. Only ever sent to the client the state belongs to.
 */
export function removalNotice(removed: readonly RemovedPresence[]): Uint8Array {
  return encodeAwarenessEntries(removed.map(({ clientId, clock }) => ({ clientId, clock, stateJson: 'null' })))
}

/**
 * Of `removed` (clocks a peer holds these clients removed at), what to send
 * this node's own client, whose state `awareness` holds: the removal at the
 * peer's clock (ours is not newer). Nothing when `awareness` holds no
 * state for it (the client left) or a newer clock than the peer's (the client
 * has announced a newer state already, which reaches the peer on its own).
 */
export function noticeForOwnClient(awareness: awarenessProtocol.Awareness, removed: RemovedPresence): RemovedPresence | null {
  const held = awareness.meta.get(removed.clientId)?.clock
  if (held === undefined || !awareness.getStates().has(removed.clientId) || held > removed.clock) return null
  return removed
}
