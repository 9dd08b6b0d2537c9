/**
 * Rewrites an awareness update from a client so that every state it carries
 * names the connection's authenticated user. A client may add its own fields
 * (colour, focused item, typing) but `user.id` and `user.name` always come
 * from the token, so nobody can appear as someone else.
 *
 * The wire format is y-protocols' awareness update: a count, then per entry a
 * clientID, a clock and a JSON state (`null` when the client leaves), read
 * and written by shared/awareness-entries.ts.
 */
import { decodeAwarenessEntries, encodeAwarenessEntries, type AwarenessEntry } from '../shared/awareness-entries.ts'
import { AwarenessRefusal, AwarenessRefused } from './awareness-limits.ts'

export interface AwarenessIdentity {
  id: string
  name: string
}

export interface StampResult {
  /** The re-encoded update holding only accepted entries, or null if none was. */
  update: Uint8Array | null
  /** The clientIDs the update speaks for, each with the UTF-8 bytes of its stamped state. */
  states: Array<{ clientId: number; bytes: number }>
}

/** Entries one client update may carry; more is refused before any is read. */
const MAX_ENTRIES = 64

/**
 * `mayUse(clientId, clock, leaving)` decides whether this connection may
 * speak for a clientID in an entry at `clock` (`leaving`: its state is
 * null): it must not overwrite or remove another connection's state.
 * Throws on malformed input, including a state that is not JSON, even in an
 * entry `mayUse` refuses; and `AwarenessRefused` for any state over
 * `maxStateBytes` (before it is parsed; an echo of a state the room holds is
 * never over), or an accepted one that is over once stamped.
 */
export function stampAwarenessUpdate(
  update: Uint8Array,
  identity: AwarenessIdentity,
  maxStateBytes: number,
  mayUse: (clientId: number, clock: number, leaving: boolean) => boolean,
): StampResult {
  const accepted: AwarenessEntry[] = []
  const states: StampResult['states'] = []
  for (const entry of decodeAwarenessEntries(update, { maxEntries: MAX_ENTRIES })) {
    refuseOver(entry, maxStateBytes)
    const raw: unknown = JSON.parse(entry.stateJson)
    if (!mayUse(entry.clientId, entry.clock, raw === null)) continue
    const stamped = { clientId: entry.clientId, clock: entry.clock, stateJson: JSON.stringify(stampState(raw, identity)) }
    states.push({ clientId: entry.clientId, bytes: refuseOver(stamped, maxStateBytes) })
    accepted.push(stamped)
  }
  if (accepted.length === 0) return { update: null, states: [] }
  return { update: encodeAwarenessEntries(accepted), states }
}

/** The UTF-8 bytes of the entry's state; throws if they are over `maxBytes`. */
function refuseOver(entry: AwarenessEntry, maxBytes: number): number {
  // A UTF-8 string has at least as many bytes as UTF-16 code units: no need to count a huge one.
  const bytes = entry.stateJson.length > maxBytes ? Infinity : Buffer.byteLength(entry.stateJson)
  if (bytes > maxBytes) throw new AwarenessRefused(AwarenessRefusal.StateBytes, `awareness state of clientID ${entry.clientId} is over ${maxBytes} bytes`)
  return bytes
}

function stampState(raw: unknown, identity: AwarenessIdentity): Record<string, unknown> | null {
  if (raw === null) return null
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('awareness state is not an object')
  const state = raw as Record<string, unknown>
  const user = typeof state.user === 'object' && state.user !== null && !Array.isArray(state.user) ? state.user : {}
  return { ...state, user: { ...user, id: identity.id, name: identity.name } }
}
