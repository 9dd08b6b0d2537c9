/**
 * The entries of an awareness update, in y-protocols' wire format
 * (`encodeAwarenessUpdate` / `applyAwarenessUpdate` in y-protocols/awareness):
 * a varuint count, then per entry a varuint clientID, a varuint clock and the
 * state as a varstring of JSON (`null` when the client left).
 *
 * This is the one place that reads or writes those bytes by hand: the server
 * stamps client updates with the token's identity (server/awareness-stamp.ts),
 * notes which node speaks for the clientIDs a peer announces
 * (server/peer-sync.ts), and tests build hostile updates
 * (server/test-support/wire-messages.ts) — all through here. The state stays
 * JSON text: whether it parses, and what it may hold, is each caller's rule.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export interface AwarenessEntry {
  clientId: number
  clock: number
  /** JSON text of the state; `'null'` removes the client's presence. */
  stateJson: string
}

/** The fewest bytes an entry takes: a one-byte clientID, clock and string length. */
const MIN_ENTRY_BYTES = 3

export interface DecodeAwarenessOptions {
  /** More entries than this is refused before any is read. Default: as many as the bytes can hold. */
  maxEntries?: number
}

/**
 * Decodes every entry of `update`. Throws on a count over `maxEntries` (or
 * over what the bytes could hold, so a forged count costs nothing), on
 * truncated input and on trailing bytes.
 */
export function decodeAwarenessEntries(update: Uint8Array, options: DecodeAwarenessOptions = {}): AwarenessEntry[] {
  const dec = decoding.createDecoder(update)
  const count = decoding.readVarUint(dec)
  const maxEntries = options.maxEntries ?? Infinity
  if (count > maxEntries) throw new Error(`awareness update has ${count} entries (at most ${maxEntries})`)
  if (count * MIN_ENTRY_BYTES > update.byteLength - dec.pos) throw new Error(`awareness update of ${update.byteLength} bytes cannot hold ${count} entries`)
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(dec)
    const clock = decoding.readVarUint(dec)
    entries.push({ clientId, clock, stateJson: decoding.readVarString(dec) })
  }
  if (decoding.hasContent(dec)) throw new Error('trailing bytes after awareness update')
  return entries
}

/** Encodes `entries` byte for byte as y-protocols' `encodeAwarenessUpdate` would. */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(enc, entry.clientId)
    encoding.writeVarUint(enc, entry.clock)
    encoding.writeVarString(enc, entry.stateJson)
  }
  return encoding.toUint8Array(enc)
}
