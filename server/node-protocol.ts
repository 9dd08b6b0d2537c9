/**
 * Messages between server nodes, carried by the fan-out (fanout.ts). Clients
 * never see these. Per list, a node publishes on four topics:
 *
 * - `doc:<list>`: a Yjs update it accepted (applied by peers, stored only by
 *   the node that accepted it);
 * - `awareness:<list>`: an awareness update of its clients;
 * - `persisted:<list>`: durable clocks it advanced by appending to the shared
 *   store (Colist protocol `Persisted` format), forwarded to every client;
 * - `sync:<list>`: catch-up between nodes, below.
 *
 * Catch-up works like y-protocols' sync steps, between nodes: a node that
 * loads a list live elsewhere, or whose fan-out reconnects, publishes a
 * Request with its state vector; every peer holding the list answers with a
 * Reply addressed to it, carrying the update it lacks and the awareness of
 * the peer's own clients, and (when asked) a Request of its own, so the
 * exchange goes both ways.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export const topics = {
  doc: (listId: string) => `doc:${listId}`,
  awareness: (listId: string) => `awareness:${listId}`,
  persisted: (listId: string) => `persisted:${listId}`,
  sync: (listId: string) => `sync:${listId}`,
  access: 'access',
  nodes: 'nodes',
} as const

const SyncKind = { Request: 0, Reply: 1 } as const

export type NodeSyncMessage =
  | { kind: 'request'; askBack: boolean; stateVector: Uint8Array }
  | { kind: 'reply'; to: string; update: Uint8Array; awareness: Uint8Array | null }

export function encodeNodeSync(msg: NodeSyncMessage): Uint8Array {
  const enc = encoding.createEncoder()
  if (msg.kind === 'request') {
    encoding.writeVarUint(enc, SyncKind.Request)
    encoding.writeUint8(enc, msg.askBack ? 1 : 0)
    encoding.writeVarUint8Array(enc, msg.stateVector)
  } else {
    encoding.writeVarUint(enc, SyncKind.Reply)
    encoding.writeVarString(enc, msg.to)
    encoding.writeVarUint8Array(enc, msg.update)
    encoding.writeVarUint8Array(enc, msg.awareness ?? new Uint8Array(0))
  }
  return encoding.toUint8Array(enc)
}

export function decodeNodeSync(payload: Uint8Array): NodeSyncMessage {
  const dec = decoding.createDecoder(payload)
  const kind = decoding.readVarUint(dec)
  if (kind === SyncKind.Request) {
    return { kind: 'request', askBack: decoding.readUint8(dec) === 1, stateVector: decoding.readVarUint8Array(dec) }
  }
  if (kind === SyncKind.Reply) {
    const to = decoding.readVarString(dec)
    const update = decoding.readVarUint8Array(dec)
    const awareness = decoding.readVarUint8Array(dec)
    return { kind: 'reply', to, update, awareness: awareness.byteLength > 0 ? awareness : null }
  }
  throw new Error(`unknown node sync kind ${kind}`)
}

/** Node heartbeats on `topics.nodes`: alive, or leaving now (graceful stop). */
export type NodeBeat = 'alive' | 'leaving'

export function encodeBeat(beat: NodeBeat): Uint8Array {
  return Uint8Array.of(beat === 'alive' ? 1 : 0)
}

export function decodeBeat(payload: Uint8Array): NodeBeat {
  return payload[0] === 0 ? 'leaving' : 'alive'
}
