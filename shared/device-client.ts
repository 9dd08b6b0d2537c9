/**
 * The client half of the device socket (`/ws/device`, frames in
 * shared/device-protocol.ts): one WebSocket per device carrying every list it
 * syncs, used by the web client and by the tests alike (no DOM-only API: the
 * WebSocket constructor is injected, the browser's or the `ws` package's).
 *
 * Each list rides a channel, and `DeviceSocket.channelClass(mode)` is a
 * WebSocket-compatible class for it, so an unmodified y-websocket provider
 * syncs one list over the device socket:
 *
 *   new WebsocketProvider(baseUrl + DEVICE_WS_PATH, listId, doc, {
 *     WebSocketPolyfill: device.channelClass(ChannelMode.Background),
 *   })
 *
 * A channel takes its list id from the URL the provider builds (the last
 * path segment; the provider's own `params` are ignored, the device socket
 * has the token). It opens once the device socket is open and its `Open`
 * is sent (the socket connects on demand when the first channel needs it);
 * `send` wraps each message in a `Message` frame; `close()` sends `Leave`. It
 * closes with the code of the server's `Closed` frame for it, or, when the
 * device socket itself closes, with the socket's code (1006 when it
 * dropped): the provider then reconnects (or stops on a final code) as it
 * would with its own socket, and its next channel reconnects the device
 * socket.
 *
 * In Background mode the channel exchanges document sync only: the server
 * sends it no awareness, and the channel keeps the provider's own awareness
 * messages back instead of sending them, sending the latest one when the list
 * switches to Foreground (`setMode`). A client that wants others to see it
 * leave at once clears its awareness state before switching to Background.
 * A quiet channel tells its provider now and then that it is still there (an
 * empty awareness update, which changes nothing), since y-websocket drops a
 * socket that received nothing for 30 s, and a Background list may well
 * receive nothing for longer.
 */
import { ObservableV2 } from 'lib0/observable'
import { ChannelMode, DeviceFrame, decodeDeviceFrame, encodeDeviceFrame, isListId, type DeviceFrameMessage } from './device-protocol.ts'
import { CloseCode, MessageType, isRetryableClose } from './protocol.ts'

/** What the device socket needs of a WebSocket; the browser's and the `ws` package's both have it. */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  readonly bufferedAmount: number
  // The browser's and ws's event types differ; only `data`, `code` and `reason` are read.
  onopen: ((event: any) => void) | null
  onmessage: ((event: any) => void) | null
  onclose: ((event: any) => void) | null
  onerror: ((event: any) => void) | null
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
}

export type WebSocketConstructor = new (url: string) => WebSocketLike

/** What `DeviceSocket.channelClass` returns: constructed by y-websocket with the URL it built (and protocols, ignored). */
export type DeviceChannelClass = new (url: string, protocols?: string | string[]) => DeviceChannel

export interface DeviceSocketOptions {
  /** The device socket's URL without the token, e.g. `wss://colist.example/ws/device`. */
  url: string
  /** The current token, asked at every connect; null closes waiting channels with 4001. */
  token: () => string | null | Promise<string | null>
  WebSocket: WebSocketConstructor
  /** How often a quiet channel tells its provider it is still there; 10 s by default (y-websocket gives up after 30 s). */
  idleTickMs?: number
  /** Longest wait before reconnecting a socket `connect()` asked for (doubling from 100 ms); 2.5 s by default. */
  maxBackoffMs?: number
}

export type DeviceSocketStatus = 'connecting' | 'connected' | 'disconnected'

export interface DeviceSocketEvents {
  /** A `Lists` frame: the user's lists (JSON, see shared/lists-feed.ts). */
  lists: (json: string) => void
  /** An `Activity` frame: one event of a list open on this socket (JSON, see shared/activity.ts). */
  activity: (listId: string, json: string) => void
  /** The device socket's state; `code` is the close code when it closed. */
  status: (event: { status: DeviceSocketStatus; code?: number }) => void
}

/** What a channel reports to its provider: the close event fields y-websocket reads. */
export interface ChannelCloseEvent {
  code: number
  reason: string
  wasClean: boolean
}

const CONNECTING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3

/** Closes a second channel for a list that already has one on this device socket (one channel per list). */
const DUPLICATE_CHANNEL = { code: 1008, reason: 'this list already has a channel on this device socket' }
const DROPPED = 1006
const IDLE = Uint8Array.of(MessageType.Awareness, 1, 0)

