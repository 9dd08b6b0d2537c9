/**
 * The transport limits every WebSocket endpoint shares (a list's socket and
 * the device socket alike): the connection cap, message size (the `ws`
 * server's `maxPayload`) and rate, text frames refused, stalled sockets
 * dropped, keepalive pings, token expiry and session end, and the graceful close at a
 * restart. What a socket carries is its endpoint's business; this module
 * only decides whether a socket may exist and which of its messages get
 * through.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { CloseCode, type CloseCodeInfo } from '../shared/protocol.ts'
import type { Config } from './config.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { TokenBucket } from './rate-limit.ts'

export interface SocketPoolDeps {
  config: Config
  metrics: Metrics
  log: Logger
}

/** What an endpoint does with an adopted socket's messages (already past the limits) and its end. */
export interface SocketHandlers {
  message(message: Uint8Array): void
  close(): void
}

/**
 * Everything the pool keeps for one socket: its bookkeeping, its rate limit and its endpoint. The
 * socket's listeners are the pool's own (one set for every socket, finding this by the socket), so
 * an idle connection holds this one object and no closures of its own.
 */
interface SocketState {
  handlers: SocketHandlers
  bucket: TokenBucket
  logContext: Record<string, unknown>
  alive: boolean
  tokenExpiresAt: number
  /** The session of the token it was opened with: ending the session closes it (closeSession). */
  sessionId: string
  /** Whose socket it is: each user may hold `MAX_SOCKETS_PER_USER` (hasRoomFor). */
  userId: string
  /** A device socket: each session may hold `MAX_DEVICE_SOCKETS_PER_SESSION` of them (hasRoomForDevice). */
  device: boolean
}

const HOUSEKEEPING_INTERVAL_MS = 1000

export class SocketPool {
  private readonly wss: WebSocketServer
  private readonly sockets = new Map<WebSocket, SocketState>()
  /** Open sockets per user. */
  private readonly perUser = new Map<string, number>()
  /** Open device sockets per session. */
  private readonly devicesPerSession = new Map<string, number>()
  private readonly housekeeping: NodeJS.Timeout
  private lastPing = Date.now()
  /** Upgrades past the connection cap check whose socket is not in `sockets` yet. */
  private authorizing = 0
  private closing = false

