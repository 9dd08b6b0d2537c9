/**
 * The write rules against a real server on 127.0.0.1, reproducing findings
 * 4, 5 and 6 of issue 8: each hostile write is refused with its code, the
 * sender is told why, nothing of it is stored, and honest clients — Colist's
 * and unmodified y-websocket ones — keep writing without ever being refused;
 * on a list's own socket and on a channel of a device socket alike.
 */
import * as encoding from 'lib0/encoding'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeTimestamp } from '../shared/hlc.ts'
import {
  LIMITS,
  addCategory,
  addItem,
  editItemText,
  listItems,
  moveItem,
  removeItem,
  renameCategory,
  restoreItem,
  setChecked,
  setTitle,
  updateItem,
} from '../shared/list-document.ts'
import {
  CloseCode,
  LAYOUT_V1_PROTOCOL_VERSION,
  MessageType,
  PROTOCOL_VERSION,
  SyncStep,
  WriteRule,
  decodeConnectionInfo,
  decodeWriteRejected,
  encodeHello,
  encodeSyncMessage,
  type WriteRejectedMessage,
} from '../shared/protocol.ts'
import { Api, TRANSPORTS, connectClient, docUntil, eventUntil, saved, startTestServer, synced, type TestClient, type TestServer, type Transport } from './test-support/harness.ts'
import { openRawListSocket, type RawSocket } from './test-support/raw-list-socket.ts'
import { loadStoredDoc } from './test-support/stored-doc.ts'
import * as decoding from 'lib0/decoding'
import { storedUpdates } from './stored-doc.ts'

const texts = (doc: Y.Doc) => listItems(doc).items.map((item) => item.text).sort()

/** A raw socket that said Hello: what it is told and how it is closed. */
interface Attacker {
  ws: RawSocket
  closed: Promise<{ code: number; reason: string }>
  rejections: WriteRejectedMessage[]
  /** The server's sync step 2 to our empty state vector: the whole list, as the attacker sees it. */
  listCopy(): Promise<Y.Doc>
}

async function openAttacker(url: string, listId: string, token: string, transport: Transport): Promise<Attacker> {
  const raw = await openRawListSocket(url, listId, token, transport)
  const rejections: WriteRejectedMessage[] = []
  const step2s: Uint8Array[] = []
  let onStep2: (() => void) | null = null
  raw.ws.on('message', (data: Buffer) => {
    const dec = decoding.createDecoder(new Uint8Array(data))
    const type = decoding.readVarUint(dec)
    if (type === MessageType.WriteRejected) rejections.push(decodeWriteRejected(dec))
    if (type === MessageType.Sync && decoding.readVarUint(dec) === SyncStep.Step2) {
      step2s.push(decoding.readVarUint8Array(dec))
      onStep2?.()
    }
  })
  raw.ws.send(encodeHello({ protocolVersion: PROTOCOL_VERSION }))
  return {
    ...raw,
    rejections,
    async listCopy() {
      raw.ws.send(encodeSyncMessage(SyncStep.Step1, Y.encodeStateVector(new Y.Doc())))
      const before = step2s.length
      await new Promise<void>((resolve) => {
        onStep2 = () => step2s.length > before && resolve()
      })
      const doc = new Y.Doc()
      Y.applyUpdate(doc, step2s.at(-1)!)
      return doc
    },
  }
}

/** An update made on a copy of `base` by `fn`, under `clientId` (default: a fresh one). */
function forge(base: Y.Doc, fn: (doc: Y.Doc, clientId: number) => void, clientId?: number): Uint8Array {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(base))
  if (clientId !== undefined) doc.clientID = clientId
  const before = Y.encodeStateVector(doc)
  doc.transact(() => fn(doc, doc.clientID))
  return Y.encodeStateAsUpdate(doc, before)
}

