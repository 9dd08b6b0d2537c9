/**
 * The device socket (`/ws/device`, frames in shared/device-protocol.ts): one
 * WebSocket per device carrying many lists. Each list the device opens is a
 * channel, and a channel is a `RoomSocket` to its room, so the room treats
 * it exactly as a list's own socket: same auth and roles at `Open`, same
 * messages inside `Message` frames, same close codes, which end only the
 * channel (a `Closed` frame) and never the socket.
 *
 * The transport limits (message size and rate, stalled sockets, keepalive,
 * token expiry, connection cap) are the socket's, shared with list sockets
 * (socket-pool.ts); a malformed frame closes the whole socket with 4400.
 *
 * A channel in Background mode exchanges document sync only: awareness is
 * neither sent to it nor taken from it, so lists a device is not showing
 * cost no presence traffic. Switching it to Foreground sends it the
 * presence in the room, as a join does.
 */
import type { WebSocket } from 'ws'
import { ChannelMode, DeviceFrame, decodeDeviceFrame, encodeDeviceFrame, type DeviceFrameMessage } from '../shared/device-protocol.ts'
import { CloseCode, MessageType, type CloseCodeInfo } from '../shared/protocol.ts'
import type { TokenClaims } from './auth.ts'
import type { Config } from './config.ts'
import type { Connection, RoomSocket } from './connection.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { ProtocolError } from './protocol-error.ts'
import type { Room } from './room.ts'
import { EarlyMessages, authorizeList, joinRoom, type RoomJoinDeps } from './room-join.ts'
import type { SocketPool } from './socket-pool.ts'

/**
 * The live feeds a device socket carries besides its lists' channels,
 * implemented elsewhere. Each `subscribe…` is called while what it feeds is
 * open and must stop calling `send` once its returned function is called.
 */
export interface DeviceFeeds {
  /** While the socket is open: the user's lists, each call one `Lists` frame (JSON). */
  subscribeLists?(userId: string, send: (json: string) => void): () => void
  /** While a list's channel is open (joined, in either mode): its activity, each call one `Activity` frame (JSON). */
  subscribeActivity?(listId: string, send: (json: string) => void): () => void
}

export interface DeviceSocketDeps extends RoomJoinDeps {
  config: Config
  metrics: Metrics
  log: Logger
  feeds?: DeviceFeeds
}

export class DeviceSocketServer {
  constructor(
    private readonly pool: SocketPool,
    private readonly deps: DeviceSocketDeps,
  ) {}

  /** Takes an upgraded device socket whose token is `claims`. */
  accept(ws: WebSocket, claims: TokenClaims): void {
    new DeviceLink(ws, claims, this.pool, this.deps)
  }
}

/**
 * Frames of one device socket handled per event-loop turn, for at most this
 * long: a device coming back with 50 lists sends them all at once, and `ws`
 * hands over every frame of a read in one go; handled in one turn they held
 * the loop for 250 ms, delaying every other user's edits (bench `device` row).
 */
const TURN_BUDGET_MS = 5
/** Past this many frames waiting, the socket is not read until they are handled. */
const MAX_WAITING_FRAMES = 512

/** One open device socket: its channels by list id, and the lists feed. */
class DeviceLink {
  private readonly channels = new Map<string, Channel>()
  private readonly stopLists: (() => void) | null
  /** Frames received and not handled yet, in order (see TURN_BUDGET_MS). */
  private inbox: Uint8Array[] = []
  private next = 0
  private turn: NodeJS.Immediate | null = null
  private gone = false

  constructor(
    private readonly ws: WebSocket,
    readonly claims: TokenClaims,
    private readonly pool: SocketPool,
    readonly deps: DeviceSocketDeps,
  ) {
    pool.adopt(ws, { expiresAt: claims.exp * 1000, sessionId: claims.sessionId, userId: claims.userId, device: true }, { message: (bytes) => this.enqueue(bytes), close: () => this.end() }, { user: claims.userId, device: true })
    this.stopLists = deps.feeds?.subscribeLists?.(claims.userId, (json) => this.send({ type: DeviceFrame.Lists, json })) ?? null
  }

