/**
 * The server's v1 → v2 upgrade: layout mark, ownership of every clientID
 * already in the document, forged far-future entries gone; idempotent, and
 * two nodes doing it concurrently end up with one result.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeTimestamp } from '../shared/hlc.ts'
import { getTitle, listItems, readLayoutVersion } from '../shared/list-document.ts'
import { LayoutV1Writer } from '../shared/test-support/layout-v1-writer.ts'
import { ClientIds, SERVER_OWNER } from './client-ids.ts'
import { upgradeDocument } from './upgrade.ts'

const NOW = 1_764_590_400_000
const SKEW = 5 * 60_000
const ORIGIN = Symbol('server')

function v1List(): LayoutV1Writer {
  const v1 = new LayoutV1Writer(new Y.Doc(), () => NOW - 60_000)
  v1.setTitle('Groceries')
  v1.addItem('milk', 'ana')
  // A forged far-future title entry, as finding 5 of issue 8 wrote one.
  v1.doc.getMap('title').set('1', { v: 'Forever mine', t: encodeTimestamp({ wall: 999_999_999_999_999, counter: 999_999, clientId: 1 }) })
  return v1
}

function load(from: Y.Doc): { doc: Y.Doc; owners: ClientIds } {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(from))
  return { doc, owners: new ClientIds(doc, undefined, NOW) }
}

describe('upgradeDocument', () => {
  it('marks layout 2, records owners, the server as #server, and strips the far-future entry', () => {
    const v1 = v1List()
    const { doc, owners } = load(v1.doc)
    expect(getTitle(doc)).toBe('Forever mine')
    expect(upgradeDocument(doc, owners, { now: NOW, maxClockSkewMs: SKEW, origin: ORIGIN })).toBe(true)
    expect(readLayoutVersion(doc)).toBe(2)
    expect(owners.ownerOf(v1.doc.clientID)).toBe('ana')
    expect(owners.ownerOf(doc.clientID)).toBe(SERVER_OWNER)
    expect(getTitle(doc)).toBe('Groceries')
    expect(listItems(doc).items.map((item) => item.text)).toEqual(['milk'])
  })

  it('is idempotent: a v2 document is left alone', () => {
    const { doc, owners } = load(v1List().doc)
    upgradeDocument(doc, owners, { now: NOW, maxClockSkewMs: SKEW, origin: ORIGIN })
    const before = Y.encodeStateAsUpdate(doc)
    expect(upgradeDocument(doc, owners, { now: NOW + 1000, maxClockSkewMs: SKEW, origin: ORIGIN })).toBe(false)
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before)
  })

  it('two nodes upgrading the same v1 document at once converge on one result', () => {
    const v1 = v1List()
    const node1 = load(v1.doc)
    const node2 = load(v1.doc)
    upgradeDocument(node1.doc, node1.owners, { now: NOW, maxClockSkewMs: SKEW, origin: ORIGIN })
    upgradeDocument(node2.doc, node2.owners, { now: NOW + 5, maxClockSkewMs: SKEW, origin: ORIGIN })
    Y.applyUpdate(node1.doc, Y.encodeStateAsUpdate(node2.doc))
    Y.applyUpdate(node2.doc, Y.encodeStateAsUpdate(node1.doc))
    expect(node1.doc.toJSON()).toEqual(node2.doc.toJSON())
    for (const { owners } of [node1, node2]) {
      expect(owners.ownerOf(v1.doc.clientID)).toBe('ana')
      expect(owners.ownerOf(node1.doc.clientID)).toBe(SERVER_OWNER)
      expect(owners.ownerOf(node2.doc.clientID)).toBe(SERVER_OWNER)
    }
    expect(getTitle(node1.doc)).toBe('Groceries')
  })
})
