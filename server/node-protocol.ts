/**
 * Messages between server nodes, carried by the fan-out (fanout.ts): every
 * byte one node sends another is encoded and decoded here, and nowhere else.
 * Clients never see these. Per list, a node publishes on five topics:
 *
 * - `doc:<list>`: a Yjs update it accepted, as is (applied by peers, stored
 *   only by the node that accepted it);
 * - `awareness:<list>`: an awareness update of its clients, in y-protocols'
 *   format (entries: shared/awareness-entries.ts), carrying the identity the
 *   accepting node stamped;
 * - `persisted:<list>`: durable clocks it advanced by appending to the shared
 *   store, as the Colist protocol `Persisted` message itself, so the room
 *   encodes it once for its sockets and its peers; forwarded to every client;
 * - `sync:<list>`: catch-up between nodes, below;
 * - `activity:<list>`: an activity event this node recorded (shared/activity.ts),
 *   as its JSON, for the devices other nodes serve (activity-feed.ts).
 *
 * And, for the whole node:
 *
 * - `access`: a role change or deletion of a list, as JSON, applied to open
 *   sockets on every node;
 * - `lists`: what the lists feed (lists-feed.ts) needs beyond access
 *   changes, as JSON: a list's document stats after a change this node made,
 *   and a list just created (its owner's devices show it);
 * - `sessions`: sessions ended (log-out) or rotated (refresh), as JSON, so
 *   every node drops its cached copy and closes the ended ones' sockets with
 *   4001 at once (sessions.ts);
 * - `nodes`: heartbeats, one byte.
 *
 * Catch-up works like y-protocols' sync steps, between nodes: a node that
 * loads a list live elsewhere, or whose fan-out reconnects, publishes a
 * Request with its state vector; every peer holding the list answers with a
 * Reply addressed to it, carrying the update it lacks and the awareness of
 * the peer's own clients, and (when asked) a Request of its own, so the
 * exchange goes both ways. A node that refuses a peer's client's state
 * because it holds that client's presence as removed at that clock (it
 * dropped the peer meanwhile) answers with a Revive addressed to the peer,
 * naming the clients and clocks; the peer has each of those clients announce
 * its state again with a newer clock (presence-revival.ts).
 *
 * Over Redis each message travels in an envelope naming the node that sent
 * it (`encodeEnvelope`), because Redis echoes a node's messages back to it.
 *
 * Nodes of different versions share a cluster during a rolling deploy: a
 * format here changes only in a way older nodes still decode
 * (node-protocol.test.ts pins today's bytes).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { decodeAwarenessEntries } from '../shared/awareness-entries.ts'
import { decodeActivityEvent, encodeActivityEvent, type ActivityEvent } from '../shared/activity.ts'
import { MessageType, ROLES, decodePersisted, encodePersisted, type PersistedClocks, type Role } from '../shared/protocol.ts'
import type { DocStats } from './list-doc-stats.ts'

export const topics = {
  doc: (listId: string) => `doc:${listId}`,
  awareness: (listId: string) => `awareness:${listId}`,
  persisted: (listId: string) => `persisted:${listId}`,
  sync: (listId: string) => `sync:${listId}`,
  activity: (listId: string) => `activity:${listId}`,
  access: 'access',
  lists: 'lists',
  sessions: 'sessions',
  nodes: 'nodes',
} as const

// -----------------------------------------------------------------------------
// Envelope (RedisFanout): the sender's node id, then the payload
// -----------------------------------------------------------------------------

export interface Envelope {
  fromNode: string
  payload: Uint8Array
}

/** Varstring node id, then the payload to the end (no length). */
export function encodeEnvelope(fromNode: string, payload: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarString(enc, fromNode)
  encoding.writeUint8Array(enc, payload)
  return encoding.toUint8Array(enc)
}

/** The payload is a view into `message`, not a copy. */
export function decodeEnvelope(message: Uint8Array): Envelope {
  const dec = decoding.createDecoder(message)
  const fromNode = decoding.readVarString(dec)
  return { fromNode, payload: decoding.readTailAsUint8Array(dec) }
}

// -----------------------------------------------------------------------------
// awareness:<list>
// -----------------------------------------------------------------------------

/**
 * The clientIDs a peer's awareness update speaks for. Throws on a malformed
 * update. (The update itself is applied with y-protocols' own decoder, and a
 * node announces all of its clients at once, so there is no entry cap.)
 */
export function nodeAwarenessClientIds(update: Uint8Array): number[] {
  return decodeAwarenessEntries(update).map((entry) => entry.clientId)
}

// -----------------------------------------------------------------------------
// persisted:<list>
// -----------------------------------------------------------------------------

/** The Colist `Persisted` client message: what the room sends its clients, byte for byte. */
export function encodeNodePersisted(clocks: PersistedClocks): Uint8Array {
  return encodePersisted(clocks)
}

export function decodeNodePersisted(payload: Uint8Array): PersistedClocks {
  const dec = decoding.createDecoder(payload)
  const type = decoding.readVarUint(dec)
  if (type !== MessageType.Persisted) throw new Error(`persisted topic carried message type ${type}`)
  return decodePersisted(dec)
}

