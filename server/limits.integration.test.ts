/**
 * Hostile and oversized input on the list socket: each is refused with its
 * close code, only the offending socket closes, the stored document is
 * unchanged, and a well-behaved client on the same list keeps syncing. The
 * same on a list's channel of a device socket: what a list's socket would
 * close with ends the channel (or, for the socket's own limits, the socket).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { encodeAwarenessEntries } from '../shared/awareness-entries.ts'
import { addItem, listItems } from '../shared/list-document.ts'
import { CloseCode, MessageType, SyncStep, encodeAwarenessMessage, encodeHello, encodeSyncMessage } from '../shared/protocol.ts'
import { Api, TRANSPORTS, connectClient, docUntil, saved, startTestServer, synced, type TestClient, type TestServer } from './test-support/harness.ts'
import { deviceSocketUrl, listSocketUrl, openRawListSocket } from './test-support/raw-list-socket.ts'
import { storedUpdates } from './stored-doc.ts'

async function storedItems(ts: TestServer, listId: string): Promise<string[]> {
  const stored = await ts.server.storage.loadDoc(listId)
  const doc = new Y.Doc()
  for (const update of storedUpdates(stored)) Y.applyUpdate(doc, update)
  return listItems(doc).items.map((item) => item.text)
}

describe.each(TRANSPORTS)('refused input on a %s socket', (transport) => {
  /** A raw socket (or channel) that sends exactly the bytes a test chooses, and the code it closed with. */
  const rawSocket = async (baseUrl: string, listId: string, token: string) => {
    const raw = await openRawListSocket(baseUrl, listId, token, transport)
    return { ws: raw.ws, closed: raw.closed.then(({ code }) => code) }
  }
  let ts: TestServer
  let api: Api
  let token: string
  let userId: string
  let listId: string
  let bystander: TestClient

  async function setup(env: Record<string, string> = {}) {
    ts = await startTestServer(env)
    api = new Api(ts.server.url)
    const owner = await api.signup()
    token = owner.token
    userId = owner.user.id
    listId = (await api.createList(token)).id
    bystander = connectClient(ts.server.url, listId, token, { transport })
    await synced(bystander.provider)
    addItem(bystander.doc, { text: 'before', createdBy: userId })
    await saved(bystander)
  }

  /** The stored document, as one update, to compare before and after an attack. */
  async function storedState(): Promise<Uint8Array> {
    const stored = await ts.server.storage.loadDoc(listId)
    return Y.mergeUpdates([new Uint8Array([0, 0]), ...storedUpdates(stored)])
  }

  /** Nothing of the attack was stored; the bystander still edits and gets acknowledged. */
  async function bystanderStillWorks(storedBefore?: Uint8Array): Promise<void> {
    if (storedBefore) expect(await storedState()).toEqual(storedBefore)
    addItem(bystander.doc, { text: 'after', createdBy: userId })
    await saved(bystander)
    expect(await storedItems(ts, listId)).toEqual(['before', 'after'])
  }

  beforeEach(() => {
    ts = undefined as unknown as TestServer
  })
  afterEach(async () => {
    bystander?.destroy()
    await ts?.cleanup()
  })

  const cases: Array<[string, () => Uint8Array, number]> = [
    ['random bytes', () => Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), CloseCode.MalformedMessage.code],
    ['an unknown message type', () => Uint8Array.from([77, 1, 2, 3]), CloseCode.MalformedMessage.code],
    ['a truncated sync message', () => Uint8Array.from([MessageType.Sync, SyncStep.Update, 50, 1, 2]), CloseCode.MalformedMessage.code],
    ['a sync update carrying a corrupt Yjs update', () => encodeSyncMessage(SyncStep.Update, Uint8Array.from([1, 5, 200, 1, 0, 9, 9, 9, 9])), CloseCode.MalformedMessage.code],
    ['an unknown sync step', () => encodeSyncMessage(9, new Uint8Array(3)), CloseCode.MalformedMessage.code],
    ['a hello with a future protocol version', () => encodeHello({ protocolVersion: 999 }), CloseCode.ProtocolVersion.code],
    ['awareness that is not JSON', () => encodeAwarenessMessage(encodeAwarenessEntries([{ clientId: 1234, clock: 1, stateJson: '{not json' }])), CloseCode.MalformedMessage.code],
  ]

  for (const [name, message, code] of cases) {
    it(`closes only the sender of ${name} with ${code}`, async () => {
      await setup()
      const before = await storedState()
      const attacker = await rawSocket(ts.server.url, listId, token)
      attacker.ws.send(message())
      expect(await attacker.closed).toBe(code)
      await bystanderStillWorks(before)
    })
  }

  it('refuses text frames', async () => {
    await setup()
    const attacker = await rawSocket(ts.server.url, listId, token)
    attacker.ws.send('hello')
    expect(await attacker.closed).toBe(CloseCode.MalformedMessage.code)
    await bystanderStillWorks()
  })

  it('refuses a message over MAX_MESSAGE_BYTES with 1009', async () => {
    await setup({ MAX_MESSAGE_BYTES: String(64 * 1024) })
    const before = await storedState()
    const attacker = await rawSocket(ts.server.url, listId, token)
    attacker.ws.send(encodeSyncMessage(SyncStep.Update, new Uint8Array(100 * 1024)))
    expect(await attacker.closed).toBe(CloseCode.MessageTooBig.code)
    await bystanderStillWorks(before)
  })

  it('refuses growth past MAX_DOC_BYTES with 4413 and stores nothing of the refused update', async () => {
    await setup({ MAX_DOC_BYTES: String(16 * 1024) })
    const writer = connectClient(ts.server.url, listId, token, { transport })
    await synced(writer.provider)
    const closed = writer.nextClose()
    // One paste bigger than the whole allowance.
    addItem(writer.doc, { text: 'x'.repeat(2000), createdBy: userId })
    for (let i = 0; i < 20; i++) addItem(writer.doc, { text: `${i}`.repeat(1000), createdBy: userId })
    expect(await closed).toBe(CloseCode.DocumentTooBig.code)
    writer.destroy()
    const stored = await ts.server.storage.docStats(listId)
    expect(stored.logBytes + stored.snapshotBytes).toBeLessThanOrEqual(16 * 1024)
    expect((await storedItems(ts, listId))[0]).toBe('before')
  })

  it('closes a connection that floods messages past the rate limit with 4529', async () => {
    await setup({ RATE_LIMIT_PER_SECOND: '50', RATE_LIMIT_BURST: '100' })
    const attacker = await rawSocket(ts.server.url, listId, token)
    const query = Uint8Array.from([MessageType.QueryAwareness])
    for (let i = 0; i < 1000 && attacker.ws.readyState === WebSocket.OPEN; i++) attacker.ws.send(query)
    expect(await attacker.closed).toBe(CloseCode.RateLimited.code)
    await bystanderStillWorks()
  })

  it('default limits let a client write 500 updates a second', async () => {
    await setup()
    const writer = connectClient(ts.server.url, listId, token, { transport })
    await synced(writer.provider)
    let closedWith: number | null = null
    writer.nextClose().then((code) => (closedWith = code))
    // 1,000 updates sent as fast as the client can: well above 500/s (the writer's own `changes` counter, a valid write).
    const counter = String(writer.doc.clientID)
    for (let i = 0; i < 1000; i++) writer.doc.getMap('changes').set(counter, i)
    await saved(writer, 10_000)
    await docUntil(bystander.doc, () => bystander.doc.getMap('changes').get(counter) === 999, 'bystander sees the last write')
    expect(closedWith).toBeNull()
  })

  it('refuses an upgrade on a path that is not a list socket', async () => {
    await setup()
    const ws = new WebSocket(`${ts.server.url.replace(/^http/, 'ws')}/ws/elsewhere`)
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)))
    expect(status).toBe(404)
    await bystanderStillWorks()
  })

  it('refuses connections past MAX_CONNECTIONS with a retryable 4503', async () => {
    await setup({ MAX_CONNECTIONS: '1' })
    const extra = await rawSocket(ts.server.url, listId, token)
    expect(await extra.closed).toBe(CloseCode.ServerBusy.code)
    expect(CloseCode.ServerBusy.retryable).toBe(true)
    await bystanderStillWorks()
  })
})

describe.each(TRANSPORTS)('keepalive on a %s socket', (transport) => {
  it('drops a socket that stops answering pings, and its presence with it', async () => {
    const ts = await startTestServer({ PING_INTERVAL_MS: '100' })
    try {
      const api = new Api(ts.server.url)
      const owner = await api.signup()
      const list = await api.createList(owner.token)
      // autoPong off: the peer is alive at the TCP level but never answers a ping, like a dead NAT mapping.
      const url = transport === 'list' ? listSocketUrl(ts.server.url, list.id, owner.token) : deviceSocketUrl(ts.server.url, owner.token)
      const ws = new WebSocket(url, { autoPong: false })
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
      await new Promise((resolve) => ws.once('open', resolve))
      const started = Date.now()
      // 1006: terminated without a close frame, as a dead peer would be.
      expect(await closed).toBe(1006)
      expect(Date.now() - started).toBeLessThan(3000)
      const metrics = await (await fetch(`${ts.server.url}/metrics`)).text()
      expect(metrics).toMatch(/^colist_ws_connections 0$/m)
    } finally {
      await ts.cleanup()
    }
  })
})
