/**
 * What only the device socket (`/ws/device`) does, against a real server on
 * 127.0.0.1: many lists on one socket, Background and Foreground channels,
 * one channel ended without the others, malformed frames, `Leave`, the
 * channel cap, and unmodified y-websocket providers reconnecting when the
 * device socket drops. (Everything a list's socket does, a channel does too:
 * the sync, limits, write-rule and fuzz suites run on both transports.)
 */
import * as decoding from 'lib0/decoding'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { DeviceSocket, type WebSocketConstructor } from '../shared/device-client.ts'
import { ChannelMode, DEVICE_WS_PATH, DeviceFrame, decodeDeviceFrame, encodeDeviceFrame, type DeviceFrameMessage } from '../shared/device-protocol.ts'
import { addItem, listItems } from '../shared/list-document.ts'
import { encodeAwarenessEntries } from '../shared/awareness-entries.ts'
import { CloseCode, MessageType, PROTOCOL_VERSION, SyncStep, encodeAwarenessMessage, encodeHello, encodeSyncMessage } from '../shared/protocol.ts'
import {
  Api,
  awarenessUntil,
  connectClient,
  connectDevice,
  docUntil,
  eventUntil,
  saved,
  startTestServer,
  synced,
  type TestClient,
  type TestServer,
} from './test-support/harness.ts'
import { pollUntil } from './test-support/poll-until.ts'
import { deviceSocketUrl } from './test-support/raw-list-socket.ts'

const texts = (doc: Y.Doc) => listItems(doc).items.map((item) => item.text).sort()

/** A device socket driven frame by frame: what it was sent, and how it closed. */
interface RawDevice {
  ws: WebSocket
  frames: DeviceFrameMessage[]
  closed: Promise<number>
  send(frame: DeviceFrameMessage): void
  /** Resolves with the first frame (already received or to come) that `match` accepts. */
  frame(match: (frame: DeviceFrameMessage) => boolean, what: string): Promise<DeviceFrameMessage>
}

async function openRawDevice(baseUrl: string, token: string): Promise<RawDevice> {
  const ws = new WebSocket(deviceSocketUrl(baseUrl, token))
  ws.on('error', () => {})
  const frames: DeviceFrameMessage[] = []
  const listeners = new Set<() => void>()
  ws.on('message', (data: Buffer) => {
    frames.push(decodeDeviceFrame(new Uint8Array(data)))
    for (const listener of listeners) listener()
  })
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('close', (code) => reject(new Error(`device socket closed with ${code} before opening`)))
  })
  return {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(encodeDeviceFrame(frame)),
    frame: async (match, what) => {
      await eventUntil(
        (fire) => {
          listeners.add(fire)
          return () => listeners.delete(fire)
        },
        () => frames.some(match),
        what,
      )
      return frames.find(match)!
    },
  }
}

/** The message type inside a `Message` frame for `listId`, or null. */
const messageType = (frame: DeviceFrameMessage, listId: string): number | null =>
  frame.type === DeviceFrame.Message && frame.listId === listId ? decoding.readVarUint(decoding.createDecoder(frame.message)) : null

/** The sync step inside a `Message` frame's Sync message for `listId`, or null. */
function syncStep(frame: DeviceFrameMessage, listId: string): number | null {
  if (messageType(frame, listId) !== MessageType.Sync) return null
  return decoding.readVarUint(afterType(frame))
}

function afterType(frame: DeviceFrameMessage): decoding.Decoder {
  if (frame.type !== DeviceFrame.Message) throw new Error('not a Message frame')
  const dec = decoding.createDecoder(frame.message)
  decoding.readVarUint(dec)
  return dec
}

function afterSyncStep(frame: DeviceFrameMessage): decoding.Decoder {
  const dec = afterType(frame)
  decoding.readVarUint(dec)
  return dec
}

/** Open list and device sockets, as the server counts them. */
async function openSockets(ts: TestServer): Promise<number> {
  const metrics = await (await fetch(`${ts.server.url}/metrics`)).text()
  return Number(/^colist_ws_connections (\d+)$/m.exec(metrics)?.[1])
}

