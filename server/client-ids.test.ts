/**
 * ClientID ownership of one list: owners recorded in the document, caps over
 * rolling 24-hour windows, and the same answers after the list is reloaded
 * from what storage holds (or read by another node).
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem } from '../shared/list-document.ts'
import { WriteRule } from '../shared/protocol.ts'
import { LayoutV1Writer } from '../shared/test-support/layout-v1-writer.ts'
import { CLAIM_WINDOW_MS, ClientIds, LEGACY_OWNER, SERVER_OWNER, inferLegacyOwners, recordLegacyOwners } from './client-ids.ts'

const NOW = 1_764_590_400_000
const HOUR = 60 * 60_000
const SERVER = Symbol('server')
const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)

/** A copy of `doc` as storage would give it back: everything it holds, in a new Y.Doc. */
function reload(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}

describe('ClientIds', () => {
  it('records owners in the writers map, and the server its own clientID as #server', () => {
    const doc = new Y.Doc()
    const owners = new ClientIds(doc, undefined, NOW)
    expect(owners.ownerOf(7)).toBeUndefined()
    owners.record([7, 8], 'ana', NOW, SERVER)
    expect(owners.ownerOf(7)).toBe('ana')
    expect(owners.ownerOf(8)).toBe('ana')
    expect(owners.ownerOf(doc.clientID)).toBe(SERVER_OWNER)
    expect(doc.getMap('writers').get('7')).toEqual({ u: 'ana', at: NOW })
    // The first owner stays: recording again changes nothing.
    owners.record([7], 'bob', NOW, SERVER)
    expect(owners.ownerOf(7)).toBe('ana')
  })

  it('records in one transaction with the given origin', () => {
    const doc = new Y.Doc()
    const owners = new ClientIds(doc, undefined, NOW)
    const origins: unknown[] = []
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin))
    owners.record([1, 2, 3], 'ana', NOW, SERVER)
    expect(origins).toEqual([SERVER])
  })

  it('refuses more new clientIDs per update than allowed', () => {
    const owners = new ClientIds(new Y.Doc(), { perUpdate: 3, perUserPerDay: 100, perListPerDay: 100 }, NOW)
    expect(owners.checkClaim('ana', ids(1, 3), NOW)).toBeNull()
    expect(owners.checkClaim('ana', ids(1, 4), NOW)?.rule).toBe(WriteRule.ClientIdsPerUpdate)
  })

  it('refuses more new clientIDs per user per rolling 24 hours, and lets them again once old ones leave the window', () => {
    const doc = new Y.Doc()
    const owners = new ClientIds(doc, { perUpdate: 10, perUserPerDay: 10, perListPerDay: 1000 }, NOW)
    owners.record(ids(1, 6), 'ana', NOW, SERVER)
    owners.record(ids(100, 4), 'ana', NOW + 12 * HOUR, SERVER)
    expect(owners.checkClaim('ana', [200], NOW + 12 * HOUR)?.rule).toBe(WriteRule.ClientIdsPerUser)
    // Another user is not affected.
    expect(owners.checkClaim('bob', ids(300, 10), NOW + 12 * HOUR)).toBeNull()
    // 24 h after the first six, only the later four count.
    expect(owners.checkClaim('ana', ids(200, 6), NOW + CLAIM_WINDOW_MS + 1)).toBeNull()
    expect(owners.checkClaim('ana', ids(200, 7), NOW + CLAIM_WINDOW_MS + 1)?.rule).toBe(WriteRule.ClientIdsPerUser)
    expect(owners.recentClaims(NOW + CLAIM_WINDOW_MS + 1, 'ana')).toBe(4)
  })

  it('refuses more new clientIDs per list per rolling 24 hours, whoever claims them', () => {
    const owners = new ClientIds(new Y.Doc(), { perUpdate: 100, perUserPerDay: 100, perListPerDay: 20 }, NOW)
    owners.record(ids(1, 10), 'ana', NOW, SERVER)
    owners.record(ids(100, 10), 'bob', NOW + HOUR, SERVER)
    // The server's own clientID counts toward no cap.
    expect(owners.recentClaims(NOW + HOUR)).toBe(20)
    expect(owners.checkClaim('carol', [500], NOW + 2 * HOUR)?.rule).toBe(WriteRule.ClientIdsPerList)
    expect(owners.checkClaim('carol', [500], NOW + CLAIM_WINDOW_MS + 1)).toBeNull()
  })

  it('keeps owners and windows across a reload from storage, and follows entries other nodes record', () => {
    const doc = new Y.Doc()
    const caps = { perUpdate: 64, perUserPerDay: 5, perListPerDay: 1000 }
    const owners = new ClientIds(doc, caps, NOW)
    owners.record(ids(1, 5), 'ana', NOW, SERVER)
    owners.destroy()

    const loaded = reload(doc)
    const again = new ClientIds(loaded, caps, NOW + HOUR)
    expect(again.ownerOf(3)).toBe('ana')
    expect(again.checkClaim('ana', [99], NOW + HOUR)?.rule).toBe(WriteRule.ClientIdsPerUser)

    // Another node loaded the same list and records a claim; it reaches this node as an update.
    const peer = reload(loaded)
    const peerOwners = new ClientIds(peer, caps, NOW + HOUR)
    peer.on('update', (update: Uint8Array) => Y.applyUpdate(loaded, update))
    peerOwners.record([42], 'bob', NOW + HOUR, SERVER)
    expect(again.ownerOf(42)).toBe('bob')
    expect(again.recentClaims(NOW + HOUR)).toBe(6)
    expect(again.checkClaim('ana', [99], NOW + CLAIM_WINDOW_MS + 1)).toBeNull()
  })

  it('treats a malformed writers entry (a relic no server wrote) as owned by nobody who may write', () => {
    const doc = new Y.Doc()
    doc.getMap('writers').set('5', 'junk')
    expect(new ClientIds(doc, undefined, NOW).ownerOf(5)).toBe(LEGACY_OWNER)
  })
})

