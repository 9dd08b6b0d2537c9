/**
 * Comparing replicas of a list document in the room fuzz: whole-document
 * fingerprints (convergence), and what one clientID wrote, clock by clock
 * (whose content a struct under a clientID really is).
 */
import * as Y from 'yjs'
import { docFingerprint } from '../stored-doc.ts'
import type { FaultyDocumentStore } from '../../storage/faulty-document-store.ts'

/**
 * Fingerprints of several documents, comparable with each other: each is
 * copied through an update (so struct splitting and merging do not matter)
 * and given every root type any of them has (a root one replica merely read
 * is an empty root elsewhere).
 */
export function comparableFingerprints(docs: readonly Y.Doc[]): string[] {
  const copies = docs.map((doc) => {
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
    return copy
  })
  const roots = new Set(copies.flatMap((copy) => [...copy.share.keys()]))
  for (const copy of copies) for (const name of roots) copy.get(name)
  const prints = copies.map((copy) => docFingerprint(copy))
  for (const copy of copies) copy.destroy()
  return prints
}

/** Root type names the document's structs use, read from a copy so nothing is created in `doc`. */
export function rootNames(doc: Y.Doc): string[] {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  const names = [...copy.share.keys()].sort()
  copy.destroy()
  return names
}

export function stateVector(doc: Y.Doc): Map<number, number> {
  return Y.decodeStateVector(Y.encodeStateVector(doc))
}

/** Updates Yjs parked because their dependencies never arrived: content nobody sees. */
export function hasPending(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null
}

/** A deleted (or garbage-collected) clock: its content is gone, whoever wrote it. */
export const GONE = '∅'

/**
 * What `clientId` wrote, one entry per clock: where (parent and key) and
 * which value, or GONE for deleted content. Two replicas agree on every
 * clock both hold undeleted, unless someone wrote different content under
 * the same clientID and clock.
 */
export function clientUnits(doc: Y.Doc, clientId: number): string[] {
  const rootNamesByType = new Map<unknown, string>()
  for (const [name, type] of doc.share) rootNamesByType.set(type, name)
  const units: string[] = []
  for (const struct of doc.store.clients.get(clientId) ?? []) {
    if (!(struct instanceof Y.Item) || struct.deleted) {
      for (let i = 0; i < struct.length; i++) units.push(GONE)
      continue
    }
    const parent = struct.parent as Y.AbstractType<unknown> | null
    const parentItem = parent?._item
    const where = `${parentItem ? `${parentItem.id.client}:${parentItem.id.clock}` : (rootNamesByType.get(parent) ?? '?')}[${struct.parentSub ?? ''}]`
    const content = struct.content.getContent()
    for (let i = 0; i < struct.length; i++) {
      units.push(content.length === struct.length ? `${where}=${describe(content[i])}` : `${where}#${struct.content.constructor.name}`)
    }
  }
  return units
}

function describe(value: unknown): string {
  if (value instanceof Y.AbstractType) return `<${value.constructor.name}>`
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`
  if (value instanceof Y.Doc) return '<doc>'
  return JSON.stringify(value) ?? String(value)
}

/**
 * The first clock below `upTo` where `actual` does not hold what `expected`
 * holds (missing, or different undeleted content), or null. Clocks deleted in
 * either are not compared: deletions travel separately.
 */
export function firstUnitMismatch(expected: readonly string[], actual: readonly string[], upTo = expected.length): { clock: number; expected: string | undefined; actual: string | undefined } | null {
  for (let clock = 0; clock < upTo; clock++) {
    const e = expected[clock]
    const a = actual[clock]
    if (e === undefined || a === undefined) return { clock, expected: e, actual: a }
    if (e !== GONE && a !== GONE && e !== a) return { clock, expected: e, actual: a }
  }
  return null
}

/**
 * What storage holds, as a document, readable synchronously at any instant
 * (e.g. while the room acknowledges): the parts the fault double saw reach its
 * inner store, applied as they come.
 */
export class DurableView {
  private doc = new Y.Doc()
  private parts: readonly Uint8Array[] = []
  private applied = 0

  constructor(
    private readonly store: FaultyDocumentStore,
    private readonly listId: string,
  ) {}

  current(): Y.Doc {
    const parts = this.store.written(this.listId)
    if (parts !== this.parts || parts.length < this.applied) {
      this.doc.destroy()
      this.doc = new Y.Doc()
      this.parts = parts
      this.applied = 0
    }
    if (this.applied < parts.length) {
      const fresh = parts.slice(this.applied)
      this.doc.transact(() => {
        for (const part of fresh) Y.applyUpdate(this.doc, part)
      })
      this.applied = parts.length
    }
    return this.doc
  }

  destroy(): void {
    this.doc.destroy()
  }
}
