/**
 * What the server does to a list document on its own account: upgrading the
 * layout, removing relics of forged timestamps, folding away old deletions
 * and pruning superseded register entries. Clients never call these (the
 * server refuses such writes from them); they run in server transactions,
 * and every replica receives their effect as ordinary Yjs updates.
 *
 * Each is idempotent, and two nodes running one concurrently write the same
 * values or delete the same entries, so the result is the same however many
 * run it (docs/list-document.md, "Upgrading").
 */
import * as Y from 'yjs'
import { wallOf } from './hlc.ts'
import { beats, parseEntryKey, readEntry, type ReadEntry } from './lww-register.ts'
import {
  CATEGORY_REGISTERS,
  ITEM_REGISTERS,
  LAYOUT_VERSION,
  categoriesMap,
  itemsMap,
  metaMap,
  readFields,
  readLayoutVersion,
  titleRegister,
} from './list-layout.ts'

/** How long a deletion is kept before the server folds the item away (docs/list-document.md). */
export const DELETION_HORIZON_MS = 30 * 24 * 60 * 60_000

type Schema = Record<string, (value: unknown) => boolean>

/** One register entry where it is stored: `container.get(key)`. */
interface StoredEntry {
  container: Y.Map<unknown>
  field: string
  entry: ReadEntry
}

/** Every well-formed register entry of an item or category, flat and nested, with where it sits. */
function storedEntries(owner: Y.Map<unknown>): StoredEntry[] {
  const found: StoredEntry[] = []
  for (const [key, value] of owner.entries()) {
    if (value instanceof Y.Map) {
      for (const [nestedKey, nested] of (value as Y.Map<unknown>).entries()) {
        const entry = readEntry(nestedKey, nested)
        if (entry) found.push({ container: value as Y.Map<unknown>, field: key, entry })
      }
      continue
    }
    const parsed = parseEntryKey(key)
    const entry = parsed && readEntry(key, value)
    if (parsed && entry) found.push({ container: owner, field: parsed.field, entry })
  }
  return found
}

function* entities(doc: Y.Doc): Generator<Entity> {
  for (const [parent, schema] of [
    [itemsMap(doc), ITEM_REGISTERS],
    [categoriesMap(doc), CATEGORY_REGISTERS],
  ] as const) {
    for (const [id, owner] of parent.entries()) if (owner instanceof Y.Map) yield { parent, id, owner: owner as Y.Map<unknown>, schema }
  }
}

/** Marks the document as layout v2. Returns whether it wrote anything. Must run inside a transaction. */
export function markLayoutVersion(doc: Y.Doc): boolean {
  if (readLayoutVersion(doc) >= LAYOUT_VERSION) return false
  metaMap(doc).set('layout', LAYOUT_VERSION)
  return true
}

/**
 * Deletes register entries timestamped after `limitMs` (wall time): a forged
 * far-future timestamp would otherwise win its register forever. Returns how
 * many it deleted. Must run inside a transaction.
 */
export function stripFutureEntries(doc: Y.Doc, limitMs: number): number {
  const doomed: Array<[Y.Map<unknown>, string]> = []
  const isFuture = (t: string) => (wallOf(t) ?? 0) > limitMs
  for (const { owner } of entities(doc)) {
    for (const { container, entry } of storedEntries(owner)) if (isFuture(entry.t)) doomed.push([container, entry.key])
  }
  const title = titleRegister(doc)
  for (const [key, value] of title.entries()) {
    const entry = readEntry(key, value)
    if (entry && isFuture(entry.t)) doomed.push([title, key])
  }
  for (const [container, key] of doomed) container.delete(key)
  return doomed.length
}

/**
 * Removes items and categories that have been deleted for longer than
 * `horizonMs` (by the deletion's wall time), for good: their key is deleted
 * from `items`/`categories`, so their content can be garbage-collected. An
 * edit made before the fold that arrives after it is discarded by Yjs, and the
 * item stays deleted. Returns the ids folded. Must run inside a transaction.
 */
export function foldDeletions(doc: Y.Doc, { now, horizonMs = DELETION_HORIZON_MS }: { now: number; horizonMs?: number }): string[] {
  const folded = [...entities(doc)].filter((entity) => isFoldable(entity, now, horizonMs))
  for (const { parent, id } of folded) parent.delete(id)
  return folded.map(({ id }) => id)
}

/** An item or category as maintenance visits it: where it is stored, and its registers' schema. */
export interface Entity {
  parent: Y.Map<unknown>
  id: string
  owner: Y.Map<unknown>
  schema: Schema
}

/** Every item and category of `doc`, lazily (the maps may change between steps of a walk across turns). */
export function listEntities(doc: Y.Doc): Iterable<Entity> {
  return entities(doc)
}

/** Whether `entity` has been deleted for longer than `horizonMs` (by the deletion's wall time): `foldDeletions` removes it. */
export function isFoldable({ owner, schema }: Entity, now: number, horizonMs = DELETION_HORIZON_MS): boolean {
  const { existence } = readFields(owner, schema)
  const since = existence.alive ? null : wallOf(existence.deletion?.t)
  return since !== null && since < now - horizonMs
}

/** The register entries of `entity` that can never win again (what `pruneSuperseded` deletes of it), as [container, key]. */
export function supersededEntries({ owner, schema }: Entity): Array<[Y.Map<unknown>, string]> {
  return superseded(storedEntries(owner), schema)
}

/** The title register's entries that can never win again, as [container, key]. */
export function supersededTitleEntries(doc: Y.Doc): Array<[Y.Map<unknown>, string]> {
  const title = titleRegister(doc)
  const titleEntries: StoredEntry[] = []
  for (const [key, value] of title.entries()) {
    const entry = readEntry(key, value)
    if (entry) titleEntries.push({ container: title, field: 'title', entry })
  }
  return superseded(titleEntries, { title: (value: unknown) => typeof value === 'string' })
}

function superseded(entries: StoredEntry[], schema: Schema): Array<[Y.Map<unknown>, string]> {
  const winners = new Map<string, ReadEntry>()
  for (const { field, entry } of entries) {
    if (schema[field]?.(entry.v) && beats(entry, winners.get(field))) winners.set(field, entry)
  }
  const doomed: Array<[Y.Map<unknown>, string]> = []
  for (const { container, field, entry } of entries) {
    const winner = winners.get(field)
    if (winner && entry.t < winner.t) doomed.push([container, entry.key])
  }
  return doomed
}

/**
 * Deletes register entries that can never win again: those older than their
 * field's winner. The greatest timestamp of every field is kept (it is the
 * winner, or a newer malformed entry), so existence reads the same after.
 * Writers never prune other users' entries themselves (docs/list-document.md),
 * so this keeps registers small. Returns how many it deleted. Must run inside
 * a transaction.
 */
export function pruneSuperseded(doc: Y.Doc): number {
  const doomed = [...entities(doc)].flatMap((entity) => supersededEntries(entity))
  doomed.push(...supersededTitleEntries(doc))
  for (const [container, key] of doomed) container.delete(key)
  return doomed.length
}