describe('ownership of a v1 list, as the upgrade records it', () => {
  it("gives each clientID the author of the first item it created, else #legacy, at 0; drops what clients wrote into writers", () => {
    const a = new LayoutV1Writer(new Y.Doc(), () => NOW)
    a.addItem('milk', 'ana')
    a.addItem('eggs', 'ana')
    a.setTitle('List')
    const b = new LayoutV1Writer(new Y.Doc(), () => NOW)
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
    b.setTitle('only a title')
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc))
    // A v1-era client forged an entry: no v1 server wrote this map.
    a.doc.getMap('writers').set(String(b.doc.clientID), { u: 'mallory', at: NOW })
    const server = reload(a.doc)

    const owners = inferLegacyOwners(server)
    expect(owners.get(a.doc.clientID)).toBe('ana')
    expect(owners.get(b.doc.clientID)).toBe(LEGACY_OWNER)
    server.transact(() => recordLegacyOwners(server, owners))
    const view = new ClientIds(server, undefined, NOW)
    expect(view.ownerOf(a.doc.clientID)).toBe('ana')
    expect(view.ownerOf(b.doc.clientID)).toBe(LEGACY_OWNER)
    expect(server.getMap('writers').get(String(a.doc.clientID))).toEqual({ u: 'ana', at: 0 })
    expect(view.recentClaims(NOW)).toBe(0)
  })

  it('two nodes upgrading concurrently write identical values', () => {
    const v1 = new LayoutV1Writer(new Y.Doc(), () => NOW)
    v1.addItem('milk', 'ana')
    const node1 = reload(v1.doc)
    const node2 = reload(v1.doc)
    for (const node of [node1, node2]) node.transact(() => recordLegacyOwners(node, inferLegacyOwners(node)))
    Y.applyUpdate(node1, Y.encodeStateAsUpdate(node2))
    Y.applyUpdate(node2, Y.encodeStateAsUpdate(node1))
    expect(node1.getMap('writers').toJSON()).toEqual(node2.getMap('writers').toJSON())
    expect(node1.getMap('writers').toJSON()).toEqual({ [String(v1.doc.clientID)]: { u: 'ana', at: 0 } })
  })

  it('also reads items a v2 writer created', () => {
    const doc = new Y.Doc()
    addItem(doc, { text: 'x', createdBy: 'bob' })
    expect(inferLegacyOwners(doc).get(doc.clientID)).toBe('bob')
  })
})