describe('the device socket', () => {
  let ts: TestServer
  let api: Api
  const clients: TestClient[] = []
  const devices: DeviceSocket[] = []
  const raws: RawDevice[] = []
  const device = (token: string) => {
    const socket = connectDevice(ts.server.url, token)
    devices.push(socket)
    return socket
  }
  const connect = (...args: Parameters<typeof connectClient>) => {
    const client = connectClient(...args)
    clients.push(client)
    return client
  }
  const rawDevice = async (token: string) => {
    const raw = await openRawDevice(ts.server.url, token)
    raws.push(raw)
    return raw
  }

  beforeEach(async () => {
    ts = await startTestServer({ FSYNC: 'false' })
    api = new Api(ts.server.url)
  })
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const socket of devices.splice(0)) socket.destroy()
    for (const raw of raws.splice(0)) raw.ws.terminate()
    await ts.cleanup()
  })

  it('carries 50 lists on one socket per device, all converging with a partner on 50 channels of its own', async () => {
    const ana = await api.signup('Ana')
    const ben = await api.signup('Ben')
    const lists: string[] = []
    for (let i = 0; i < 50; i++) {
      const list = await api.createList(ana.token, `List ${i}`)
      await api.share(ana.token, list.id, ben.user.email, 'editor')
      lists.push(list.id)
    }
    const anaDevice = device(ana.token)
    const benDevice = device(ben.token)
    const anas = lists.map((id) => connect(ts.server.url, id, ana.token, { device: anaDevice, mode: ChannelMode.Background }))
    const bens = lists.map((id) => connect(ts.server.url, id, ben.token, { device: benDevice, mode: ChannelMode.Background }))
    await Promise.all([...anas, ...bens].map((client) => synced(client.provider)))
    expect(await openSockets(ts)).toBe(2)

    anas.forEach((client, i) => addItem(client.doc, { text: `Ana ${i}`, createdBy: ana.user.id }))
    bens.forEach((client, i) => addItem(client.doc, { text: `Ben ${i}`, createdBy: ben.user.id }))
    await Promise.all(
      lists.flatMap((_, i) => [
        docUntil(anas[i]!.doc, () => texts(anas[i]!.doc).length === 2, `Ana's list ${i} has both items`, 15_000),
        docUntil(bens[i]!.doc, () => texts(bens[i]!.doc).length === 2, `Ben's list ${i} has both items`, 15_000),
      ]),
    )
    await Promise.all([...anas, ...bens].map((client) => saved(client, 15_000)))
    lists.forEach((_, i) => {
      expect(texts(anas[i]!.doc)).toEqual([`Ana ${i}`, `Ben ${i}`])
      expect(listItems(anas[i]!.doc)).toEqual(listItems(bens[i]!.doc))
    })
    expect(await openSockets(ts)).toBe(2)
  }, 60_000)

  it('sends no awareness to a Background channel and takes none from it; Foreground gets it, and the switch brings who is here', async () => {
    const ana = await api.signup('Ana')
    const list = await api.createList(ana.token)
    const speaker = connect(ts.server.url, list.id, ana.token)
    const foreground = connect(ts.server.url, list.id, ana.token, { transport: 'device', mode: ChannelMode.Foreground })
    const raw = await rawDevice(ana.token)
    raw.send({ type: DeviceFrame.Open, listId: list.id, mode: ChannelMode.Background })
    raw.send({ type: DeviceFrame.Message, listId: list.id, message: encodeHello({ protocolVersion: PROTOCOL_VERSION }) })
    await raw.frame((frame) => messageType(frame, list.id) === MessageType.ConnectionInfo, 'the Background channel is joined')
    await Promise.all([synced(speaker.provider), synced(foreground.provider)])

    // Presence the Foreground channel gets, and an edit.
    speaker.provider.awareness.setLocalStateField('cursor', 'here')
    await awarenessUntil(foreground.provider.awareness, () => foreground.provider.awareness.getStates().get(speaker.doc.clientID)?.cursor === 'here', 'Foreground sees the presence')
    addItem(speaker.doc, { text: 'Milk', createdBy: ana.user.id })
    await saved(speaker)
    // The answer to a sync step 1 comes after everything the server sent the channel before it.
    raw.send({ type: DeviceFrame.Message, listId: list.id, message: encodeSyncMessage(SyncStep.Step1, Y.encodeStateVector(new Y.Doc())) })
    const answer = await raw.frame((frame) => syncStep(frame, list.id) === SyncStep.Step2, 'the answer to a sync step 1')
    const fromServer = new Y.Doc()
    Y.applyUpdate(fromServer, decoding.readVarUint8Array(afterSyncStep(answer)))
    expect(texts(fromServer)).toEqual(['Milk'])
    expect(raw.frames.filter((frame) => messageType(frame, list.id) === MessageType.Awareness)).toEqual([])

    // Presence a Background channel sends is not taken: the edit sent behind it arrives (relayed after
    // the presence would have been, on the same socket), the presence never.
    const before = Y.encodeStateVector(fromServer)
    addItem(fromServer, { text: 'Raw', createdBy: ana.user.id })
    const presence = encodeAwarenessEntries([{ clientId: fromServer.clientID, clock: 1, stateJson: '{"cursor":"raw"}' }])
    raw.send({ type: DeviceFrame.Message, listId: list.id, message: encodeAwarenessMessage(presence) })
    raw.send({ type: DeviceFrame.Message, listId: list.id, message: encodeSyncMessage(SyncStep.Update, Y.encodeStateAsUpdate(fromServer, before)) })
    await docUntil(foreground.doc, () => texts(foreground.doc).includes('Raw'), 'Foreground gets the Background edit')
    expect(foreground.provider.awareness.getStates().has(fromServer.clientID)).toBe(false)

    // A provider's channel in Background holds its presence back.
    const backgroundProvider = connect(ts.server.url, list.id, ana.token, { transport: 'device', mode: ChannelMode.Background })
    await synced(backgroundProvider.provider)
    backgroundProvider.provider.awareness.setLocalStateField('cursor', 'hidden')
    addItem(backgroundProvider.doc, { text: 'Eggs', createdBy: ana.user.id })
    await docUntil(foreground.doc, () => texts(foreground.doc).includes('Eggs'), 'Foreground gets the Background edit')
    expect(foreground.provider.awareness.getStates().has(backgroundProvider.doc.clientID)).toBe(false)

    // Switching to Foreground: the channel is sent who is here at once, and its held-back presence goes out.
    raw.send({ type: DeviceFrame.Open, listId: list.id, mode: ChannelMode.Foreground })
    await raw.frame((frame) => messageType(frame, list.id) === MessageType.Awareness, 'the switched channel is sent the presence')
    backgroundProvider.device!.setMode(list.id, ChannelMode.Foreground)
    await awarenessUntil(
      foreground.provider.awareness,
      () => foreground.provider.awareness.getStates().get(backgroundProvider.doc.clientID)?.cursor === 'hidden',
      'the switched provider is seen',
    )
  })

  it('revoking one list ends only its channel (4003); the other lists on the socket keep syncing', async () => {
    const ana = await api.signup('Ana')
    const ben = await api.signup('Ben')
    const lists = [await api.createList(ana.token, 'a'), await api.createList(ana.token, 'b'), await api.createList(ana.token, 'c')]
    for (const list of lists) await api.share(ana.token, list.id, ben.user.email, 'editor')
    const benDevice = device(ben.token)
    const bens = lists.map((list) => connect(ts.server.url, list.id, ben.token, { device: benDevice }))
    const anas = lists.map((list) => connect(ts.server.url, list.id, ana.token))
    await Promise.all([...bens, ...anas].map((client) => synced(client.provider)))

    const closed = bens[0]!.nextClose()
    expect((await api.request('DELETE', `/api/lists/${lists[0]!.id}/members/${ben.user.id}`, undefined, ana.token)).status).toBe(204)
    expect(await closed).toBe(CloseCode.Forbidden.code)
    expect(bens[0]!.provider.shouldConnect).toBe(false)
    expect(benDevice.connected).toBe(true)

    for (const i of [1, 2]) {
      addItem(anas[i]!.doc, { text: `from Ana ${i}`, createdBy: ana.user.id })
      addItem(bens[i]!.doc, { text: `from Ben ${i}`, createdBy: ben.user.id })
    }
    for (const i of [1, 2]) {
      await docUntil(bens[i]!.doc, () => texts(bens[i]!.doc).length === 2, `Ben's list ${i} has both`)
      await docUntil(anas[i]!.doc, () => texts(anas[i]!.doc).length === 2, `Ana's list ${i} has both`)
      await saved(bens[i]!)
    }
  })

  describe('a malformed frame closes the whole socket with 4400', () => {
    const malformed: Array<[string, () => Uint8Array]> = [
      ['random bytes', () => Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)],
      ['an unknown frame type', () => Uint8Array.of(42, 1, 97)],
      ['a truncated Message frame', () => encodeDeviceFrame({ type: DeviceFrame.Message, listId: 'abc', message: new Uint8Array(10) }).subarray(0, 8)],
      ['trailing bytes after a frame', () => Uint8Array.from([...encodeDeviceFrame({ type: DeviceFrame.Leave, listId: 'abc' }), 0])],
      ['a list id that is not one', () => encodeDeviceFrame({ type: DeviceFrame.Open, listId: '../etc', mode: ChannelMode.Background })],
      ['an unknown channel mode', () => Uint8Array.from([...encodeDeviceFrame({ type: DeviceFrame.Open, listId: 'abc', mode: ChannelMode.Background }).subarray(0, -1), 7])],
      ['a frame only the server sends', () => encodeDeviceFrame({ type: DeviceFrame.Closed, listId: 'abc', code: 4003, reason: 'x' })],
    ]
    for (const [name, bytes] of malformed) {
      it(name, async () => {
        const ana = await api.signup()
        const list = await api.createList(ana.token)
        const bystander = connect(ts.server.url, list.id, ana.token, { transport: 'device' })
        await synced(bystander.provider)
        const raw = await rawDevice(ana.token)
        raw.send({ type: DeviceFrame.Open, listId: list.id, mode: ChannelMode.Foreground })
        await raw.frame((frame) => messageType(frame, list.id) === MessageType.Sync, 'the channel is joined')
        raw.ws.send(bytes())
        expect(await raw.closed).toBe(CloseCode.MalformedMessage.code)
        addItem(bystander.doc, { text: 'still here', createdBy: ana.user.id })
        await saved(bystander)
      })
    }
  })

  it("answers a Leave of an open channel with Closed 1000, and a Leave of a list it has no channel for with nothing", async () => {
    const ana = await api.signup()
    const list = await api.createList(ana.token)
    const raw = await rawDevice(ana.token)
    raw.send({ type: DeviceFrame.Open, listId: list.id, mode: ChannelMode.Background })
    await raw.frame((frame) => frame.type === DeviceFrame.Message && frame.listId === list.id, 'the sync step 1 of the channel')
    raw.send({ type: DeviceFrame.Leave, listId: list.id })
    raw.send({ type: DeviceFrame.Leave, listId: list.id })
    raw.send({ type: DeviceFrame.Ping })
    await raw.frame((frame) => frame.type === DeviceFrame.Pong, 'a Pong after both Leaves')
    expect(raw.frames.filter((frame) => frame.type === DeviceFrame.Closed)).toEqual([{ type: DeviceFrame.Closed, listId: list.id, code: 1000, reason: 'left' }])
  })

  it('answers Ping with Pong, so a device can tell a live socket from one that died without a close', async () => {
    const ana = await api.signup()
    const raw = await rawDevice(ana.token)
    raw.send({ type: DeviceFrame.Ping })
    await raw.frame((frame) => frame.type === DeviceFrame.Pong, 'a Pong')
  })

  it('Leave takes the channel out of its room at once, presence and all, and the socket stays open', async () => {
    const ana = await api.signup()
    const list = await api.createList(ana.token)
    const other = await api.createList(ana.token)
    const observer = connect(ts.server.url, list.id, ana.token)
    const anaDevice = device(ana.token)
    const leaving = connect(ts.server.url, list.id, ana.token, { device: anaDevice })
    const staying = connect(ts.server.url, other.id, ana.token, { device: anaDevice })
    await Promise.all([observer, leaving, staying].map((client) => synced(client.provider)))
    leaving.provider.awareness.setLocalStateField('typing', true)
    const present = () => observer.provider.awareness.getStates().has(leaving.doc.clientID)
    await awarenessUntil(observer.provider.awareness, present, 'the observer sees the presence')

    leaving.provider.disconnect() // the channel's close(): a Leave frame
    await awarenessUntil(observer.provider.awareness, () => !present(), 'the presence is gone')
    const room = await ts.server.rooms.withRoom(list.id, (r) => r)
    expect(room.connections.size).toBe(1)
    expect(anaDevice.connected).toBe(true)
    addItem(staying.doc, { text: 'still syncing', createdBy: ana.user.id })
    await saved(staying)
  })

  it("leaves no activity subscription behind: not for a channel the room ends as its early messages are handed over, nor for one that left or whose socket closed", async () => {
    const ana = await api.signup()
    const list = await api.createList(ana.token)
    const feed = ts.server.activityFeed
    // Both batches stay open at once under one session: within MAX_DEVICE_SOCKETS_PER_SESSION (16).
    const SOCKETS = 7
    // Sent with the Open, an unknown message type waits for the join; the room closes the channel (4400) as it is handed over.
    const refused = await Promise.all(
      Array.from({ length: SOCKETS }, async () => {
        const raw = await rawDevice(ana.token)
        raw.send({ type: DeviceFrame.Open, listId: list.id, mode: ChannelMode.Foreground })
        raw.send({ type: DeviceFrame.Message, listId: list.id, message: Uint8Array.of(42) })
        return raw.frame((frame) => frame.type === DeviceFrame.Closed && frame.listId === list.id, 'the channel is closed')
      }),
    )
    expect(refused.map((frame) => frame.type === DeviceFrame.Closed && frame.code)).toEqual(Array(SOCKETS).fill(CloseCode.MalformedMessage.code))
    expect(feed.listenerCount(list.id)).toBe(0)

    const joined = await Promise.all(
      Array.from({ length: SOCKETS }, async () => {
        const raw = await rawDevice(ana.token)
        raw.send({ type: DeviceFrame.Open, listId: list.id, mode: ChannelMode.Background })
        await raw.frame((frame) => messageType(frame, list.id) === MessageType.Sync, 'the channel is joined')
        return raw
      }),
    )
    expect(feed.listenerCount(list.id)).toBe(SOCKETS)
    for (const [i, raw] of joined.entries()) {
      if (i % 2 === 0) raw.send({ type: DeviceFrame.Leave, listId: list.id })
      else raw.ws.terminate()
    }
    await pollUntil(() => feed.listenerCount(list.id) === 0, 'every channel’s activity subscription to end')
  })

  it(`refuses an Open past MAX_CHANNELS_PER_DEVICE with ${CloseCode.TooManyChannels.code}; the open channels go on, and after a Leave the list opens`, async () => {
    await ts.cleanup()
    ts = await startTestServer({ FSYNC: 'false', MAX_CHANNELS_PER_DEVICE: '2' })
    api = new Api(ts.server.url)
    const ana = await api.signup()
    const [a, b, c] = [await api.createList(ana.token), await api.createList(ana.token), await api.createList(ana.token)]
    const raw = await rawDevice(ana.token)
    for (const list of [a, b, c]) raw.send({ type: DeviceFrame.Open, listId: list.id, mode: ChannelMode.Background })
    const refused = await raw.frame((frame) => frame.type === DeviceFrame.Closed, 'a refusal')
    expect(refused).toMatchObject({ type: DeviceFrame.Closed, listId: c.id, code: CloseCode.TooManyChannels.code })
    expect(CloseCode.TooManyChannels.retryable).toBe(false)
    await raw.frame((frame) => messageType(frame, a.id) === MessageType.Sync, 'list a is open')
    await raw.frame((frame) => messageType(frame, b.id) === MessageType.Sync, 'list b is open')

    raw.send({ type: DeviceFrame.Leave, listId: a.id })
    raw.send({ type: DeviceFrame.Open, listId: c.id, mode: ChannelMode.Background })
    await raw.frame((frame) => messageType(frame, c.id) === MessageType.Sync, 'list c opens after a Leave')
    const closes = raw.frames.flatMap((frame) => (frame.type === DeviceFrame.Closed ? [[frame.listId, frame.code]] : []))
    expect(closes).toEqual([[c.id, CloseCode.TooManyChannels.code], [a.id, 1000]])
  })

  it('unmodified y-websocket providers over the channel class reconnect after the device socket drops, on one new socket', async () => {
    const ana = await api.signup()
    const lists = [await api.createList(ana.token), await api.createList(ana.token), await api.createList(ana.token)]
    const sockets: WebSocket[] = []
    class TrackedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url)
        sockets.push(this)
      }
    }
    const anaDevice = new DeviceSocket({
      url: ts.server.url.replace(/^http/, 'ws') + DEVICE_WS_PATH,
      token: () => ana.token,
      WebSocket: TrackedWebSocket as unknown as WebSocketConstructor,
    })
    devices.push(anaDevice)
    const onDevice = lists.map((list) => connect(ts.server.url, list.id, ana.token, { device: anaDevice, mode: ChannelMode.Background }))
    const partners = lists.map((list) => connect(ts.server.url, list.id, ana.token))
    await Promise.all([...onDevice, ...partners].map((client) => synced(client.provider)))
    expect(sockets).toHaveLength(1)

    const drops = onDevice.map((client) => client.nextClose())
    sockets[0]!.terminate()
    expect(await Promise.all(drops)).toEqual([1006, 1006, 1006])
    // Edits on both sides while the device is cut off.
    onDevice.forEach((client, i) => addItem(client.doc, { text: `device ${i}`, createdBy: ana.user.id }))
    partners.forEach((client, i) => addItem(client.doc, { text: `partner ${i}`, createdBy: ana.user.id }))

    for (const [i, client] of onDevice.entries()) {
      await docUntil(client.doc, () => texts(client.doc).length === 2, `the device's list ${i} has both`)
      await docUntil(partners[i]!.doc, () => texts(partners[i]!.doc).length === 2, `the partner's list ${i} has both`)
      await saved(client)
    }
    expect(sockets).toHaveLength(2)
    expect(await openSockets(ts)).toBe(1 + partners.length)
  })
})
