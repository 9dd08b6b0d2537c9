/**
 * DeviceSocket and its channel class against a scripted WebSocket: what goes
 * on the wire when, and what a y-websocket provider is told. (Against a real
 * server: server/device-socket.integration.test.ts and the suites that run on
 * both transports.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DeviceSocket, type DeviceChannel, type WebSocketLike } from './device-client.ts'
import { ChannelMode, DeviceFrame, decodeDeviceFrame, encodeDeviceFrame, type DeviceFrameMessage } from './device-protocol.ts'
import { CloseCode } from './protocol.ts'

/** A WebSocket the test opens, feeds and drops by hand, recording the frames sent on it. */
class ScriptedSocket implements WebSocketLike {
  static made: ScriptedSocket[] = []
  binaryType = 'blob'
  readyState = 0
  bufferedAmount = 0
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  readonly sent: DeviceFrameMessage[] = []

  constructor(readonly url: string) {
    ScriptedSocket.made.push(this)
  }

  send(data: Uint8Array): void {
    this.sent.push(decodeDeviceFrame(data))
  }

  close(code = 1000, reason = ''): void {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }

  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }

  receive(frame: DeviceFrameMessage): void {
    this.onmessage?.({ data: encodeDeviceFrame(frame).slice().buffer })
  }
}

