/**
 * The document shape every workload writes: list document layout v2 items
 * (docs/list-document.md), written with raw Yjs ops rather than
 * shared/list-document.ts, whose addItem reads every item to place the new
 * one last (O(n) per add) and would make the load generator, not the server,
 * the bottleneck at 10,000 items. Colist checks every write against the
 * layout, so the bench must write valid items; the peers never look inside.
 *
 * An item: its Y.Text, `createdBy` (the writer's user), `createdAt` (the
 * writer's clock when it wrote it, epoch ms with a fraction: readers in the
 * same process measure latency against it) and an `order` entry. Writing an
 * existing key sets the writer's `quantity` entry, a register write.
 */
import * as Y from 'yjs'
import { encodeTimestamp } from '../shared/hlc.ts'

const ITEMS = 'items'

export function itemsOf(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap<Y.Map<unknown>>(ITEMS)
}

/**
 * How many items the doc holds, kept up to date by observing the items map:
 * `Y.Map.size` walks every entry, and a workload checking it at every update
 * (10,000 items arriving as 150 updates) would time its own checks, more for
 * a server that sends more updates. `stop` ends the observation.
 */
export function itemCount(doc: Y.Doc): { count: () => number; stop: () => void } {
  const items = itemsOf(doc)
  let count = items.size
  const observer = (event: Y.YMapEvent<Y.Map<unknown>>) => {
    for (const change of event.changes.keys.values()) {
      if (change.action === 'add') count++
      else if (change.action === 'delete') count--
    }
  }
  items.observe(observer)
  return { count: () => count, stop: () => items.unobserve(observer) }
}

/** The writer's high-resolution clock as epoch ms: comparable between docs of one process. */
export function benchNow(): number {
  return performance.timeOrigin + performance.now()
}

/** When the item was written (benchNow() of its writer). */
export function writtenAt(item: Y.Map<unknown>): number {
  return item.get('createdAt') as number
}

let counter = 0
function stamp(doc: Y.Doc): string {
  counter = (counter + 1) % 1_000_000
  return encodeTimestamp({ wall: Math.floor(Date.now()), counter, clientId: doc.clientID })
}

/** One item (or one edit of an existing one), one transaction, one update on the wire. */
export function writeItem(doc: Y.Doc, key: string, writer: number, seq: number, userId: string): void {
  doc.transact(() => {
    const items = itemsOf(doc)
    const existing = items.get(key)
    if (existing) {
      existing.set(`quantity:${doc.clientID}`, { v: `edit ${seq} from writer ${writer}`, t: stamp(doc) })
      return
    }
    const item = new Y.Map<unknown>()
    item.set('text', new Y.Text(`item ${seq} from writer ${writer}`))
    item.set('createdBy', userId)
    item.set('createdAt', benchNow())
    item.set(`order:${doc.clientID}`, { v: 'a0', t: stamp(doc) })
    items.set(key, item)
  })
}

/** Several items in one transaction (one update). */
export function writeItems(doc: Y.Doc, keys: string[], writer: number, firstSeq: number, userId: string): void {
  doc.transact(() => keys.forEach((key, i) => writeItem(doc, key, writer, firstSeq + i, userId)))
}

export function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return Buffer.compare(Buffer.from(Y.encodeStateVector(a)), Buffer.from(Y.encodeStateVector(b))) === 0
}

/** Items in key order: a Y.Map iterates in the order entries arrived, which differs between replicas. */
export function canonicalItems(doc: Y.Doc): string {
  const sorted = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return JSON.stringify(sorted(itemsOf(doc).entries()).map(([key, item]) => [key, sorted(Object.entries(item.toJSON()))]))
}

export function sameItems(a: Y.Doc, b: Y.Doc): boolean {
  return canonicalItems(a) === canonicalItems(b)
}
