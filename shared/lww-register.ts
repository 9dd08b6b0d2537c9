/**
 * Last-writer-wins registers, stored as entries `{ v: value, t: hlcTimestamp }`
 * keyed by their writer's Yjs clientID. The value is the one with the
 * greatest timestamp.
 *
 * Why not one `map.set('value', x)`? Yjs resolves concurrent sets of one key
 * by clientID, not by time, so the device with the larger random id would
 * always win. Here each writer only ever sets its own key, so Yjs never has to
 * choose, and the choice is made by timestamp on read, identically everywhere.
 *
 * Two shapes hold entries:
 * - a *field* of an item or category (layout v2): flat keys
 *   `<field>:<clientID>` in the item's own Y.Map. No nested type is ever
 *   created after the item, so a field added in a later version can be
 *   written by anyone at any time without two replicas racing to create it.
 * - a *register map* whose keys are clientIDs: the `title` root map, and the
 *   nested per-field maps of layout v1 items (read forever, see `fieldEntries`).
 *
 * A writer only ever sets its own key and never deletes other users'
 * entries: the server refuses that (docs/list-document.md), and a
 * Y.UndoManager undoing such a prune would re-create them under its own
 * clientID. Superseded entries are pruned by the server when it compacts.
 */
import * as Y from 'yjs'
import { clockOf, normalizeTimestamp, type HlcTimestamp } from './hlc.ts'

export interface RegisterEntry<T> {
  v: T
  t: HlcTimestamp
}

export type RegisterMap = Y.Map<unknown>

/** A well-formed entry as read: its value, normalized timestamp and the key it sits under. */
export interface ReadEntry {
  v: unknown
  /** Normalized (v2) timestamp: compare with `<`. */
  t: HlcTimestamp
  key: string
}

const ENTRY_KEY = /^([a-zA-Z][a-zA-Z0-9]*):(\d{1,16})$/

/** The key of `clientId`'s entry for `field` in an item or category map. */
export function entryKey(field: string, clientId: number): string {
  return `${field}:${clientId}`
}

/** Field names of entry keys already seen (a list has a few per writer, read for every item): key → field, or null. */
const fieldsOfKeys = new Map<string, string | null>()
const FIELDS_OF_KEYS_MAX = 4096

/** The field of a flat entry key, or null for any other key: `parseEntryKey(key)?.field`, remembered. */
export function fieldOfEntryKey(key: string): string | null {
  let field = fieldsOfKeys.get(key)
  if (field === undefined) {
    field = parseEntryKey(key)?.field ?? null
    if (fieldsOfKeys.size >= FIELDS_OF_KEYS_MAX) fieldsOfKeys.clear()
    fieldsOfKeys.set(key, field)
  }
  return field
}

/** `{field, clientId}` of a flat entry key, or null for any other key. */
export function parseEntryKey(key: string): { field: string; clientId: number } | null {
  const match = ENTRY_KEY.exec(key)
  if (!match) return null
  const clientId = Number(match[2])
  return Number.isSafeInteger(clientId) ? { field: match[1]!, clientId } : null
}

/** The entry's value and normalized timestamp, or null when `entry` is not shaped `{v, t}` with a valid `t`. */
export function readEntry(key: string, entry: unknown): ReadEntry | null {
  if (typeof entry !== 'object' || entry === null) return null
  const { v, t } = entry as Record<string, unknown>
  const normalized = normalizeTimestamp(t)
  return normalized === null ? null : { v, t: normalized, key }
}

/** Whether `a` beats `b`: greater timestamp; equal ones (only a misbehaving writer can cause that) by greater key. */
export function beats(a: ReadEntry, b: ReadEntry | undefined): boolean {
  return !b || a.t > b.t || (a.t === b.t && a.key > b.key)
}

/** Entries of a register map (keys are clientIDs): the title, or one v1 nested field register. */
export function* registerMapEntries(register: unknown): Generator<ReadEntry> {
  if (!(register instanceof Y.Map)) return
  for (const [key, entry] of (register as RegisterMap).entries()) {
    const read = readEntry(key, entry)
    if (read) yield read
  }
}

/** Every well-formed entry of `field` in an item or category map: flat v2 entries and v1 nested ones. */
export function* fieldEntries(owner: Y.Map<unknown>, field: string): Generator<ReadEntry> {
  const prefix = `${field}:`
  for (const [key, entry] of owner.entries()) {
    if (!key.startsWith(prefix) || !parseEntryKey(key)) continue
    const read = readEntry(key, entry)
    if (read) yield read
  }
  yield* registerMapEntries(owner.get(field))
}

/** The winning value among `entries` whose value passes `isValue`, or undefined. */
export function winner<T>(entries: Iterable<ReadEntry>, isValue: (value: unknown) => value is T): ReadEntry | undefined {
  let best: ReadEntry | undefined
  for (const entry of entries) {
    if (isValue(entry.v) && beats(entry, best)) best = entry
  }
  return best
}

/** The winning value of a register map (the title), or undefined when it holds no valid entry. */
export function readRegister<T>(register: unknown, isValue: (value: unknown) => value is T): T | undefined {
  return winner(registerMapEntries(register), isValue)?.v as T | undefined
}

/** The winning value of `field` of an item or category, or undefined. */
export function readField<T>(owner: Y.Map<unknown>, field: string, isValue: (value: unknown) => value is T): T | undefined {
  return winner(fieldEntries(owner, field), isValue)?.v as T | undefined
}

/**
 * A timestamp greater than every one in `entries`: observing them first is
 * what makes "a write made after seeing another wins" hold even when the
 * other device's clock runs ahead. Must run inside the write's transaction.
 */
export function stampAfter(doc: Y.Doc, entries: Iterable<ReadEntry>): HlcTimestamp {
  const clock = clockOf(doc)
  for (const entry of entries) clock.observe(entry.t)
  return clock.tick(doc.clientID)
}

/** Writes the title (a register map): sets this replica's own key. Must run inside a transaction. */
export function writeRegister<T>(doc: Y.Doc, register: RegisterMap, value: T): void {
  const t = stampAfter(doc, registerMapEntries(register))
  register.set(String(doc.clientID), { v: value, t } satisfies RegisterEntry<T>)
}

/** Writes `field` of an item or category: sets this replica's own flat entry. Must run inside a transaction. */
export function writeField<T>(doc: Y.Doc, owner: Y.Map<unknown>, field: string, value: T, t = stampAfter(doc, fieldEntries(owner, field))): void {
  owner.set(entryKey(field, doc.clientID), { v: value, t } satisfies RegisterEntry<T>)
}
