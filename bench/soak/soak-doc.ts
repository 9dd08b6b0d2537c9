/**
 * The soak's list shape: items keyed by author, each a Y.Map holding a
 * Y.Text that only its author types into, so the exact final text of every
 * item is known and any lost keystroke shows as a mismatch. Items are list
 * layout v2 items (Y.Text, `createdBy` the author's user, `createdAt`), so
 * Colist's write checks accept them.
 */
import * as Y from 'yjs'

const ITEMS = 'items'

export function soakItems(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap<Y.Map<unknown>>(ITEMS)
}

export function createItem(doc: Y.Doc, key: string, userId: string, text: string): void {
  doc.transact(() => {
    const item = new Y.Map<unknown>()
    const ytext = new Y.Text()
    ytext.insert(0, text)
    item.set('text', ytext)
    item.set('createdBy', userId)
    item.set('createdAt', Date.now())
    soakItems(doc).set(key, item)
  })
}

export function itemText(doc: Y.Doc, key: string): string | undefined {
  const text = soakItems(doc).get(key)?.get('text')
  return text instanceof Y.Text ? text.toString() : undefined
}

/** Every item as [key, text], in key order (map iteration order differs between replicas). */
export function canonicalContent(doc: Y.Doc): string {
  const entries = [...soakItems(doc).keys()].sort().map((key) => [key, itemText(doc, key)])
  return JSON.stringify(entries)
}
