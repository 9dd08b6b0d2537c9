/**
 * The list WebSocket against a real server on 127.0.0.1 with LevelDB in a
 * temp dir, driven by the unmodified y-websocket client: on a list's own
 * socket, and on a channel of a device socket (`/ws/device`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, listItems, removeItem, setChecked } from '../shared/list-document.ts'
import { CloseCode, WriteRule, type WriteRejectedMessage } from '../shared/protocol.ts'
import { Api, TRANSPORTS, awarenessUntil, connectClient, docUntil, eventUntil, saved, startTestServer, synced, type TestClient, type TestServer } from './test-support/harness.ts'
import { storedUpdates } from './stored-doc.ts'

const serverStateUntil = (client: TestClient, check: () => boolean) =>
  eventUntil(
    (fire) => {
      client.server.on('change', fire)
      return () => client.server.off('change', fire)
    },
    check,
    'a change the server reported',
  )

const itemTexts = (doc: Y.Doc) => listItems(doc).items.map((item) => item.text)

describe.each(TRANSPORTS)('list sync over y-websocket, on a %s socket', (transport) => {
  let ts: TestServer
  let api: Api
  const clients: TestClient[] = []
  const connect = (...[url, listId, token, options]: Parameters<typeof connectClient>) => {
    const client = connectClient(url, listId, token, { transport, ...options })
    clients.push(client)
    return client
  }

  beforeEach(async () => {
    ts = await startTestServer()
    api = new Api(ts.server.url)
  })
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    await ts.cleanup()
  })

  it('two unmodified y-websocket clients converge through the server', async () => {
    const owner = await api.signup('Ana')
    const list = await api.createList(owner.token)
    const a = connect(ts.server.url, list.id, owner.token, { colist: false })
    const b = connect(ts.server.url, list.id, owner.token, { colist: false })
    await Promise.all([synced(a.provider), synced(b.provider)])

    addItem(a.doc, { text: 'Milk', createdBy: owner.user.id })
    addItem(b.doc, { text: 'Bread', createdBy: owner.user.id })
    await Promise.all([
      docUntil(a.doc, () => itemTexts(a.doc).length === 2, 'A sees both items'),
      docUntil(b.doc, () => itemTexts(b.doc).length === 2, 'B sees both items'),
    ])
    expect(itemTexts(a.doc).sort()).toEqual(['Bread', 'Milk'])
    // The server's own changes (each new clientID recorded as its writer's) reach the replicas in
    // messages of their own, which may still be on their way when both items are everywhere.
    const sameState = () => Buffer.from(Y.encodeStateVector(a.doc)).equals(Buffer.from(Y.encodeStateVector(b.doc)))
    await eventUntil(
      (fire) => {
        a.doc.on('update', fire)
        b.doc.on('update', fire)
        return () => {
          a.doc.off('update', fire)
          b.doc.off('update', fire)
        }
      },
      sameState,
      'both replicas at the same state',
    )
    expect(listItems(a.doc)).toEqual(listItems(b.doc))
  })

  it('answers sync step 1 with the stored document, already in the first sync', async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token, 'Packing')
    const writer = connect(ts.server.url, list.id, owner.token)
    await synced(writer.provider)
    for (let i = 0; i < 20; i++) addItem(writer.doc, { text: `item ${i}`, createdBy: owner.user.id })
    await saved(writer)
    writer.destroy()

    // Restart: the list comes back from LevelDB, not from any client.
    await ts.stop()
    ts = await startTestServer({ DATA_DIR: ts.dataDir })
    const reader = connect(ts.server.url, list.id, owner.token)
    await synced(reader.provider)
    // At the moment the provider reports synced, the content is already there.
    expect(itemTexts(reader.doc)).toHaveLength(20)
    expect(reader.doc.getMap('title').size).toBeGreaterThan(0)
  })

  it('acknowledges an update only to Colist clients, after it is durable', async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token)
    const client = connect(ts.server.url, list.id, owner.token)
    await synced(client.provider)
    await serverStateUntil(client, () => client.server.info !== null)
    expect(client.server.info?.role).toBe('owner')

    addItem(client.doc, { text: 'Eggs', createdBy: owner.user.id })
    expect(client.server.isSaved()).toBe(false)
    await saved(client)
    // Durable means: present in storage right now.
    const stored = await ts.server.storage.loadDoc(list.id)
    const fromDisk = new Y.Doc()
    for (const update of storedUpdates(stored)) Y.applyUpdate(fromDisk, update)
    expect(itemTexts(fromDisk)).toEqual(['Eggs'])
  })

  it('acknowledges a delete-only change too, and only once it is stored', async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token)
    const client = connect(ts.server.url, list.id, owner.token)
    await synced(client.provider)
    const id = addItem(client.doc, { text: 'Eggs', createdBy: owner.user.id })
    await saved(client)
    removeItem(client.doc, id)
    expect(client.server.isSaved()).toBe(false)
    await saved(client)
    expect(await ts.server.storage.loadDoc(list.id).then((stored) => {
      const fromDisk = new Y.Doc()
      for (const update of storedUpdates(stored)) Y.applyUpdate(fromDisk, update)
      return itemTexts(fromDisk)
    })).toEqual([])
  })

  it('never applies or relays a viewer write, and tells the viewer', async () => {
    const owner = await api.signup('Owner')
    const viewer = await api.signup('Viewer')
    const list = await api.createList(owner.token)
    await api.share(owner.token, list.id, viewer.user.email, 'viewer')
    const ownerClient = connect(ts.server.url, list.id, owner.token)
    const viewerClient = connect(ts.server.url, list.id, viewer.token)
    await Promise.all([synced(ownerClient.provider), synced(viewerClient.provider)])

    const rejected = new Promise<WriteRejectedMessage>((resolve) => viewerClient.server.on('write-rejected', resolve))
    addItem(viewerClient.doc, { text: 'sneaky', createdBy: viewer.user.id })
    expect(await rejected).toMatchObject({ rule: WriteRule.ReadOnly, code: CloseCode.Forbidden.code })

    // The owner's later write reaches the viewer (viewers receive everything)…
    addItem(ownerClient.doc, { text: 'legit', createdBy: owner.user.id })
    await docUntil(viewerClient.doc, () => itemTexts(viewerClient.doc).includes('legit'), 'viewer receives owner write')
    await saved(ownerClient)
    // …but the viewer's never reached the owner nor storage.
    expect(itemTexts(ownerClient.doc)).toEqual(['legit'])
    const items = await api.request('GET', `/api/lists/${list.id}/items`, undefined, owner.token)
    expect(items.body.items.map((i: { text: string }) => i.text)).toEqual(['legit'])
  })

  it('overwrites a spoofed awareness identity with the token user', async () => {
    const ana = await api.signup('Ana')
    const bob = await api.signup('Bob')
    const list = await api.createList(ana.token)
    await api.share(ana.token, list.id, bob.user.email, 'editor')
    const a = connect(ts.server.url, list.id, ana.token)
    const b = connect(ts.server.url, list.id, bob.token)
    await Promise.all([synced(a.provider), synced(b.provider)])

    b.provider.awareness.setLocalState({ user: { id: ana.user.id, name: 'Ana', color: '#f00' }, focus: 'x' })
    const seenByA = () => a.provider.awareness.getStates().get(b.doc.clientID) as { user: { id: string; name: string; color: string } } | undefined
    await awarenessUntil(a.provider.awareness, () => seenByA()?.user !== undefined, "A sees B's presence")
    expect(seenByA()!.user).toEqual({ id: bob.user.id, name: 'Bob', color: '#f00' })
  })

  it("removes a client's presence for others as soon as its socket closes", async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token)
    const a = connect(ts.server.url, list.id, owner.token)
    const b = connect(ts.server.url, list.id, owner.token)
    await Promise.all([synced(a.provider), synced(b.provider)])
    b.provider.awareness.setLocalState({ typing: true })
    const bId = b.doc.clientID
    const presence = (present: boolean) =>
      awarenessUntil(a.provider.awareness, () => a.provider.awareness.getStates().has(bId) === present, `B present: ${present}`)
    await presence(true)
    const started = Date.now()
    b.provider.ws?.close()
    b.provider.shouldConnect = false
    await presence(false)
    // Well inside the 30 s awareness timeout: removed on close, not by expiry.
    expect(Date.now() - started).toBeLessThan(2000)
  })

  describe('auth close codes', () => {
    async function closeCodeFor(listId: string, token: string): Promise<number> {
      const client = connect(ts.server.url, listId, token, { colist: false })
      const code = await client.nextClose()
      client.destroy()
      return code
    }

    it('4001 for a bad token', async () => {
      const owner = await api.signup()
      const list = await api.createList(owner.token)
      expect(await closeCodeFor(list.id, 'not-a-token')).toBe(CloseCode.Unauthorized.code)
      expect(await closeCodeFor(list.id, `${owner.token}x`)).toBe(CloseCode.Unauthorized.code)
    })

    it('4001 for an expired token, and an open socket is closed when its token expires', async () => {
      const owner = await api.signup()
      const list = await api.createList(owner.token)
      const { token: expired } = await ts.server.sessions.signIn({ id: owner.user.id, name: 'x' }, 'test', -10)
      expect(await closeCodeFor(list.id, expired)).toBe(CloseCode.Unauthorized.code)

      const { token: soon } = await ts.server.sessions.signIn({ id: owner.user.id, name: 'x' }, 'test', 2)
      const client = connect(ts.server.url, list.id, soon, { colist: false })
      await synced(client.provider)
      expect(await client.nextClose()).toBe(CloseCode.Unauthorized.code)
    })

    it('4003 for a user without access, 4004 for an unknown list', async () => {
      const owner = await api.signup()
      const stranger = await api.signup()
      const list = await api.createList(owner.token)
      expect(await closeCodeFor(list.id, stranger.token)).toBe(CloseCode.Forbidden.code)
      expect(await closeCodeFor('no-such-list', owner.token)).toBe(CloseCode.NotFound.code)
    })
  })

  describe('access changes reach open sockets', () => {
    it('revoking a member closes their socket with 4003 within 1 s', async () => {
      const owner = await api.signup()
      const bob = await api.signup()
      const list = await api.createList(owner.token)
      await api.share(owner.token, list.id, bob.user.email, 'editor')
      const b = connect(ts.server.url, list.id, bob.token)
      await synced(b.provider)
      const closed = b.nextClose()
      const started = Date.now()
      const res = await api.request('DELETE', `/api/lists/${list.id}/members/${bob.user.id}`, undefined, owner.token)
      expect(res.status).toBe(204)
      expect(await closed).toBe(CloseCode.Forbidden.code)
      expect(Date.now() - started).toBeLessThan(1000)
      // The client was told it is final: it does not reconnect.
      expect(b.provider.shouldConnect).toBe(false)
    })

    it('downgrading to viewer stops applying writes at once', async () => {
      const owner = await api.signup()
      const bob = await api.signup()
      const list = await api.createList(owner.token)
      await api.share(owner.token, list.id, bob.user.email, 'editor')
      const o = connect(ts.server.url, list.id, owner.token)
      const b = connect(ts.server.url, list.id, bob.token)
      await Promise.all([synced(o.provider), synced(b.provider)])
      await serverStateUntil(b, () => b.server.info?.role === 'editor')
      const res = await api.request('PATCH', `/api/lists/${list.id}/members/${bob.user.id}`, { role: 'viewer' }, owner.token)
      expect(res.status).toBe(200)
      await serverStateUntil(b, () => b.server.info?.role === 'viewer')
      const rejected = new Promise<WriteRejectedMessage>((resolve) => b.server.on('write-rejected', resolve))
      addItem(b.doc, { text: 'after downgrade', createdBy: bob.user.id })
      await rejected
      addItem(o.doc, { text: 'owner write', createdBy: owner.user.id })
      await docUntil(b.doc, () => itemTexts(b.doc).includes('owner write'), 'bob receives owner write')
      expect(itemTexts(o.doc)).toEqual(['owner write'])
    })

    it('deleting a list closes every socket on it with 4004', async () => {
      const owner = await api.signup()
      const list = await api.createList(owner.token)
      const a = connect(ts.server.url, list.id, owner.token)
      await synced(a.provider)
      const closed = a.nextClose()
      expect((await api.request('DELETE', `/api/lists/${list.id}`, undefined, owner.token)).status).toBe(204)
      expect(await closed).toBe(CloseCode.NotFound.code)
      expect((await ts.server.storage.loadDoc(list.id)).updates).toHaveLength(0)
    })
  })

  it('the HTTP write path reaches live clients at once', async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token)
    const a = connect(ts.server.url, list.id, owner.token)
    await synced(a.provider)
    const added = await api.request('POST', `/api/lists/${list.id}/items`, { text: 'Coffee', quantity: '2 bags' }, owner.token)
    expect(added.status).toBe(201)
    await docUntil(a.doc, () => itemTexts(a.doc).includes('Coffee'), 'client sees HTTP-added item')
    const checked = await api.request('PATCH', `/api/lists/${list.id}/items/${added.body.id}`, { checked: true }, owner.token)
    expect(checked.status).toBe(200)
    await docUntil(a.doc, () => listItems(a.doc).checked.length === 1, 'client sees HTTP check')
    // And the other way: a client's check shows in the JSON view.
    setChecked(a.doc, added.body.id, false)
    await saved(a)
    const view = await api.request('GET', `/api/lists/${list.id}/items`, undefined, owner.token)
    expect(view.body.checked).toHaveLength(0)
    expect(view.body.items[0]).toMatchObject({ text: 'Coffee', quantity: '2 bags', checked: false })
  })
})
