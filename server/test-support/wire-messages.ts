/**
 * Encoders for the y-websocket messages the fault and fuzz tests send by
 * hand on raw sockets, byte for byte what an honest client would send.
 */
import * as encoding from 'lib0/encoding'
import { MessageType, encodeAwarenessMessage, encodeSyncMessage } from '../../shared/protocol.ts'

/** `Sync` message: step (0 state vector, 1 step-2 update, 2 update) and its payload. */
export const syncMessage = encodeSyncMessage

export interface AwarenessEntry {
  clientId: number
  clock: number
  /** JSON text of the state; `'null'` removes the client's presence. */
  stateJson: string
}

/** The inner awareness update (y-protocols format): count, then clientID, clock, JSON per entry. */
export function awarenessUpdate(entries: AwarenessEntry[]): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(enc, entry.clientId)
    encoding.writeVarUint(enc, entry.clock)
    encoding.writeVarString(enc, entry.stateJson)
  }
  return encoding.toUint8Array(enc)
}

/** `Awareness` message wrapping an inner update: the protocol module's own encoder. */
export const awarenessMessage = encodeAwarenessMessage

/** `QueryAwareness`: the server answers with every presence it holds. */
export function queryAwarenessMessage(): Uint8Array {
  return Uint8Array.of(MessageType.QueryAwareness)
}