/** Yjs update v1 holding one GC struct under `clientId` from `clock`: 16 bytes or fewer. */
function gcStruct(clientId: number, clock: number, length: number): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, 1)
  encoding.writeVarUint(enc, 1)
  encoding.writeVarUint(enc, clientId)
  encoding.writeVarUint(enc, clock)
  encoding.writeUint8(enc, 0)
  encoding.writeVarUint(enc, length)
  encoding.writeVarUint(enc, 0)
  return encoding.toUint8Array(enc)
}

/** One update naming `count` invented clientIDs, each with one GC struct. */
function manyClientIds(count: number): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, count)
  for (let i = 0; i < count; i++) {
    encoding.writeVarUint(enc, 1)
    encoding.writeVarUint(enc, 1_000_000 + i)
    encoding.writeVarUint(enc, 0)
    encoding.writeUint8(enc, 0)
    encoding.writeVarUint(enc, 1)
  }
  encoding.writeVarUint(enc, 0)
  return encoding.toUint8Array(enc)
}

describe.each(TRANSPORTS)('the server owns who writes what, on a %s socket', (transport) => {
  let ts: TestServer
  let api: Api
  const clients: TestClient[] = []
  const connect = (...[url, listId, token, options]: Parameters<typeof connectClient>) => {
    const client = connectClient(url, listId, token, { transport, ...options })
    clients.push(client)
    return client
  }
  const attackerSocket = (url: string, listId: string, token: string) => openAttacker(url, listId, token, transport)
  let owner: Awaited<ReturnType<Api['signup']>>
  let mallory: Awaited<ReturnType<Api['signup']>>
  let listId: string
  let ana: TestClient

  beforeEach(async () => {
    ts = await startTestServer()
    api = new Api(ts.server.url)
    owner = await api.signup('Ana')
    mallory = await api.signup('Mallory')
    listId = (await api.createList(owner.token, 'Groceries')).id
    await api.share(owner.token, listId, mallory.user.email, 'editor')
    ana = connect(ts.server.url, listId, owner.token)
    await synced(ana.provider)
    addItem(ana.doc, { text: 'Milk', createdBy: owner.user.id })
    await saved(ana)
  })
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    await ts.cleanup()
  })

  const stored = () => loadStoredDoc(ts.server.storage, listId)
  const storedState = async () => {
    const s = await ts.server.storage.loadDoc(listId)
    return Y.mergeUpdates([new Uint8Array([0, 0]), ...storedUpdates(s)])
  }

  /** Sends `update` as Mallory, expects WriteRejected with `rule` and the close with its code, and nothing stored. */
  async function refused(update: Uint8Array, rule: WriteRule, step: number = SyncStep.Update): Promise<void> {
    const before = await storedState()
    const attacker = await attackerSocket(ts.server.url, listId, mallory.token)
    attacker.ws.send(encodeSyncMessage(step, update))
    const { code } = await attacker.closed
    expect(attacker.rejections.map((r) => r.rule)).toEqual([rule])
    expect(code).toBe(attacker.rejections[0]!.code)
    const room = await ts.server.rooms.withRoom(listId, (r) => r)
    await room.whenFlushed()
    expect(await storedState()).toEqual(before)
  }

  it("finding 4: an editor posting under the victim's clientID is refused (4423); the victim's later offline edits are stored and reach others", async () => {
    const bob = connect(ts.server.url, listId, owner.token)
    await synced(bob.provider)
    // Ana goes offline and keeps editing; her next clocks are in the state vector everyone sees.
    ana.provider.disconnect()
    const eggs = addItem(ana.doc, { text: 'Eggs (offline)', createdBy: owner.user.id })
    setChecked(ana.doc, eggs, true)

    const attacker = await attackerSocket(ts.server.url, listId, mallory.token)
    const copy = await attacker.listCopy()
    attacker.ws.send(encodeSyncMessage(SyncStep.Update, forge(copy, (doc) => addItem(doc, { text: 'forged', createdBy: mallory.user.id }), ana.doc.clientID)))
    expect((await attacker.closed).code).toBe(CloseCode.ClientIdTaken.code)
    expect(attacker.rejections).toMatchObject([{ rule: WriteRule.ClientIdOwned, code: CloseCode.ClientIdTaken.code }])

    ana.provider.connect()
    await saved(ana)
    await docUntil(bob.doc, () => texts(bob.doc).includes('Eggs (offline)'), "Bob gets Ana's offline edit")
    expect(texts(bob.doc)).toEqual(['Eggs (offline)', 'Milk'])
    expect(texts(await stored())).toEqual(['Eggs (offline)', 'Milk'])
    expect(listItems(await stored()).items.find((item) => item.id === eggs)?.checked).toBe(true)
  })

  it("finding 4: the 16-byte GC struct of length 2^40 under the victim's clientID is refused; the victim's offline items survive", async () => {
    ana.provider.disconnect()
    addItem(ana.doc, { text: 'Bread (offline)', createdBy: owner.user.id })
    const clock = Y.getState((await ts.server.rooms.withRoom(listId, (room) => room.doc)).store, ana.doc.clientID)
    const gc = gcStruct(ana.doc.clientID, clock, 2 ** 40)
    expect(gc.byteLength).toBeLessThanOrEqual(16)
    await refused(gc, WriteRule.ClientIdOwned)
    ana.provider.connect()
    await saved(ana)
    const reader = connect(ts.server.url, listId, owner.token)
    await synced(reader.provider)
    expect(texts(reader.doc)).toEqual(['Bread (offline)', 'Milk'])
    expect(texts(ana.doc)).toEqual(['Bread (offline)', 'Milk'])
  })

  it('finding 5: a register timestamp far in the future is refused with 4425', async () => {
    const attacker = await attackerSocket(ts.server.url, listId, mallory.token)
    const copy = await attacker.listCopy()
    attacker.ws.close()
    const forever = encodeTimestamp({ wall: 999_999_999_999_999, counter: 999_999, clientId: 0 })
    await refused(
      forge(copy, (doc, me) => doc.getMap('title').set(String(me), { v: 'Forever mine', t: forever.replace(/\d{16}$/, String(me).padStart(16, '0')) })),
      WriteRule.ClockSkew,
    )
    // The list stays writable for everyone, over HTTP too.
    expect((await api.request('POST', `/api/lists/${listId}/items`, { text: 'still fine' }, owner.token)).status).toBe(201)
  })

  describe('finding 6: Yjs writes are held to the same limits as the JSON API', () => {
    let copy: Y.Doc
    beforeEach(async () => {
      const attacker = await attackerSocket(ts.server.url, listId, mallory.token)
      copy = await attacker.listCopy()
      attacker.ws.close()
    })

    it('a 50,000-character title: 4422 field-too-long', async () => {
      await refused(forge(copy, (doc, me) => doc.getMap('title').set(String(me), { v: 'T'.repeat(50_000), t: encodeTimestamp({ wall: Date.now(), counter: 0, clientId: me }) })), WriteRule.FieldTooLong)
    })

    it('a 1 MB item text: 4422 field-too-long', async () => {
      await refused(forge(copy, (doc) => addItem(doc, { text: 'x', createdBy: mallory.user.id }) && [...doc.getMap('items').values()].forEach((item) => {
        const text = (item as Y.Map<unknown>).get('text') as Y.Text
        if (text.toString() === 'x') text.insert(1, 'x'.repeat(1 << 20))
      })), WriteRule.FieldTooLong)
    })

    it('a forged createdBy: 4422 created-by', async () => {
      await refused(forge(copy, (doc) => addItem(doc, { text: 'the owner added this', createdBy: owner.user.id })), WriteRule.CreatedBy)
    })

    it('junk root types: 4422 unknown-root', async () => {
      await refused(forge(copy, (doc) => {
        doc.getArray('junk').push([1, 'two', { three: 3 }])
        doc.getText('junk-text').insert(0, 'junk')
      }), WriteRule.UnknownRoot)
    })

    it('one update naming 500,000 invented clientIDs: 4424 client-ids-per-update', async () => {
      await refused(manyClientIds(500_000), WriteRule.ClientIdsPerUpdate)
    })

    it('a v1-style deletion of an item key: 4427 removed-entry', async () => {
      const milk = listItems(copy).items[0]!.id
      await refused(forge(copy, (doc) => doc.getMap('items').delete(milk)), WriteRule.RemovedEntry)
    })
  })

  it('an unmodified y-websocket client editing through shared/list-document.ts is never refused', async () => {
    const plain = connect(ts.server.url, listId, mallory.token, { colist: false })
    const closes: number[] = []
    plain.provider.on('connection-close', (event: CloseEvent | null) => event && closes.push(event.code))
    await synced(plain.provider)
    const doc = plain.doc
    const me = mallory.user.id
    setTitle(doc, 'Weekend')
    const cat = addCategory(doc, { name: 'Dairy' })
    const milk = listItems(doc).items[0]!.id
    const cheese = addItem(doc, { text: 'Cheese', quantity: '200 g', categoryId: cat, createdBy: me })
    updateItem(doc, milk, { text: 'Oat milk', quantity: '2 l', categoryId: cat })
    setChecked(doc, cheese, true)
    moveItem(doc, cheese, { after: null })
    for (const char of ' (aged)') editItemText(doc, cheese, (text) => text.insert(text.length, char))
    renameCategory(doc, cat, 'Fridge')
    removeItem(doc, milk)
    restoreItem(doc, milk)
    const undo = new Y.UndoManager([doc.getMap('items'), doc.getMap('categories')], { captureTimeout: 0 })
    updateItem(doc, cheese, { quantity: '300 g' })
    undo.undo()
    // Offline for a while, then the whole sync step 2.
    plain.provider.disconnect()
    for (let i = 0; i < 5; i++) addItem(doc, { text: `offline ${i}`, createdBy: me })
    setChecked(doc, cheese, false)
    plain.provider.connect()
    await synced(plain.provider)
    await docUntil(ana.doc, () => texts(ana.doc).length === 7, 'Ana sees every item')
    expect(listItems(ana.doc)).toEqual(listItems(doc))
    expect(closes).toEqual([])
    // Its clientID is now Mallory's on this list, as everyone's copy says.
    expect(ana.doc.getMap('writers').get(String(doc.clientID))).toMatchObject({ u: me })
    // A long text within the limit, in one paste.
    editItemText(doc, cheese, (text) => text.insert(0, 'c'.repeat(LIMITS.itemText - text.length)))
    await docUntil(ana.doc, () => listItems(ana.doc).items.some((item) => item.text.length === LIMITS.itemText), 'Ana sees the long text')
    expect(closes).toEqual([])
  })

  it('an edit sent as the socket opens, before the sync step 2 that carries what it builds on, waits for it instead of being refused', async () => {
    ana.provider.disconnect()
    const offline = addItem(ana.doc, { text: 'made offline', createdBy: owner.user.id })
    const closes: number[] = []
    ana.provider.on('connection-close', (event: CloseEvent | null) => event && closes.push(event.code))
    const onStatus = ({ status }: { status: string }) => {
      if (status !== 'connected') return
      ana.provider.off('status', onStatus)
      // Sent right behind the client's step 1, a round trip before its step 2.
      editItemText(ana.doc, offline, (text) => text.insert(text.length, ' and edited at once'))
    }
    ana.provider.on('status', onStatus)
    ana.provider.connect()
    await saved(ana)
    expect(closes).toEqual([])
    expect(texts(await stored())).toEqual(['Milk', 'made offline and edited at once'])
  })

  it('records each new clientID as its writer\'s, in a change everyone receives, the writer too', async () => {
    const writers = () => ana.doc.getMap('writers')
    // The record is the server's own change, relayed once stored: it may reach Ana just after her ack.
    await docUntil(ana.doc, () => writers().has(String(ana.doc.clientID)), 'Ana hears that her clientID is hers')
    expect(writers().get(String(ana.doc.clientID))).toMatchObject({ u: owner.user.id })
    const bob = connect(ts.server.url, listId, mallory.token)
    await synced(bob.provider)
    addItem(bob.doc, { text: 'from Bob', createdBy: mallory.user.id })
    await eventUntil(
      (fire) => {
        bob.doc.on('update', fire)
        return () => bob.doc.off('update', fire)
      },
      () => bob.doc.getMap('writers').has(String(bob.doc.clientID)),
      'Bob hears that his clientID is his',
    )
    await docUntil(ana.doc, () => writers().has(String(bob.doc.clientID)), 'Ana hears it too')
    expect(writers().get(String(bob.doc.clientID))).toMatchObject({ u: mallory.user.id })
  })

  it('HTTP sync refuses with 4xx JSON errors: 403 for ownership, 422 for invalid, 429 for caps', async () => {
    const attacker = await attackerSocket(ts.server.url, listId, mallory.token)
    const copy = await attacker.listCopy()
    attacker.ws.close()
    const post = (update: Uint8Array) =>
      fetch(`${ts.server.url}/api/lists/${listId}/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${mallory.token}` },
        body: Buffer.from(update),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error: { code: string; message: string } } }))
    const owned = await post(forge(copy, (doc) => addItem(doc, { text: 'forged', createdBy: mallory.user.id }), ana.doc.clientID))
    expect(owned).toMatchObject({ status: 403, body: { error: { code: WriteRule.ClientIdOwned } } })
    const invalid = await post(forge(copy, (doc) => addItem(doc, { text: 'x', createdBy: owner.user.id })))
    expect(invalid).toMatchObject({ status: 422, body: { error: { code: WriteRule.CreatedBy } } })
    const caps = await post(manyClientIds(100))
    expect(caps).toMatchObject({ status: 429, body: { error: { code: WriteRule.ClientIdsPerUpdate } } })
    expect(texts(await stored())).toEqual(['Milk'])
    // An honest post is stored.
    const honest = await post(forge(copy, (doc) => addItem(doc, { text: 'over HTTP', createdBy: mallory.user.id })))
    expect(honest.status).toBe(200)
    expect(texts(await stored())).toEqual(['Milk', 'over HTTP'])
  })

  it('a Hello of protocol 1 (a client that only knows layout v1) is closed with 4427; the Session carries the server time', async () => {
    const v1 = await openRawListSocket(ts.server.url, listId, owner.token, transport)
    v1.ws.send(encodeHello({ protocolVersion: LAYOUT_V1_PROTOCOL_VERSION }))
    expect((await v1.closed).code).toBe(CloseCode.LayoutOutdated.code)

    const before = Date.now()
    await eventUntil(
      (fire) => {
        ana.server.on('change', fire)
        return () => ana.server.off('change', fire)
      },
      () => ana.server.info !== null,
      'a session',
    )
    const raw = await openRawListSocket(ts.server.url, listId, owner.token, transport)
    const session = new Promise<ReturnType<typeof decodeConnectionInfo>>((resolve) =>
      raw.ws.on('message', (data: Buffer) => {
        const dec = decoding.createDecoder(new Uint8Array(data))
        if (decoding.readVarUint(dec) === MessageType.ConnectionInfo) resolve(decodeConnectionInfo(dec))
      }),
    )
    raw.ws.send(encodeHello({ protocolVersion: PROTOCOL_VERSION }))
    const { serverTime } = await session
    expect(serverTime).toBeGreaterThanOrEqual(before)
    expect(serverTime).toBeLessThanOrEqual(Date.now())
    expect(ana.server.info?.serverTime).toBeGreaterThan(0)
    raw.ws.close()
  })
})