  constructor(private readonly deps: SocketPoolDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.config.limits.maxMessageBytes,
      // Yjs updates are already compact; per-message deflate costs CPU and memory per socket.
      perMessageDeflate: false,
    })
    this.housekeeping = setInterval(() => this.sweep(), HOUSEKEEPING_INTERVAL_MS)
    this.housekeeping.unref()
  }

  get size(): number {
    return this.sockets.size
  }

  get isClosing(): boolean {
    return this.closing
  }

  /**
   * Runs `authorize` for an upgrade while holding a slot under `MAX_CONNECTIONS`, or returns
   * null without running it when the server is full. The cap counts upgrades still being
   * authorized: they are not in `sockets` yet, and a reconnect storm has hundreds in flight at
   * once, all of which would pass a check of `sockets.size` alone. The slot is released in the
   * continuation that then upgrades synchronously, putting the socket in `sockets` (or refusing
   * it), with no await in between.
   */
  async withSlot<T>(authorize: () => Promise<T>): Promise<T | null> {
    if (this.sockets.size + this.authorizing >= this.deps.config.limits.maxConnections) return null
    this.authorizing++
    try {
      return await authorize()
    } finally {
      this.authorizing--
    }
  }

  /**
   * Whether the user may open one more socket (`MAX_SOCKETS_PER_USER`; a device socket counts once).
   * Checked right before `upgrade`, with no await in between, so a burst in parallel cannot pass it.
   */
  hasRoomFor(userId: string): boolean {
    return (this.perUser.get(userId) ?? 0) < this.deps.config.quotas.maxSocketsPerUser
  }

  /**
   * Whether the session may open one more device socket (`MAX_DEVICE_SOCKETS_PER_SESSION`): a
   * session is one signed-in device, so this is the per-device cap. Checked like `hasRoomFor`.
   */
  hasRoomForDevice(sessionId: string): boolean {
    return (this.devicesPerSession.get(sessionId) ?? 0) < this.deps.config.quotas.maxDeviceSocketsPerSession
  }

  /** Completes the upgrade; `accept` runs synchronously with the open socket. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, accept: (ws: WebSocket) => void): void {
    this.wss.handleUpgrade(req, socket, head, accept)
  }

  /** Completes the upgrade only to close at once with `close`: a refused client still learns why. */
  refuse(req: IncomingMessage, socket: Duplex, head: Buffer, close: CloseCodeInfo): void {
    this.deps.metrics.closes.inc({ code: String(close.code) })
    this.wss.handleUpgrade(req, socket, head, (ws) => closeSocket(ws, close))
  }

  /**
   * Takes an upgraded socket under the limits: it counts toward the cap, is pinged and closed
   * when its token expires, and each of its messages reaches `handlers.message` only if it is
   * binary and within the rate limit (a text frame closes it with 4400, a flood with 4529).
   */
  adopt(ws: WebSocket, token: { expiresAt: number; sessionId: string; userId: string; device?: boolean }, handlers: SocketHandlers, logContext: Record<string, unknown> = {}): void {
    const { config, metrics } = this.deps
    const state: SocketState = {
      handlers,
      bucket: new TokenBucket(config.limits.ratePerSecond, config.limits.rateBurst),
      logContext,
      alive: true,
      tokenExpiresAt: token.expiresAt,
      sessionId: token.sessionId,
      userId: token.userId,
      device: token.device ?? false,
    }
    this.sockets.set(ws, state)
    increment(this.perUser, token.userId)
    if (state.device) increment(this.devicesPerSession, token.sessionId)
    metrics.connections.inc()
    const { onPong, onMessage, onError, onClose } = this.listeners
    ws.on('pong', onPong)
    ws.on('message', onMessage)
    ws.on('error', onError)
    ws.on('close', onClose)
  }

  /** The listeners of every adopted socket; each is called with the socket as `this`. */
  private readonly listeners = (() => {
    // The listeners need the socket as `this` (so they are shared, not closures per socket) and the pool.
    // oxlint-disable-next-line typescript/no-this-alias
    const pool = this
    return {
      onPong(this: WebSocket): void {
        const state = pool.sockets.get(this)
        if (state) state.alive = true
      },
      onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
        const state = pool.sockets.get(this)
        if (!state) return
        if (!state.bucket.take()) return closeSocket(this, CloseCode.RateLimited)
        if (!isBinary) return closeSocket(this, CloseCode.MalformedMessage, 'text frames are not part of the protocol')
        state.handlers.message(toUint8Array(data))
      },
      onError(this: WebSocket, err: Error): void {
        pool.deps.log.debug({ err: String(err), ...pool.sockets.get(this)?.logContext }, 'socket error')
      },
      onClose(this: WebSocket): void {
        const state = pool.sockets.get(this)
        if (!state) return
        pool.sockets.delete(this)
        decrement(pool.perUser, state.userId)
        if (state.device) decrement(pool.devicesPerSession, state.sessionId)
        pool.deps.metrics.connections.dec()
        state.handlers.close()
      },
    }
  })()

  /** Sends one message; a socket that stopped reading would otherwise queue without bound, so it is dropped. */
  send(ws: WebSocket, message: Uint8Array): void {
    if (ws.readyState !== WebSocket.OPEN) return
    if (ws.bufferedAmount > this.deps.config.limits.maxBufferedBytes) {
      ws.terminate()
      return
    }
    ws.send(message)
  }

  /** Closes a socket with `close`, counted in the metrics. */
  close(ws: WebSocket, close: CloseCodeInfo, detail?: string): void {
    this.deps.metrics.closes.inc({ code: String(close.code) })
    closeSocket(ws, close, detail)
  }

  /** Closes with 4001 every socket opened with a token of the session (it was logged out). */
  closeSession(sessionId: string): void {
    for (const [ws, state] of this.sockets) {
      if (state.sessionId === sessionId) this.close(ws, CloseCode.Unauthorized, 'session ended')
    }
  }

  /** Once a second: expired tokens are cut off; every ping interval, unanswered pings drop the socket. */
  private sweep(): void {
    const now = Date.now()
    const ping = now - this.lastPing >= this.deps.config.pingIntervalMs
    if (ping) this.lastPing = now
    for (const [ws, state] of this.sockets) {
      if (state.tokenExpiresAt <= now) {
        closeSocket(ws, CloseCode.Unauthorized, 'token expired')
        continue
      }
      if (!ping) continue
      if (!state.alive) {
        ws.terminate()
        continue
      }
      state.alive = false
      ws.ping()
    }
  }

  /** Stops accepting sockets and closes the open ones with a retryable code. */
  closeAll(): void {
    this.closing = true
    clearInterval(this.housekeeping)
    for (const ws of this.sockets.keys()) closeSocket(ws, CloseCode.ServerRestarting)
  }

  /** Waits (bounded) for closing sockets to finish their close handshake. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    for (const ws of this.sockets.keys()) ws.terminate()
    this.wss.close()
  }
}

export function closeSocket(ws: WebSocket, close: CloseCodeInfo, detail?: string): void {
  if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(close.code, detail ?? close.reason)
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1)
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1
  if (left > 0) counts.set(key, left)
  else counts.delete(key)
}

function toUint8Array(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}