export class DeviceSocket extends ObservableV2<DeviceSocketEvents> {
  private ws: WebSocketLike | null = null
  /** Asking for the token, before the socket exists. */
  private starting = false
  /** Channels open or waiting for the socket to open, by list id. */
  private readonly channels = new Map<string, DeviceChannel>()
  /**
   * Per list, `Leave`s sent whose `Closed` has not arrived yet. Until it does,
   * what arrives for the list belongs to the channel that left, never to a
   * newer one opened meanwhile: the server answers each `Leave` of an open
   * channel with `Closed` 1000, and sends nothing more for that channel.
   */
  private readonly leaving = new Map<string, number>()
  /** Modes set with `setMode`, kept for the list's next channels (after a reconnect). */
  private readonly modes = new Map<string, ChannelMode>()
  /** Whether `connect()` asked to stay connected even without channels. */
  private wanted = false
  private failures = 0
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private idleTimer: ReturnType<typeof setInterval> | null = null
  /** When the open socket last received a frame (or opened). */
  private lastHeard = 0
  private destroyed = false

  constructor(private readonly options: DeviceSocketOptions) {
    super()
  }

  /** Whether the device socket is open. */
  get connected(): boolean {
    return this.ws?.readyState === OPEN
  }

  /**
   * A WebSocket-compatible class whose instances are channels of this device
   * socket, opened in `mode` (unless `setMode` chose another for the list):
   * pass it to y-websocket as `WebSocketPolyfill`.
   */
  channelClass(mode: ChannelMode): DeviceChannelClass {
    return channelClassOf(this, mode)
  }

  /** Switches a list's channel to `mode` (now if it is open, and for its channels to come). */
  setMode(listId: string, mode: ChannelMode): void {
    this.modes.set(listId, mode)
    this.channels.get(listId)?.switchTo(mode)
  }

  /** Connects now and stays connected (reconnecting with backoff after a retryable close) until `disconnect()`. */
  connect(): void {
    this.wanted = true
    this.ensureSocket()
  }

  /** Closes the socket (its channels close with 1000) and stops reconnecting it until a channel or `connect()` needs it. */
  disconnect(): void {
    this.wanted = false
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    this.ws?.close(1000, 'disconnect')
  }

  override destroy(): void {
    this.destroyed = true
    this.disconnect()
    super.destroy()
  }

  // ---------------------------------------------------------------------------
  // What channels ask of the device socket
  // ---------------------------------------------------------------------------

  /** @internal A new channel: registered, and opened once the socket is. */
  attach(channel: DeviceChannel): void {
    if (this.destroyed) return channel.ended({ code: DROPPED, reason: 'device socket destroyed', wasClean: false }, true)
    const current = this.channels.get(channel.listId)
    if (current) return channel.ended({ ...DUPLICATE_CHANNEL, wasClean: true }, true)
    this.channels.set(channel.listId, channel)
    if (this.connected) this.openChannel(channel)
    else this.ensureSocket()
  }

  /** @internal The provider closed its channel: the server is told (`Leave`) if it knew of it. */
  detach(channel: DeviceChannel, opened: boolean): void {
    if (this.channels.get(channel.listId) !== channel) return
    this.channels.delete(channel.listId)
    if (opened && this.connected) {
      this.sendFrame({ type: DeviceFrame.Leave, listId: channel.listId })
      this.leaving.set(channel.listId, (this.leaving.get(channel.listId) ?? 0) + 1)
    }
  }

  /** @internal */
  sendFrame(frame: DeviceFrameMessage): void {
    if (this.connected) this.ws!.send(encodeDeviceFrame(frame))
  }

