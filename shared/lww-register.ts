/**
 * Last-writer-wins register stored in a Y.Map.
 *
 * Keys are writers' Yjs clientIDs (decimal strings); values are
 * `{ v: value, t: hlcTimestamp }`. The value is the one with the greatest `t`.
 *
 * Why not one `map.set('value', x)`? Yjs resolves concurrent sets of one key
 * by clientID, not by time, so the device with the larger random id would
 * always win. Here each writer only ever sets its own key, so Yjs never has to
 * choose, and the choice is made by timestamp on read, identically everywhere.
 */
import * as Y from 'yjs'
import { clockOf, isTimestamp, type HlcTimestamp } from './hlc.ts'

export interface RegisterEntry<T> {
  v: T
  t: HlcTimestamp
}

export type RegisterMap = Y.Map<unknown>

/** Entries a buggy or hostile client wrote with the wrong shape are ignored by every reader alike. */
function isEntry<T>(entry: unknown, isValue: (value: unknown) => value is T): entry is RegisterEntry<T> {
  if (typeof entry !== 'object' || entry === null) return false
  const { v, t } = entry as Record<string, unknown>
  return isTimestamp(t) && isValue(v)
}

/** The winning value, or undefined when the register holds no valid entry. */
export function readRegister<T>(register: unknown, isValue: (value: unknown) => value is T): T | undefined {
  if (!(register instanceof Y.Map)) return undefined
  let best: RegisterEntry<T> | undefined
  let bestKey = ''
  // Y.Map iteration order can differ between replicas, so equal timestamps
  // (only possible from a misbehaving writer) are broken by key.
  for (const [key, entry] of (register as RegisterMap).entries()) {
    if (!isEntry(entry, isValue)) continue
    if (!best || entry.t > best.t || (entry.t === best.t && key > bestKey)) {
      best = entry
      bestKey = key
    }
  }
  return best?.v
}

/**
 * Writes `value` with a timestamp greater than every entry already present,
 * then prunes the entries it supersedes. Must run inside a transaction.
 *
 * Observing the existing entries first is what makes "a write made after
 * seeing another wins" hold even when the other device's clock runs ahead.
 * Pruning only removes entries older than the one written, so the winner is
 * never removed; a concurrent write by someone else lives on in its own key.
 */
export function writeRegister<T>(doc: Y.Doc, register: RegisterMap, value: T): void {
  const clock = clockOf(doc)
  for (const entry of register.values()) {
    if (typeof entry === 'object' && entry !== null) clock.observe((entry as Record<string, unknown>).t)
  }
  const t = clock.tick(doc.clientID)
  const ownKey = String(doc.clientID)
  const superseded: string[] = []
  for (const [key, entry] of register.entries()) {
    const otherT = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).t : undefined
    if (key !== ownKey && (!isTimestamp(otherT) || otherT < t)) superseded.push(key)
  }
  for (const key of superseded) register.delete(key)
  register.set(ownKey, { v: value, t } satisfies RegisterEntry<T>)
}

/**
 * A new register holding `value`. Callers integrate it into the document in
 * the same transaction that creates its owner (item, category): two replicas
 * creating the same nested map concurrently would each replace the other's.
 */
export function createRegister<T>(doc: Y.Doc, value: T): RegisterMap {
  const register: RegisterMap = new Y.Map()
  // A prelim Y.Map keeps its content until it is integrated, so the entry
  // lands in the document together with the map itself.
  register.set(String(doc.clientID), { v: value, t: clockOf(doc).tick(doc.clientID) } satisfies RegisterEntry<T>)
  return register
}
