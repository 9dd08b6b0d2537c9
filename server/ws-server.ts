/**
 * The WebSocket glue: authenticates each upgrade on `/ws/lists/:id`, hands
 * the socket to its room, and enforces transport limits (message size and
 * rate, stalled sockets, keepalive, token expiry, connection cap).
 *
 * Everything about the y-websocket protocol lives in the room (room.ts,
 * client-messages.ts); this file only moves bytes and decides who may connect.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { CloseCode, WS_PATH_PREFIX, type CloseCodeInfo, type Role } from '../shared/protocol.ts'
import { TokenError, type TokenClaims, type TokenService } from './auth.ts'
import type { Config } from './config.ts'
import type { Connection, RoomSocket } from './connection.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { ProtocolError } from './protocol-error.ts'
import { TokenBucket } from './rate-limit.ts'
import type { Room } from './room.ts'
import type { RoomRegistry } from './room-registry.ts'
import type { AccountStore } from './storage/storage.ts'

export interface WebSocketDeps {
  config: Config
  tokens: TokenService
  accounts: AccountStore
  rooms: RoomRegistry
  metrics: Metrics
  log: Logger
}

/** What a successful authorization hands to the join: who, with which role, read at which access version. */
interface Grant {
  claims: TokenClaims
  role: Role
  accessVersion: number
}

/** Per-socket bookkeeping the housekeeping sweep needs. */
interface SocketState {
  alive: boolean
  tokenExpiresAt: number
}

/** Messages a client may send while its room is still loading. */
const MAX_EARLY_MESSAGES = 256
const HOUSEKEEPING_INTERVAL_MS = 1000

export class ListSocketServer {
  private readonly wss: WebSocketServer
  private readonly sockets = new Map<WebSocket, SocketState>()
  private readonly housekeeping: NodeJS.Timeout
  private lastPing = Date.now()
  /** Upgrades past the connection cap check whose socket is not in `sockets` yet. */
  private authorizing = 0
  private closing = false

