/**
 * Per-clientID clock maps, shaped like a decoded Yjs state vector: for each
 * clientID, the clock up to which something holds that client's changes (a
 * document, storage, a peer's acknowledgement). A client missing from a map
 * has clock 0. Clocks only ever move forward, so merging keeps the larger one.
 */

import type * as Y from 'yjs'

/** A clock per clientID, as `Y.decodeStateVector` returns. */
export type Clocks = Map<number, number>

/**
 * The document's own clocks: its state vector, as
 * `Y.decodeStateVector(Y.encodeStateVector(doc))` gives it, read from its
 * struct store without encoding and decoding (what `encodeStateVector` reads).
 */
export function clocksOf(doc: Y.Doc): Clocks {
  const clocks: Clocks = new Map()
  for (const [clientId, structs] of doc.store.clients) {
    const last = structs[structs.length - 1]
    if (last) clocks.set(clientId, last.id.clock + last.length)
  }
  return clocks
}

/** Sets `clientId`'s clock to `clock` if that is further than it was; returns whether it moved. */
export function advanceClock(clocks: Clocks, clientId: number, clock: number): boolean {
  if (clock <= (clocks.get(clientId) ?? 0)) return false
  clocks.set(clientId, clock)
  return true
}

/** Advances every clock of `into` that `from` is further along on; returns the entries that moved. */
export function mergeClocks(into: Clocks, from: ReadonlyMap<number, number>): Clocks {
  const advanced: Clocks = new Map()
  for (const [clientId, clock] of from) {
    if (advanceClock(into, clientId, clock)) advanced.set(clientId, clock)
  }
  return advanced
}

/** The entries of `clocks` that are further along than `base` (e.g. what a transaction added). */
export function clocksAhead(clocks: ReadonlyMap<number, number>, base: ReadonlyMap<number, number>): Clocks {
  const ahead: Clocks = new Map()
  for (const [clientId, clock] of clocks) {
    if (clock > (base.get(clientId) ?? 0)) ahead.set(clientId, clock)
  }
  return ahead
}

/** Whether `clocks` reaches at least as far as `other` on every client. */
export function clocksCover(clocks: ReadonlyMap<number, number>, other: ReadonlyMap<number, number>): boolean {
  for (const [clientId, clock] of other) {
    if (clock > (clocks.get(clientId) ?? 0)) return false
  }
  return true
}
