/**
 * Encoders for the y-websocket messages the fault and fuzz tests send by
 * hand on raw sockets, byte for byte what an honest client would send.
 */
import * as encoding from 'lib0/encoding'
import { MessageType } from '../../shared/protocol.ts'

/** `Sync` message: step (0 state vector, 1 step-2 update, 2 update) and its payload. */
export function syncMessage(step: number, payload: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.Sync)
  encoding.writeVarUint(enc, step)
  encoding.writeVarUint8Array(enc, payload)
  return encoding.toUint8Array(enc)
}

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

/** `Awareness` message wrapping an inner update. */
export function awarenessMessage(update: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.Awareness)
  encoding.writeVarUint8Array(enc, update)
  return encoding.toUint8Array(enc)
}

/** `QueryAwareness`: the server answers with every presence it holds. */
export function queryAwarenessMessage(): Uint8Array {
  return Uint8Array.of(MessageType.QueryAwareness)
}