  constructor(
    httpServer: HttpServer,
    private readonly deps: WebSocketDeps,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.config.limits.maxMessageBytes,
      // Yjs updates are already compact; per-message deflate costs CPU and memory per socket.
      perMessageDeflate: false,
    })
    httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.handleUpgrade(req, socket, head).catch((err: unknown) => {
        deps.log.error({ err }, 'upgrade failed')
        socket.destroy()
      })
    })
    this.housekeeping = setInterval(() => this.sweep(), HOUSEKEEPING_INTERVAL_MS)
    this.housekeeping.unref()
  }

  get connectionCount(): number {
    return this.sockets.size
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const listId = parseListId(url.pathname)
    if (listId === null) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    socket.on('error', () => socket.destroy())
    // Every check happens before the upgrade completes; a refused client
    // still gets a real WebSocket close code telling it why.
    // The cap counts upgrades still being authorized: they are not in `sockets` yet, and a
    // reconnect storm has hundreds in flight at once, all of which would pass a check of
    // `sockets.size` alone. The slot is released in the same continuation that then upgrades
    // synchronously, putting the socket in `sockets` (or refuses it), with no await in between.
    if (this.sockets.size + this.authorizing >= this.deps.config.limits.maxConnections) {
      return this.refuse(req, socket, head, CloseCode.ServerBusy)
    }
    this.authorizing++
    let refusal: { grant: Grant } | { close: CloseCodeInfo }
    try {
      refusal = await this.authorize(url, listId)
    } finally {
      this.authorizing--
    }
    if (this.closing) return this.refuse(req, socket, head, CloseCode.ServerRestarting)
    if ('close' in refusal) return this.refuse(req, socket, head, refusal.close)
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.accept(ws, listId, refusal.grant).catch((err: unknown) => {
        // A list deleted while this socket was joining is a clean 4004, not a server fault.
        if (err instanceof ProtocolError) return closeSocket(ws, err.close)
        this.deps.log.error({ err, list: listId }, 'joining a room failed')
        closeSocket(ws, CloseCode.InternalError)
      })
    })
  }

  private async authorize(url: URL, listId: string): Promise<{ grant: Grant } | { close: CloseCodeInfo }> {
    let claims: TokenClaims
    try {
      claims = await this.deps.tokens.verify(url.searchParams.get('token'))
    } catch (err) {
      if (err instanceof TokenError) return { close: CloseCode.Unauthorized }
      throw err
    }
    // Noted before the role is read: if it moves before the join, the role is read again.
    const accessVersion = this.deps.rooms.accessVersion(listId)
    const [list, role] = await Promise.all([this.deps.accounts.getList(listId), this.deps.accounts.getRole(listId, claims.userId)])
    if (!list) return { close: CloseCode.NotFound }
    if (!role) return { close: CloseCode.Forbidden }
    return { grant: { claims, role, accessVersion } }
  }

  private refuse(req: IncomingMessage, socket: Duplex, head: Buffer, close: CloseCodeInfo): void {
    this.deps.metrics.closes.inc({ code: String(close.code) })
    this.wss.handleUpgrade(req, socket, head, (ws) => closeSocket(ws, close))
  }

  private async accept(ws: WebSocket, listId: string, grant: Grant): Promise<void> {
    const { config, rooms, accounts, metrics } = this.deps
    const { claims } = grant
    const state: SocketState = { alive: true, tokenExpiresAt: claims.exp * 1000 }
    this.sockets.set(ws, state)
    metrics.connections.inc()

    const bucket = new TokenBucket(config.limits.ratePerSecond, config.limits.rateBurst)
    let early: Uint8Array[] | null = []
    let joined: { room: Room; conn: Connection } | null = null

    ws.on('pong', () => {
      state.alive = true
    })
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!bucket.take()) return closeSocket(ws, CloseCode.RateLimited)
      if (!isBinary) return closeSocket(ws, CloseCode.MalformedMessage, 'text frames are not part of the protocol')
      const message = toUint8Array(data)
      if (joined) return joined.room.receive(joined.conn, message)
      if (early && early.length < MAX_EARLY_MESSAGES) early.push(message)
      else closeSocket(ws, CloseCode.RateLimited, 'too many messages before sync')
    })
    ws.on('error', (err) => this.deps.log.debug({ err: String(err), list: listId }, 'socket error'))
    ws.on('close', () => {
      this.sockets.delete(ws)
      metrics.connections.dec()
      if (joined) joined.room.leave(joined.conn)
      early = null
    })

    // The room loads the stored document before it answers anything.
    const room = await rooms.acquire(listId)
    try {
      if (ws.readyState !== WebSocket.OPEN) return
      let { role, accessVersion } = grant
      if (rooms.accessVersion(listId) !== accessVersion) {
        // The list's access changed since the role was read: read it again.
        accessVersion = rooms.accessVersion(listId)
        const current = await accounts.getRole(listId, claims.userId)
        if (!current) return closeSocket(ws, CloseCode.Forbidden)
        if (ws.readyState !== WebSocket.OPEN) return
        role = current
      }
      const conn = room.join(this.roomSocket(ws), { userId: claims.userId, name: claims.name, role })
      joined = { room, conn }
      for (const message of early ?? []) room.receive(conn, message)
      early = null
      // A change that landed while the role was being re-read reaches this connection now.
      if (rooms.accessVersion(listId) !== accessVersion) {
        room.changeAccess(claims.userId, await accounts.getRole(listId, claims.userId))
      }
    } finally {
      rooms.release(room)
    }
  }

  private roomSocket(ws: WebSocket): RoomSocket {
    const maxBuffered = this.deps.config.limits.maxBufferedBytes
    const metrics = this.deps.metrics
    return {
      send(message) {
        if (ws.readyState !== WebSocket.OPEN) return
        // A socket that stopped reading would otherwise queue without bound.
        if (ws.bufferedAmount > maxBuffered) {
          ws.terminate()
          return
        }
        ws.send(message)
      },
      close(code, reason) {
        metrics.closes.inc({ code: String(code) })
        ws.close(code, reason)
      },
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
  close(): void {
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

function parseListId(pathname: string): string | null {
  if (!pathname.startsWith(`${WS_PATH_PREFIX}/`)) return null
  let id: string
  try {
    id = decodeURIComponent(pathname.slice(WS_PATH_PREFIX.length + 1))
  } catch {
    return null
  }
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : null
}

function closeSocket(ws: WebSocket, close: CloseCodeInfo, detail?: string): void {
  if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(close.code, detail ?? close.reason)
}

function toUint8Array(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}