  /** @internal */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0
  }

  private openChannel(channel: DeviceChannel): void {
    const mode = this.modes.get(channel.listId) ?? channel.mode
    this.sendFrame({ type: DeviceFrame.Open, listId: channel.listId, mode })
    channel.opened(mode)
  }

  // ---------------------------------------------------------------------------
  // The socket
  // ---------------------------------------------------------------------------

  private ensureSocket(): void {
    if (this.ws || this.starting || this.destroyed) return
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    this.starting = true
    this.emit('status', [{ status: 'connecting' }])
    Promise.resolve()
      .then(() => this.options.token())
      .then(
        (token) => this.open(token),
        () => this.open(null),
      )
  }

  private open(token: string | null): void {
    this.starting = false
    if (this.destroyed || (this.channels.size === 0 && !this.wanted)) return this.emit('status', [{ status: 'disconnected' }])
    if (token === null) return this.closed(CloseCode.Unauthorized.code, 'no token')
    const separator = this.options.url.includes('?') ? '&' : '?'
    let ws: WebSocketLike
    try {
      ws = new this.options.WebSocket(`${this.options.url}${separator}token=${encodeURIComponent(token)}`)
    } catch {
      return this.closed(DROPPED, 'the device socket could not be created')
    }
    ws.binaryType = 'arraybuffer'
    this.ws = ws
    ws.onopen = () => {
      if (this.ws !== ws) return
      this.failures = 0
      this.lastHeard = Date.now()
      this.emit('status', [{ status: 'connected' }])
      this.startIdleTicks()
      for (const channel of this.channels.values()) this.openChannel(channel)
    }
    ws.onmessage = (event: { data: unknown }) => {
      if (this.ws === ws) this.receive(toBytes(event.data))
    }
    ws.onerror = () => {} // a close follows
    ws.onclose = (event: { code?: number; reason?: string }) => {
      if (this.ws !== ws) return
      this.ws = null
      this.closed(event.code || DROPPED, event.reason ?? '')
    }
  }

  private receive(bytes: Uint8Array): void {
    this.lastHeard = Date.now()
    let frame: DeviceFrameMessage
    try {
      frame = decodeDeviceFrame(bytes)
    } catch {
      // A server speaking another version of the protocol: start over rather than guess.
      this.ws?.close(CloseCode.MalformedMessage.code, 'malformed device frame from the server')
      return
    }
    switch (frame.type) {
      case DeviceFrame.Message:
        if (this.leaving.has(frame.listId)) return // the channel that left
        return this.channels.get(frame.listId)?.deliver(frame.message)
      case DeviceFrame.Closed: {
        const left = this.leaving.get(frame.listId)
        if (left !== undefined) {
          // The end of a channel that left (the ack of its Leave, or the server's own close that crossed it).
          if (left > 1) this.leaving.set(frame.listId, left - 1)
          else this.leaving.delete(frame.listId)
          return
        }
        const channel = this.channels.get(frame.listId)
        if (!channel) return
        this.channels.delete(frame.listId)
        return channel.ended({ code: frame.code, reason: frame.reason, wasClean: true }, false)
      }
      case DeviceFrame.Lists:
        return this.emit('lists', [frame.json])
      case DeviceFrame.Activity:
        return this.emit('activity', [frame.listId, frame.json])
      default:
        return // Pong only proves the socket alive; Open, Leave and Ping are the client's.
    }
  }

  /** The socket closed (or never opened): every channel closes with its code. */
  private closed(code: number, reason: string): void {
    this.stopIdleTicks()
    this.leaving.clear()
    const channels = [...this.channels.values()]
    this.channels.clear()
    this.emit('status', [{ status: 'disconnected', code }])
    for (const channel of channels) channel.ended({ code, reason, wasClean: code !== DROPPED }, false)
    if (this.wanted && !this.destroyed && isRetryableClose(code) && !this.reconnectTimer && !this.ws) {
      const delay = Math.min(100 * 2 ** this.failures++, this.options.maxBackoffMs ?? 2500)
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null
        this.ensureSocket()
      }, delay)
    }
  }

  /**
   * Every `idleTickMs`: quiet channels are told the socket is there (see the
   * header), and the socket itself is checked. Browsers hide WebSocket pings,
   * so a connection that died without a close (a phone leaving Wi-Fi) would
   * otherwise look open for minutes: after a quiet interval the device sends
   * `Ping`, and a socket that heard nothing for three intervals is dropped
   * here (its channels close with 1006, their providers reconnect).
   */
  private startIdleTicks(): void {
    const every = this.options.idleTickMs ?? 10_000
    this.idleTimer = setInterval(() => {
      const now = Date.now()
      const quietSince = now - every
      if (this.ws && this.connected) {
        if (now - this.lastHeard >= 3 * every) return this.dropSilent()
        if (this.lastHeard <= quietSince) this.sendFrame({ type: DeviceFrame.Ping })
      }
      for (const channel of this.channels.values()) channel.tickIfQuiet(quietSince)
    }, every)
    // In Node, a device socket alone must not keep the process running.
    ;(this.idleTimer as { unref?: () => void }).unref?.()
  }

  /** The socket answered nothing for too long: given up on without waiting for a close handshake that may never come. */
  private dropSilent(): void {
    const ws = this.ws!
    this.ws = null
    ws.onopen = ws.onmessage = ws.onclose = null
    ws.close(4000, 'no answer from the server')
    this.closed(DROPPED, 'no answer from the server')
  }

  private stopIdleTicks(): void {
    if (this.idleTimer) clearInterval(this.idleTimer)
    this.idleTimer = null
  }
}

/**
 * One list's channel on a device socket, shaped like a browser WebSocket as
 * far as y-websocket uses one (`on…` handlers, `send`, `close`,
 * `readyState`, `binaryType`). Made through `DeviceSocket.channelClass`.
 */