  send(frame: DeviceFrameMessage): void {
    this.pool.send(this.ws, encodeDeviceFrame(frame))
  }

  private enqueue(bytes: Uint8Array): void {
    if (this.gone) return
    this.inbox.push(bytes)
    if (this.inbox.length - this.next >= MAX_WAITING_FRAMES) this.ws.pause()
    this.turn ??= setImmediate(this.handleWaiting)
  }

  /** Handles waiting frames in order for up to TURN_BUDGET_MS, then lets the event loop run before going on. */
  private readonly handleWaiting = (): void => {
    this.turn = null
    const until = performance.now() + TURN_BUDGET_MS
    while (this.next < this.inbox.length && !this.gone) {
      this.receive(this.inbox[this.next++]!)
      if (performance.now() >= until) break
    }
    if (this.next >= this.inbox.length || this.gone) {
      this.inbox = []
      this.next = 0
    } else this.turn = setImmediate(this.handleWaiting)
    if (this.ws.isPaused && this.inbox.length - this.next < MAX_WAITING_FRAMES / 2) this.ws.resume()
  }

  private receive(bytes: Uint8Array): void {
    let frame: DeviceFrameMessage
    try {
      frame = decodeDeviceFrame(bytes)
    } catch (err) {
      return this.pool.close(this.ws, CloseCode.MalformedMessage, `malformed device frame: ${String(err)}`.slice(0, 120))
    }
    switch (frame.type) {
      case DeviceFrame.Open:
        return this.open(frame.listId, frame.mode)
      case DeviceFrame.Message:
        // None open: the server ended it (its Closed frame is on its way) or the device left it; what was in flight is moot.
        return this.channels.get(frame.listId)?.receive(frame.message)
      case DeviceFrame.Leave:
        return this.channels.get(frame.listId)?.leave()
      case DeviceFrame.Ping:
        return this.send({ type: DeviceFrame.Pong })
      default:
        return this.pool.close(this.ws, CloseCode.MalformedMessage, `device frame ${frame.type} is sent by the server only`)
    }
  }

  /** `Open`: a new channel, or another mode for an open one. */
  private open(listId: string, mode: ChannelMode): void {
    const open = this.channels.get(listId)
    if (open) return open.setMode(mode)
    if (this.channels.size >= this.deps.config.limits.maxChannelsPerDevice) {
      return this.closed(listId, CloseCode.TooManyChannels.code, CloseCode.TooManyChannels.reason)
    }
    const channel = new Channel(listId, mode, this)
    this.channels.set(listId, channel)
    channel.start()
  }

  /** A channel ended (not by the device's `Leave`): the device is told with `Closed`. */
  channelClosed(channel: Channel, code: number, reason: string): void {
    if (this.channels.get(channel.listId) !== channel) return
    this.channels.delete(channel.listId)
    this.closed(channel.listId, code, reason)
  }

  /** The device's `Leave` of an open channel: acknowledged with `Closed` 1000, so the device knows where the old channel's frames end. */
  channelLeft(channel: Channel): void {
    if (this.channels.get(channel.listId) !== channel) return
    this.channels.delete(channel.listId)
    this.send({ type: DeviceFrame.Closed, listId: channel.listId, code: LEFT.code, reason: LEFT.reason })
  }

  private closed(listId: string, code: number, reason: string): void {
    this.deps.metrics.closes.inc({ code: String(code) })
    this.send({ type: DeviceFrame.Closed, listId, code, reason })
  }

  /** The socket closed: every channel leaves its room. */
  private end(): void {
    this.gone = true
    if (this.turn) clearImmediate(this.turn)
    this.turn = null
    this.inbox = []
    this.stopLists?.()
    for (const channel of this.channels.values()) channel.end()
    this.channels.clear()
  }
}

