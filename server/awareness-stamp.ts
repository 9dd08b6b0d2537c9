/**
 * Rewrites an awareness update from a client so that every state it carries
 * names the connection's authenticated user. A client may add its own fields
 * (colour, focused item, typing) but `user.id` and `user.name` always come
 * from the token, so nobody can appear as someone else.
 *
 * The wire format is y-protocols' awareness update: a count, then per entry a
 * clientID, a clock and a JSON state (`null` when the client leaves).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export interface AwarenessIdentity {
  id: string
  name: string
}

export interface StampResult {
  /** The re-encoded update holding only accepted entries, or null if none was. */
  update: Uint8Array | null
  /** clientIDs the update speaks for. */
  clientIds: number[]
}

const MAX_ENTRIES = 64

/**
 * `mayUse(clientId)` decides whether this connection may speak for a
 * clientID (it must not overwrite or remove another connection's state).
 * Throws on malformed input.
 */
export function stampAwarenessUpdate(
  update: Uint8Array,
  identity: AwarenessIdentity,
  mayUse: (clientId: number) => boolean,
): StampResult {
  const dec = decoding.createDecoder(update)
  const count = decoding.readVarUint(dec)
  if (count > MAX_ENTRIES) throw new Error(`awareness update has ${count} entries`)
  const accepted: Array<{ clientId: number; clock: number; state: string }> = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(dec)
    const clock = decoding.readVarUint(dec)
    const raw: unknown = JSON.parse(decoding.readVarString(dec))
    if (!mayUse(clientId)) continue
    accepted.push({ clientId, clock, state: JSON.stringify(stampState(raw, identity)) })
  }
  if (decoding.hasContent(dec)) throw new Error('trailing bytes after awareness update')
  if (accepted.length === 0) return { update: null, clientIds: [] }
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, accepted.length)
  for (const entry of accepted) {
    encoding.writeVarUint(enc, entry.clientId)
    encoding.writeVarUint(enc, entry.clock)
    encoding.writeVarString(enc, entry.state)
  }
  return { update: encoding.toUint8Array(enc), clientIds: accepted.map((e) => e.clientId) }
}

function stampState(raw: unknown, identity: AwarenessIdentity): Record<string, unknown> | null {
  if (raw === null) return null
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('awareness state is not an object')
  const state = raw as Record<string, unknown>
  const user = typeof state.user === 'object' && state.user !== null && !Array.isArray(state.user) ? state.user : {}
  return { ...state, user: { ...user, id: identity.id, name: identity.name } }
}