export class DeviceChannel {
  static readonly CONNECTING = CONNECTING
  static readonly OPEN = OPEN
  static readonly CLOSING = CLOSING
  static readonly CLOSED = CLOSED
  readonly CONNECTING = CONNECTING
  readonly OPEN = OPEN
  readonly CLOSING = CLOSING
  readonly CLOSED = CLOSED

  readonly listId: string
  readonly protocol = ''
  readonly extensions = ''
  binaryType = 'arraybuffer'
  readyState: number = CONNECTING
  onopen: ((event: { type: 'open' }) => void) | null = null
  onmessage: ((event: { type: 'message'; data: ArrayBuffer }) => void) | null = null
  onclose: ((event: ChannelCloseEvent & { type: 'close' }) => void) | null = null
  onerror: ((event: { type: 'error' }) => void) | null = null
  /** The mode the server knows this channel in (the class's until opened). */
  mode: ChannelMode
  /** Whether the server was sent this channel's `Open`. */
  private announced = false
  /** The provider's latest awareness message, held back while in Background. */
  private heldAwareness: Uint8Array | null = null
  private lastDelivered = Date.now()

  constructor(
    private readonly device: DeviceSocket,
    readonly url: string,
    mode: ChannelMode,
  ) {
    this.mode = mode
    this.listId = listIdFromUrl(url)
    if (!isListId(this.listId)) {
      this.ended({ code: CloseCode.MalformedMessage.code, reason: `not a list id: ${this.listId}`, wasClean: true }, true)
      return
    }
    device.attach(this)
  }

  get bufferedAmount(): number {
    return this.device.bufferedAmount
  }

  send(data: ArrayBufferLike | ArrayBufferView): void {
    if (this.readyState !== OPEN) return
    const message = toBytes(data)
    if (this.mode === ChannelMode.Background && message[0] === MessageType.Awareness) {
      this.heldAwareness = message
      return
    }
    this.device.sendFrame({ type: DeviceFrame.Message, listId: this.listId, message })
  }

  /** Ends the channel: the server is sent `Leave`, and the socket stays open for the others. */
  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSING || this.readyState === CLOSED) return
    this.device.detach(this, this.announced)
    this.ended({ code, reason, wasClean: true }, true)
  }

  // ---------------------------------------------------------------------------
  // What the device socket tells the channel
  // ---------------------------------------------------------------------------

  /** @internal The server was sent `Open`: the channel opens (after the current task, so handlers are set). */
  opened(mode: ChannelMode): void {
    this.announced = true
    this.mode = mode
    queueMicrotask(() => {
      if (this.readyState !== CONNECTING) return
      this.readyState = OPEN
      this.lastDelivered = Date.now()
      this.onopen?.({ type: 'open' })
    })
  }

  /** @internal A message from the server for this list. */
  deliver(message: Uint8Array): void {
    if (this.readyState !== OPEN) return
    this.lastDelivered = Date.now()
    // A copy the provider owns, as a browser socket hands out.
    this.onmessage?.({ type: 'message', data: message.slice().buffer })
  }

  /** @internal Switches the mode; back in Foreground, the awareness held back goes out. */
  switchTo(mode: ChannelMode): void {
    if (mode === this.mode || !this.announced) {
      this.mode = mode
      return
    }
    this.mode = mode
    this.device.sendFrame({ type: DeviceFrame.Open, listId: this.listId, mode })
    if (mode === ChannelMode.Foreground && this.heldAwareness && this.readyState === OPEN) {
      this.device.sendFrame({ type: DeviceFrame.Message, listId: this.listId, message: this.heldAwareness })
    }
    this.heldAwareness = null
  }

  /** @internal Nothing reached the provider since `quietSince`: an empty awareness update keeps its watchdog calm. */
  tickIfQuiet(quietSince: number): void {
    if (this.readyState === OPEN && this.lastDelivered <= quietSince) this.deliver(IDLE)
  }

  /** @internal The channel is over; `later` defers the close event (a close the caller made, as browsers do). */
  ended(event: ChannelCloseEvent, later: boolean): void {
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    const fire = () => this.onclose?.({ type: 'close', ...event })
    if (later) queueMicrotask(fire)
    else fire()
  }
}

function channelClassOf(device: DeviceSocket, mode: ChannelMode): DeviceChannelClass {
  return class extends DeviceChannel {
    constructor(url: string) {
      super(device, url, mode)
    }
  }
}

/** The list id y-websocket put last in the URL's path (`${serverUrl}/${roomname}?${params}`). */
function listIdFromUrl(url: string): string {
  const path = new URL(url).pathname
  try {
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1))
  } catch {
    return ''
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  // ws may hand over a list of fragments when binaryType is 'fragments'; we ask for 'arraybuffer'.
  throw new Error('unexpected WebSocket message data')
}
