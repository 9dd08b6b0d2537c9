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

/** Entries one client update may carry; more is refused before any is read. */
const MAX_ENTRIES = 64

/**
 * `mayUse(clientId, clock, leaving)` decides whether this connection may
 * speak for a clientID in an entry at `clock` (`leaving`: its state is
 * null): it must not overwrite or remove another connection's state.
 * Throws on malformed input, including a state that is not JSON, even in an
 * entry `mayUse` refuses.
 */
export function stampAwarenessUpdate(
  update: Uint8Array,
  identity: AwarenessIdentity,
  mayUse: (clientId: number, clock: number, leaving: boolean) => boolean,
): StampResult {
  const accepted: AwarenessEntry[] = []
  for (const entry of decodeAwarenessEntries(update, { maxEntries: MAX_ENTRIES })) {
    const raw: unknown = JSON.parse(entry.stateJson)
    if (!mayUse(entry.clientId, entry.clock, raw === null)) continue
    accepted.push({ clientId: entry.clientId, clock: entry.clock, stateJson: JSON.stringify(stampState(raw, identity)) })
  }
  if (accepted.length === 0) return { update: null, clientIds: [] }
  return { update: encodeAwarenessEntries(accepted), clientIds: accepted.map((e) => e.clientId) }
}

function stampState(raw: unknown, identity: AwarenessIdentity): Record<string, unknown> | null {
  if (raw === null) return null
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('awareness state is not an object')
  const state = raw as Record<string, unknown>
  const user = typeof state.user === 'object' && state.user !== null && !Array.isArray(state.user) ? state.user : {}
  return { ...state, user: { ...user, id: identity.id, name: identity.name } }
}