/**
 * One list on a device socket: authorized and joined to the list's room as a
 * list's own socket would be, and the `RoomSocket` that room writes to.
 */
class Channel implements RoomSocket {
  private readonly early = new EarlyMessages()
  private joined: { room: Room; conn: Connection } | null = null
  private ended = false
  private stopActivity: (() => void) | null = null

  constructor(
    readonly listId: string,
    private mode: ChannelMode,
    private readonly device: DeviceLink,
  ) {}

  /** Authorizes the token's user on the list and joins its room; refusals end the channel with their code. */
  async start(): Promise<void> {
    const { deps, claims } = this.device
    try {
      const access = await authorizeList(deps, this.listId, claims)
      if (this.ended) return
      if ('close' in access) return this.close(access.close)
      await joinRoom(deps, this.listId, access.grant, this, {
        early: this.early,
        isOpen: () => !this.ended,
        joined: (room, conn) => {
          this.joined = { room, conn }
          // Subscribed before the early messages go in: one of them may end the channel (the room closes it at
          // once), and end() can only stop a subscription that exists. Subscribed after, it outlived the channel,
          // and kept the channel and its whole device socket reachable from the activity feed.
          this.stopActivity = deps.feeds?.subscribeActivity?.(this.listId, (json) => this.sendFrame(DeviceFrame.Activity, json)) ?? null
          this.early.flush((message) => this.receive(message))
        },
      })
    } catch (err) {
      if (this.ended) return
      // A list deleted while the channel was joining is a clean 4004, not a server fault.
      if (err instanceof ProtocolError) return this.close(err.close)
      deps.log.error({ err, list: this.listId }, 'joining a room over a device socket failed')
      this.close(CloseCode.InternalError)
    }
  }

  /** A per-list message from the device. */
  receive(message: Uint8Array): void {
    if (this.ended) return
    if (!this.joined) {
      if (!this.early.push(message)) this.close(CloseCode.RateLimited, 'too many messages before sync')
      return
    }
    if (this.mode === ChannelMode.Background && isAwareness(message)) return
    this.joined.room.receive(this.joined.conn, message)
  }

  setMode(mode: ChannelMode): void {
    if (mode === this.mode) return
    this.mode = mode
    // Whoever is here now; later changes follow as they happen. (Switching to Background leaves the
    // device's own presence to the awareness timeout, unless the client clears it first.)
    if (mode === ChannelMode.Foreground && this.joined) this.joined.room.sendPresence(this.joined.conn)
  }

  /** The device's `Leave`: out of the room at once, its presence with it. */
  leave(): void {
    this.device.channelLeft(this)
    this.end()
  }

  /** The channel is over: it leaves its room and its feeds. */
  end(): void {
    if (this.ended) return
    this.ended = true
    this.stopActivity?.()
    this.early.flush(() => {})
    const joined = this.joined
    // After the room's current loop (a close arrives while it walks its connections, as ws's close event would).
    if (joined) queueMicrotask(() => joined.room.leave(joined.conn))
  }

  // RoomSocket: what the room writes to this channel.

  send(message: Uint8Array): void {
    if (this.ended) return
    if (this.mode === ChannelMode.Background && isAwareness(message)) return
    this.device.send({ type: DeviceFrame.Message, listId: this.listId, message })
  }

  close(info: CloseCodeInfo, detail?: string): void {
    if (this.ended) return
    this.end()
    this.device.channelClosed(this, info.code, detail ?? info.reason)
  }

  private sendFrame(type: typeof DeviceFrame.Activity, json: string): void {
    if (!this.ended) this.device.send({ type, listId: this.listId, json })
  }
}

const LEFT = { code: 1000, reason: 'left' }

/** Awareness (type 1) is one varuint byte; no longer varuint starts with it. */
function isAwareness(message: Uint8Array): boolean {
  return message[0] === MessageType.Awareness
}
