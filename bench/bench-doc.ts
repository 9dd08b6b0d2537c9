/**
 * The document shape every workload writes: one Y.Map of small JSON items.
 * Raw Yjs ops rather than shared/list-document.ts, whose addItem reads every
 * item to place the new one last (O(n) per add) and would make the load
 * generator, not the server, the bottleneck at 10,000 items. The servers
 * under test never look inside documents, so the shape changes nothing for
 * them but the bytes per update.
 */
import * as Y from 'yjs'

export interface BenchItem {
  /** performance.now() of the writer when it wrote the item (same process as every reader). */
  t: number
  /** Writer index. */
  w: number
  /** Sequence number at that writer. */
  s: number
  text: string
}

const ITEMS = 'items'

export function itemsOf(doc: Y.Doc): Y.Map<BenchItem> {
  return doc.getMap<BenchItem>(ITEMS)
}

/** One item, one transaction, one update on the wire. */
export function writeItem(doc: Y.Doc, key: string, writer: number, seq: number): void {
  itemsOf(doc).set(key, { t: performance.now(), w: writer, s: seq, text: `item ${seq} from writer ${writer}` })
}

/** Several items in one transaction (one update). */
export function writeItems(doc: Y.Doc, keys: string[], writer: number, firstSeq: number): void {
  doc.transact(() => keys.forEach((key, i) => writeItem(doc, key, writer, firstSeq + i)))
}

export function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return Buffer.compare(Buffer.from(Y.encodeStateVector(a)), Buffer.from(Y.encodeStateVector(b))) === 0
}

/** Items in key order: a Y.Map iterates in the order entries arrived, which differs between replicas. */
export function canonicalItems(doc: Y.Doc): string {
  return JSON.stringify([...itemsOf(doc).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

export function sameItems(a: Y.Doc, b: Y.Doc): boolean {
  return canonicalItems(a) === canonicalItems(b)
}
