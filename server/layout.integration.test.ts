/**
 * List document layout v2 through a real server on 127.0.0.1 with LevelDB:
 * a Yrs-sized (53-bit) clientID writes every field and is never refused, and
 * a list stored by layout v1 clients is upgraded when it loads while v1 and v2
 * replicas keep syncing through the server.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DELETION_HORIZON_MS } from '../shared/list-maintenance.ts'
import {
  addCategory,
  addItem,
  attachClock,
  editItemText,
  getItem,
  getTitle,
  listCategories,
  listItems,
  moveItem,
  readLayoutVersion,
  removeItem,
  renameCategory,
  restoreItem,
  setChecked,
  setTitle,
  updateItem,
} from '../shared/list-document.ts'
import { LayoutV1Writer } from '../shared/test-support/layout-v1-writer.ts'
import { Api, connectClient, docUntil, saved, startTestServer, synced, type TestClient, type TestServer } from './test-support/harness.ts'
import { loadStoredDoc, withDataDirStorage } from './test-support/stored-doc.ts'

const view = (doc: Y.Doc) => ({ items: listItems(doc), categories: listCategories(doc) })

describe('layout v2 through the server', () => {
  let ts: TestServer | undefined
  const clients: TestClient[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    await ts?.cleanup()
    ts = undefined
  })
  const connect = (...args: Parameters<typeof connectClient>) => {
    const client = connectClient(...args)
    clients.push(client)
    return client
  }

  it('a writer whose Yjs clientID is 2^53 - 1 (as Yrs picks) writes every field, is never refused, and others read it all', async () => {
    ts = await startTestServer()
    const api = new Api(ts.server.url)
    const yrs = await api.signup('Yrs')
    const js = await api.signup('Js')
    const { id: listId } = await api.createList(yrs.token, 'Groceries')
    await api.share(yrs.token, listId, js.user.email, 'editor')

    const bigDoc = new Y.Doc()
    bigDoc.clientID = Number.MAX_SAFE_INTEGER
    const big = connect(ts.server.url, listId, yrs.token, { doc: bigDoc })
    await synced(big.provider)
    const closes: number[] = []
    big.provider.on('connection-close', (event: CloseEvent | null) => event && closes.push(event.code))

    setTitle(bigDoc, 'Big groceries')
    const dairy = addCategory(bigDoc, { name: 'Dairy' })
    const milk = addItem(bigDoc, { text: 'milk', quantity: '2 l', categoryId: dairy, createdBy: yrs.user.id })
    const bread = addItem(bigDoc, { text: 'bread', createdBy: yrs.user.id })
    setChecked(bigDoc, bread, true)
    moveItem(bigDoc, milk, { after: bread })
    renameCategory(bigDoc, dairy, 'Milk & co')
    editItemText(bigDoc, milk, (text) => text.insert(4, ' (oat)'))
    updateItem(bigDoc, milk, { quantity: '1 l' })
    removeItem(bigDoc, bread)
    restoreItem(bigDoc, bread)
    await saved(big)

    const other = connect(ts.server.url, listId, js.token)
    await synced(other.provider)
    await docUntil(other.doc, () => getItem(other.doc, milk)?.quantity === '1 l', 'the 53-bit writes to arrive')
    expect(view(other.doc)).toEqual(view(bigDoc))
    expect(getTitle(other.doc)).toBe('Big groceries')
    expect(getItem(other.doc, milk)).toMatchObject({ text: 'milk (oat)', categoryId: dairy })
    expect(getItem(other.doc, bread)).toMatchObject({ checked: true })
    // The 53-bit clientID is recorded as the Yrs user's.
    expect(other.doc.getMap('writers').get(String(Number.MAX_SAFE_INTEGER))).toMatchObject({ u: yrs.user.id })

    // A later write from the 32-bit client wins over the 53-bit one, and back.
    updateItem(other.doc, milk, { quantity: '3 l' })
    await docUntil(bigDoc, () => getItem(bigDoc, milk)?.quantity === '3 l', "the 32-bit client's write")
    setChecked(bigDoc, milk, true)
    await docUntil(other.doc, () => getItem(other.doc, milk)?.checked === true, "the 53-bit client's check")
    await saved(big)
    expect(closes).toEqual([])
    expect(view(await loadStoredDoc(ts.server.storage, listId))).toEqual(view(bigDoc))
  })

  it('a list stored by v1 clients is upgraded when it loads, and v1 and v2 replicas syncing at once through the server converge with every write', async () => {
    ts = await startTestServer()
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const ben = await api.signup('Ben')
    const { id: listId } = await api.createList(ana.token, 'Groceries')
    await api.share(ana.token, listId, ben.user.email, 'editor')
    const dataDir = ts.dataDir
    await ts.stop()

    // What v1 clients left in storage: Ana's title and items, Ben's check (10-digit timestamps,
    // nested registers, no `meta`, no `writers`), written before any v2 server saw the list.
    let ms = Date.now() - 60_000
    const v1Ana = new LayoutV1Writer(new Y.Doc(), () => ms)
    v1Ana.setTitle('Groceries')
    const milk = v1Ana.addItem('milk', ana.user.id, 'a0', '1 l')
    const eggs = v1Ana.addItem('eggs', ana.user.id, 'a1')
    const bread = v1Ana.addItem('bread', ana.user.id, 'a2')
    const v1Ben = new LayoutV1Writer(new Y.Doc(), () => ms)
    Y.applyUpdate(v1Ben.doc, Y.encodeStateAsUpdate(v1Ana.doc))
    v1Ben.setChecked(eggs, true)
    Y.applyUpdate(v1Ana.doc, Y.encodeStateAsUpdate(v1Ben.doc))
    await withDataDirStorage(dataDir, async (store) => {
      const { lastSeq } = await store.loadDoc(listId)
      await store.compactDoc(listId, Y.encodeStateAsUpdate(v1Ana.doc), lastSeq)
      expect(readLayoutVersion(await loadStoredDoc(store, listId))).toBe(1)
    })

    // Ben's v1 replica went offline before that and kept editing in v1.
    ms += 1_000
    v1Ben.setQuantity(milk, '2 l')
    const jam = v1Ben.addItem('jam', ben.user.id, 'a3')

    ts = await startTestServer({ DATA_DIR: dataDir })
    // Ana's v2 client and Ben's v1 replica connect at once.
    const v2 = connect(ts.server.url, listId, ana.token)
    const v1 = connect(ts.server.url, listId, ben.token, { doc: v1Ben.doc, colist: false })
    await Promise.all([synced(v2.provider), synced(v1.provider)])
    await docUntil(v2.doc, () => getItem(v2.doc, jam) !== null, "Ben's offline v1 item")
    expect(readLayoutVersion(v2.doc)).toBe(2)
    // The upgrade gave Ana's clientID to Ana (it created her items); Ben's, which created none, went to Ben as he extended it.
    expect(v2.doc.getMap('writers').get(String(v1Ana.doc.clientID))).toEqual({ u: ana.user.id, at: 0 })
    expect(v2.doc.getMap('writers').get(String(v1Ben.doc.clientID))).toMatchObject({ u: ben.user.id })
    expect(getItem(v2.doc, milk)?.quantity).toBe('2 l') // the v1 write, made after the v1 original
    expect(getItem(v2.doc, eggs)?.checked).toBe(true)

    // Both keep editing concurrently: v2 writes flat entries, v1 nested ones; the later write wins.
    updateItem(v2.doc, milk, { quantity: '3 l' })
    editItemText(v2.doc, bread, (text) => text.insert(5, ' (rye)'))
    removeItem(v2.doc, eggs)
    v1Ben.setChecked(jam, true)
    await docUntil(v1Ben.doc, () => getItem(v1Ben.doc, eggs) === null && getItem(v1Ben.doc, milk)?.quantity === '3 l', "Ana's v2 writes at the v1 replica")
    await docUntil(v2.doc, () => getItem(v2.doc, jam)?.checked === true, "Ben's v1 check")
    await saved(v2)

    for (const doc of [v2.doc, v1Ben.doc]) {
      expect(listItems(doc).items.map((i) => [i.id, i.text, i.checked, i.quantity])).toEqual([
        [milk, 'milk', false, '3 l'],
        [bread, 'bread (rye)', false, ''],
        [jam, 'jam', true, ''],
      ])
    }
    const room = await ts.server.rooms.withRoom(listId, (r) => r)
    await room.whenFlushed()
    const stored = await loadStoredDoc(ts.server.storage, listId)
    expect(readLayoutVersion(stored)).toBe(2)
    expect(view(stored)).toEqual(view(v2.doc))
  })

  it('when the list compacts, deletions older than the 30-day horizon are folded away for good and newer ones stay restorable', async () => {
    ts = await startTestServer({ COMPACT_LOG_ENTRIES: '4', MAINTENANCE_INTERVAL_MS: '0' })
    const api = new Api(ts.server.url)
    const ana = await api.signup('Ana')
    const { id: listId } = await api.createList(ana.token, 'Groceries')
    const doc = new Y.Doc()
    // A device whose edits are dated 31 days ago (an old offline replica): past timestamps are accepted.
    let ms = Date.now() - DELETION_HORIZON_MS - 24 * 60 * 60_000
    attachClock(doc, { now: () => ms })
    const client = connect(ts.server.url, listId, ana.token, { doc })
    await synced(client.provider)
    const old = addItem(doc, { text: 'old', createdBy: ana.user.id })
    const recent = addItem(doc, { text: 'recent', createdBy: ana.user.id })
    removeItem(doc, old)
    ms = Date.now()
    removeItem(doc, recent)
    for (let i = 0; i < 6; i++) addItem(doc, { text: `filler ${i}`, createdBy: ana.user.id })
    await saved(client)
    const room = await ts.server.rooms.withRoom(listId, (r) => r)
    await room.whenFlushed()
    await docUntil(doc, () => !doc.getMap('items').has(old), 'the fold to reach the client')
    expect(room.doc.getMap('items').has(old)).toBe(false)
    expect(room.doc.getMap('items').has(recent)).toBe(true)
    const stored = await loadStoredDoc(ts.server.storage, listId)
    expect(stored.getMap('items').has(old)).toBe(false)
    expect(view(stored)).toEqual(view(doc))
    restoreItem(doc, recent)
    await docUntil(room.doc, () => getItem(room.doc, recent) !== null, 'the restore of the recent deletion')
  })
})
