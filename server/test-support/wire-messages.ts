/**
 * Encoders for the y-websocket messages the fault and fuzz tests send by
 * hand on raw sockets, byte for byte what an honest client would send.
 */
import { encodeAwarenessEntries, type AwarenessEntry } from '../../shared/awareness-entries.ts'
import { MessageType, encodeAwarenessMessage, encodeSyncMessage } from '../../shared/protocol.ts'

/** `Sync` message: step (0 state vector, 1 step-2 update, 2 update) and its payload. */
export const syncMessage = encodeSyncMessage

export type { AwarenessEntry }

/** The inner awareness update (y-protocols format): count, then clientID, clock, JSON per entry. */
export const awarenessUpdate = encodeAwarenessEntries

/** `Awareness` message wrapping an inner update: the protocol module's own encoder. */
export const awarenessMessage = encodeAwarenessMessage

/** `QueryAwareness`: the server answers with every presence it holds. */
export function queryAwarenessMessage(): Uint8Array {
  return Uint8Array.of(MessageType.QueryAwareness)
}