/** What a channel tells its provider, in order. */
function record(channel: DeviceChannel): string[] {
  const events: string[] = []
  channel.onopen = () => events.push('open')
  channel.onmessage = (event) => events.push(`message ${[...new Uint8Array(event.data)].join(',')}`)
  channel.onclose = (event) => events.push(`close ${event.code}`)
  return events
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

function device(token: () => string | null = () => 'tok') {
  return new DeviceSocket({ url: 'ws://colist.test/ws/device', token, WebSocket: ScriptedSocket })
}

afterEach(() => {
  ScriptedSocket.made = []
  vi.useRealTimers()
})

describe('DeviceSocket', () => {
  it('connects when a channel needs it, opens the channel from the URL y-websocket builds, wraps its messages, and sends Leave on close()', async () => {
    const socket = device()
    const Channel = socket.channelClass(ChannelMode.Background)
    const channel = new Channel('ws://colist.test/ws/device/list_1?ignored=1')
    const events = record(channel)
    await flush()
    expect(ScriptedSocket.made).toHaveLength(1)
    const ws = ScriptedSocket.made[0]!
    expect(ws.url).toBe('ws://colist.test/ws/device?token=tok')
    expect(ws.binaryType).toBe('arraybuffer')
    expect(events).toEqual([])

    ws.open()
    expect(ws.sent).toEqual([{ type: DeviceFrame.Open, listId: 'list_1', mode: ChannelMode.Background }])
    await flush()
    expect(events).toEqual(['open'])
    expect(channel.readyState).toBe(channel.OPEN)

    channel.send(Uint8Array.of(0, 0, 1, 0))
    ws.receive({ type: DeviceFrame.Message, listId: 'list_1', message: Uint8Array.of(0, 1, 1, 0) })
    ws.receive({ type: DeviceFrame.Message, listId: 'other', message: Uint8Array.of(9) })
    expect(ws.sent.at(-1)).toEqual({ type: DeviceFrame.Message, listId: 'list_1', message: Uint8Array.of(0, 0, 1, 0) })
    expect(events).toEqual(['open', 'message 0,1,1,0'])

    channel.close()
    expect(ws.sent.at(-1)).toEqual({ type: DeviceFrame.Leave, listId: 'list_1' })
    expect(socket.connected).toBe(true)
    socket.destroy()
  })

  it('after a Leave, what still arrives for the list (up to the Closed that ends it) belongs to the channel that left, never to a newer one', async () => {
    const socket = device()
    const Channel = socket.channelClass(ChannelMode.Background)
    const old = new Channel('ws://x/ws/device/l')
    await flush()
    const ws = ScriptedSocket.made[0]!
    ws.open()
    await flush()
    old.close() // Leave
    const fresh = new Channel('ws://x/ws/device/l')
    const events = record(fresh)
    await flush()
    expect(ws.sent.map((frame) => frame.type)).toEqual([DeviceFrame.Open, DeviceFrame.Leave, DeviceFrame.Open])
    // In flight before the server read the Leave: the old channel's relay, then the ack of the Leave.
    ws.receive({ type: DeviceFrame.Message, listId: 'l', message: Uint8Array.of(0, 2, 1, 0) })
    ws.receive({ type: DeviceFrame.Closed, listId: 'l', code: 1000, reason: 'left' })
    expect(events).toEqual(['open'])
    ws.receive({ type: DeviceFrame.Message, listId: 'l', message: Uint8Array.of(0, 1, 1, 0) })
    ws.receive({ type: DeviceFrame.Closed, listId: 'l', code: 4003, reason: 'access revoked' })
    expect(events).toEqual(['open', 'message 0,1,1,0', 'close 4003'])
    socket.destroy()
  })

  it("closes a channel with its Closed frame's code, the others staying open; a socket drop closes every channel with 1006, and the next channel reconnects", async () => {
    const socket = device()
    const Channel = socket.channelClass(ChannelMode.Foreground)
    const [a, b] = [new Channel('ws://x/ws/device/a'), new Channel('ws://x/ws/device/b')]
    const [aEvents, bEvents] = [record(a), record(b)]
    await flush()
    const ws = ScriptedSocket.made[0]!
    ws.open()
    await flush()
    ws.receive({ type: DeviceFrame.Closed, listId: 'a', code: 4003, reason: 'access revoked' })
    expect(aEvents).toEqual(['open', 'close 4003'])
    expect(bEvents).toEqual(['open'])

    ws.close(1006)
    expect(bEvents).toEqual(['open', 'close 1006'])
    expect(socket.connected).toBe(false)
    const again = new Channel('ws://x/ws/device/b')
    const againEvents = record(again)
    await flush()
    expect(ScriptedSocket.made).toHaveLength(2)
    ScriptedSocket.made[1]!.open()
    await flush()
    expect(againEvents).toEqual(['open'])
    socket.destroy()
  })

  it('holds back awareness in Background and sends the latest on the switch to Foreground, which later channels of the list keep', async () => {
    const socket = device()
    const channel = new (socket.channelClass(ChannelMode.Background))('ws://x/ws/device/l')
    await flush()
    const ws = ScriptedSocket.made[0]!
    ws.open()
    await flush()
    channel.send(Uint8Array.of(1, 1, 7))
    channel.send(Uint8Array.of(1, 1, 8))
    expect(ws.sent).toHaveLength(1)
    socket.setMode('l', ChannelMode.Foreground)
    expect(ws.sent.slice(1)).toEqual([
      { type: DeviceFrame.Open, listId: 'l', mode: ChannelMode.Foreground },
      { type: DeviceFrame.Message, listId: 'l', message: Uint8Array.of(1, 1, 8) },
    ])
    channel.close()
    new (socket.channelClass(ChannelMode.Background))('ws://x/ws/device/l')
    expect(ws.sent.at(-1)).toEqual({ type: DeviceFrame.Open, listId: 'l', mode: ChannelMode.Foreground })
    socket.destroy()
  })

  it('tells a quiet channel every idle tick that it is still there, with an empty awareness update', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    const socket = device()
    const channel = new (socket.channelClass(ChannelMode.Background))('ws://x/ws/device/l')
    const events = record(channel)
    await vi.waitFor(() => expect(ScriptedSocket.made).toHaveLength(1))
    ScriptedSocket.made[0]!.open()
    await vi.waitFor(() => expect(events).toEqual(['open']))
    // A channel that opened just after a tick is quiet for a whole interval only by the next one: within 20 s, well inside y-websocket's 30.
    vi.advanceTimersByTime(20_000)
    expect(events[0]).toBe('open')
    expect(events.length).toBeGreaterThan(1)
    expect(new Set(events.slice(1))).toEqual(new Set(['message 1,1,0']))
    socket.destroy()
  })

  it('pings a quiet socket, and drops one that answered nothing for three intervals: its channels close with 1006', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    const socket = device()
    const channel = new (socket.channelClass(ChannelMode.Background))('ws://x/ws/device/l')
    const events = record(channel)
    await vi.waitFor(() => expect(ScriptedSocket.made).toHaveLength(1))
    const ws = ScriptedSocket.made[0]!
    ws.open()
    await vi.waitFor(() => expect(events).toEqual(['open']))
    const pings = () => ws.sent.filter((frame) => frame.type === DeviceFrame.Ping).length
    vi.advanceTimersByTime(10_000)
    expect(pings()).toBe(1)
    // A Pong (any frame) proves it alive: the count of silent intervals starts over.
    vi.advanceTimersByTime(5_000)
    ws.receive({ type: DeviceFrame.Pong })
    vi.advanceTimersByTime(25_000)
    expect(events.filter((event) => event.startsWith('close'))).toEqual([])
    expect(pings()).toBeGreaterThanOrEqual(2)
    // Then nothing at all: dropped once 30 s passed since the last frame, without waiting for a close handshake.
    vi.advanceTimersByTime(10_000)
    expect(events.filter((event) => event.startsWith('close'))).toEqual(['close 1006'])
    expect(socket.connected).toBe(false)
    socket.destroy()
  })

  it('closes waiting channels with 4001 when there is no token, one channel per list, and 4400 for a URL without a list id', async () => {
    const socket = device(() => null)
    const Channel = socket.channelClass(ChannelMode.Background)
    const first = new Channel('ws://x/ws/device/l')
    const second = new Channel('ws://x/ws/device/l')
    const bad = new Channel('ws://x/ws/device/not%20an%20id')
    const [firstEvents, secondEvents, badEvents] = [record(first), record(second), record(bad)]
    await flush()
    expect(firstEvents).toEqual([`close ${CloseCode.Unauthorized.code}`])
    expect(secondEvents).toEqual(['close 1008'])
    expect(badEvents).toEqual([`close ${CloseCode.MalformedMessage.code}`])
    expect(ScriptedSocket.made).toHaveLength(0)
    socket.destroy()
  })
})