// -----------------------------------------------------------------------------
// sync:<list>
// -----------------------------------------------------------------------------

const SyncKind = { Request: 0, Reply: 1, Revive: 2 } as const

export type NodeSyncMessage =
  | { kind: 'request'; askBack: boolean; stateVector: Uint8Array }
  | { kind: 'reply'; to: string; update: Uint8Array; awareness: Uint8Array | null }
  | { kind: 'revive'; to: string; clients: Array<{ clientId: number; clock: number }> }

/**
 * Request: varuint 0, byte askBack (1/0), varUint8Array state vector.
 * Reply: varuint 1, varstring addressee, varUint8Array update,
 * varUint8Array awareness update (empty for none).
 * Revive: varuint 2, varstring addressee, varuint count, then per client a
 * varuint clientID and a varuint clock (the one it is held removed at).
 * Nodes older than Revive log it as a sync message they cannot read and go
 * on; their clients' presence then comes back only with the client's next
 * clock, as before.
 */
export function encodeNodeSync(msg: NodeSyncMessage): Uint8Array {
  const enc = encoding.createEncoder()
  if (msg.kind === 'request') {
    encoding.writeVarUint(enc, SyncKind.Request)
    encoding.writeUint8(enc, msg.askBack ? 1 : 0)
    encoding.writeVarUint8Array(enc, msg.stateVector)
  } else if (msg.kind === 'reply') {
    encoding.writeVarUint(enc, SyncKind.Reply)
    encoding.writeVarString(enc, msg.to)
    encoding.writeVarUint8Array(enc, msg.update)
    encoding.writeVarUint8Array(enc, msg.awareness ?? new Uint8Array(0))
  } else {
    encoding.writeVarUint(enc, SyncKind.Revive)
    encoding.writeVarString(enc, msg.to)
    encoding.writeVarUint(enc, msg.clients.length)
    for (const { clientId, clock } of msg.clients) {
      encoding.writeVarUint(enc, clientId)
      encoding.writeVarUint(enc, clock)
    }
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
  if (kind === SyncKind.Revive) {
    const to = decoding.readVarString(dec)
    const count = decoding.readVarUint(dec)
    // Two bytes at least per client: a forged count is refused before anything is allocated for it.
    if (count * 2 > payload.byteLength - dec.pos) throw new Error(`revive of ${payload.byteLength} bytes cannot name ${count} clients`)
    const clients: Array<{ clientId: number; clock: number }> = []
    for (let i = 0; i < count; i++) clients.push({ clientId: decoding.readVarUint(dec), clock: decoding.readVarUint(dec) })
    return { kind: 'revive', to, clients }
  }
  throw new Error(`unknown node sync kind ${kind}`)
}

// -----------------------------------------------------------------------------
// access
// -----------------------------------------------------------------------------

/** A member's role changed (`role: null`: removed), or the list was deleted. */
export type AccessChange = { kind: 'role'; listId: string; userId: string; role: Role | null } | { kind: 'deleted'; listId: string }

/** JSON (UTF-8), keys in this order: kind, listId, then userId and role. */
export function encodeAccessChange(change: AccessChange): Uint8Array {
  const json =
    change.kind === 'role'
      ? { kind: change.kind, listId: change.listId, userId: change.userId, role: change.role }
      : { kind: change.kind, listId: change.listId }
  return new TextEncoder().encode(JSON.stringify(json))
}

/** Throws on anything but a well-formed change (unknown fields are ignored). */
export function decodeAccessChange(payload: Uint8Array): AccessChange {
  const value: unknown = JSON.parse(new TextDecoder().decode(payload))
  if (typeof value !== 'object' || value === null) throw new Error('access change is not an object')
  const v = value as Record<string, unknown>
  if (typeof v.listId !== 'string') throw new Error('access change without a listId')
  if (v.kind === 'deleted') return { kind: 'deleted', listId: v.listId }
  if (v.kind === 'role' && typeof v.userId === 'string' && (v.role === null || ROLES.includes(v.role as Role))) {
    return { kind: 'role', listId: v.listId, userId: v.userId, role: v.role as Role | null }
  }
  throw new Error(`malformed access change of kind ${String(v.kind)}`)
}

// -----------------------------------------------------------------------------
// lists
// -----------------------------------------------------------------------------

/**
 * A list's document stats changed (list-doc-stats.ts), the list was created by `userId`, or `userId` placed
 * these lists on their lists page (pinned, moved: storage's ListPlacement).
 */
export type ListsFeedChange =
  | { kind: 'stats'; listId: string; stats: DocStats }
  | { kind: 'created'; listId: string; userId: string }
  | { kind: 'placed'; userId: string; listIds: string[] }

/** JSON (UTF-8): kind, then listId and stats {title, open, checked, changedAt, changedBy, preview}, listId and userId, or userId and listIds. */
export function encodeListsFeedChange(change: ListsFeedChange): Uint8Array {
  const json =
    change.kind === 'stats'
      ? {
          kind: change.kind,
          listId: change.listId,
          stats: {
            title: change.stats.title,
            open: change.stats.open,
            checked: change.stats.checked,
            changedAt: change.stats.changedAt,
            changedBy: change.stats.changedBy,
            preview: change.stats.preview.map(({ id, text }) => ({ id, text })),
          },
        }
      : change.kind === 'created'
        ? { kind: change.kind, listId: change.listId, userId: change.userId }
        : { kind: change.kind, userId: change.userId, listIds: change.listIds }
  return new TextEncoder().encode(JSON.stringify(json))
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0
const isStringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string'
const isPreview = (value: unknown): value is Array<{ id: string; text: string }> =>
  Array.isArray(value) && value.every((item: unknown) => typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string' && typeof (item as { text?: unknown }).text === 'string')

/** Throws on anything but a well-formed change (unknown fields are ignored). */
export function decodeListsFeedChange(payload: Uint8Array): ListsFeedChange {
  const value: unknown = JSON.parse(new TextDecoder().decode(payload))
  if (typeof value !== 'object' || value === null) throw new Error('lists change is not an object')
  const v = value as Record<string, unknown>
  if (v.kind === 'placed' && typeof v.userId === 'string' && Array.isArray(v.listIds) && v.listIds.every((id) => typeof id === 'string')) {
    return { kind: 'placed', userId: v.userId, listIds: v.listIds as string[] }
  }
  if (typeof v.listId !== 'string') throw new Error('lists change without a listId')
  if (v.kind === 'created' && typeof v.userId === 'string') return { kind: 'created', listId: v.listId, userId: v.userId }
  if (v.kind === 'stats' && typeof v.stats === 'object' && v.stats !== null) {
    const { title, open, checked, changedAt, changedBy, preview } = v.stats as Record<string, unknown>
    if (typeof title === 'string' && isCount(open) && isCount(checked) && (changedAt === null || typeof changedAt === 'number') && isStringOrNull(changedBy) && (preview === undefined || isPreview(preview))) {
      // A node of the version before previews sends none.
      const items = (preview ?? []).map(({ id, text }) => ({ id, text }))
      return { kind: 'stats', listId: v.listId, stats: { title, open, checked, changedAt, changedBy, preview: items } }
    }
  }
  throw new Error(`malformed lists change of kind ${String(v.kind)}`)
}

// -----------------------------------------------------------------------------
// sessions
// -----------------------------------------------------------------------------

/** Sessions ended (their tokens stop working, their sockets close), or one whose token was rotated. */
export type SessionChange = { kind: 'ended'; sessionIds: string[] } | { kind: 'rotated'; sessionId: string }

/** JSON (UTF-8): kind, then sessionIds or sessionId. */
export function encodeSessionChange(change: SessionChange): Uint8Array {
  const json = change.kind === 'ended' ? { kind: change.kind, sessionIds: change.sessionIds } : { kind: change.kind, sessionId: change.sessionId }
  return new TextEncoder().encode(JSON.stringify(json))
}

/** Throws on anything but a well-formed change (unknown fields are ignored). */
export function decodeSessionChange(payload: Uint8Array): SessionChange {
  const value: unknown = JSON.parse(new TextDecoder().decode(payload))
  if (typeof value !== 'object' || value === null) throw new Error('session change is not an object')
  const v = value as Record<string, unknown>
  if (v.kind === 'ended' && Array.isArray(v.sessionIds) && v.sessionIds.every((id) => typeof id === 'string')) {
    return { kind: 'ended', sessionIds: v.sessionIds as string[] }
  }
  if (v.kind === 'rotated' && typeof v.sessionId === 'string') return { kind: 'rotated', sessionId: v.sessionId }
  throw new Error(`malformed session change of kind ${String(v.kind)}`)
}

// -----------------------------------------------------------------------------
// activity:<list>
// -----------------------------------------------------------------------------

/** The event's JSON (shared/activity.ts), UTF-8. */
export function encodeNodeActivity(event: ActivityEvent): Uint8Array {
  return new TextEncoder().encode(encodeActivityEvent(event))
}

/** Throws on anything but a well-formed event. */
export function decodeNodeActivity(payload: Uint8Array): ActivityEvent {
  return decodeActivityEvent(new TextDecoder().decode(payload))
}

// -----------------------------------------------------------------------------
// nodes
// -----------------------------------------------------------------------------

/** Node heartbeats on `topics.nodes`: alive, or leaving now (graceful stop). */
export type NodeBeat = 'alive' | 'leaving'

/** One byte: 1 alive, 0 leaving. */
export function encodeBeat(beat: NodeBeat): Uint8Array {
  return Uint8Array.of(beat === 'alive' ? 1 : 0)
}

/** Anything but a leading 0 (an empty payload too) reads as alive. */
export function decodeBeat(payload: Uint8Array): NodeBeat {
  return payload[0] === 0 ? 'leaving' : 'alive'
}
