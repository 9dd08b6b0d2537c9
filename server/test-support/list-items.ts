/**
 * Items written the quick way for tests that need content, not the list
 * document's API: layout v2 items built in one transaction as
 * docs/list-document.md describes, so the server's write checks accept them,
 * keyed by ids the test chooses.
 */
import { randomBytes } from 'node:crypto'
import * as Y from 'yjs'
import { clockOf } from '../../shared/hlc.ts'
import { LIMITS } from '../../shared/list-input.ts'
import { createItemMap, itemsMap } from '../../shared/list-layout.ts'

/** `length` characters of random text: as incompressible as random bytes, and an item's text may hold it. */
export function randomText(length: number = LIMITS.itemText): string {
  return randomBytes(Math.ceil((length * 3) / 4) + 3).toString('base64').slice(0, length)
}

/** Creates one item per `[id, text]` of `userId`, all in one transaction. */
export function writeItems(doc: Y.Doc, userId: string, entries: ReadonlyArray<readonly [string, string]>): void {
  doc.transact(() => {
    for (const [id, text] of entries) {
      const fields = { text, quantity: '', categoryId: null, order: 'a0', createdBy: userId, createdAt: Date.now() }
      itemsMap(doc).set(id, createItemMap(doc, fields, clockOf(doc).tick(doc.clientID)))
    }
  })
}

/** Replaces the whole text of each `[id, text]` item, all in one transaction. */
export function replaceTexts(doc: Y.Doc, entries: ReadonlyArray<readonly [string, string]>): void {
  doc.transact(() => {
    for (const [id, text] of entries) {
      const ytext = textOf(doc, id)
      ytext.delete(0, ytext.length)
      ytext.insert(0, text)
    }
  })
}

/** The item's text, or undefined when there is no such item. */
export function itemTextOf(doc: Y.Doc, id: string): string | undefined {
  const text = (itemsMap(doc).get(id) as Y.Map<unknown> | undefined)?.get('text')
  return text instanceof Y.Text ? text.toString() : undefined
}

function textOf(doc: Y.Doc, id: string): Y.Text {
  const text = (itemsMap(doc).get(id) as Y.Map<unknown> | undefined)?.get('text')
  if (!(text instanceof Y.Text)) throw new Error(`no item ${id}`)
  return text
}
