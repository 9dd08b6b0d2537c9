/**
 * The WebSocket glue: authenticates each upgrade and hands the socket to its
 * endpoint, under the transport limits both share (socket-pool.ts):
 *
 * - `/ws/lists/:id`: one list's socket, joined to its room here;
 * - `/ws/device`: one device's socket carrying many lists (device-socket.ts).
 *
 * Everything about the y-websocket protocol lives in the room (room.ts,
 * client-messages.ts); this file only moves bytes and decides who may connect.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket } from 'ws'
import { DEVICE_WS_PATH, isListId } from '../shared/device-protocol.ts'
import { CloseCode, WS_PATH_PREFIX, type CloseCodeInfo } from '../shared/protocol.ts'
import { TokenError, type TokenClaims, type TokenService } from './auth.ts'
import type { Config } from './config.ts'
import type { Connection, RoomSocket } from './connection.ts'
import { DeviceSocketServer, type DeviceFeeds } from './device-socket.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { ProtocolError } from './protocol-error.ts'
import type { Room } from './room.ts'
import { EarlyMessages, authorizeList, joinRoom, type Grant, type RoomJoinDeps } from './room-join.ts'
import { SocketPool, closeSocket, type SocketHandlers } from './socket-pool.ts'

/** What the joins need (accounts, rooms, the join limit: room-join.ts), and the rest. */
export interface WebSocketDeps extends RoomJoinDeps {
  config: Config
  tokens: TokenService
  metrics: Metrics
  log: Logger
  /** The live feeds a device socket carries besides its lists (device-socket.ts). */
  feeds?: DeviceFeeds
  /** Sessions that end (log-out) close their sockets with 4001 (sessions.ts). */
  sessions?: { onEnded(listener: (sessionId: string) => void): () => void; isEnded(sessionId: string): boolean }
}

/** Which endpoint an upgrade is for. */
type Target = { kind: 'list'; listId: string } | { kind: 'device' }

export class ListSocketServer {
  private readonly pool: SocketPool
  private readonly devices: DeviceSocketServer

  constructor(
    httpServer: HttpServer,
    private readonly deps: WebSocketDeps,
  ) {
    this.pool = new SocketPool(deps)
    this.devices = new DeviceSocketServer(this.pool, deps)
    deps.sessions?.onEnded((sessionId) => this.pool.closeSession(sessionId))
    httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.handleUpgrade(req, socket, head).catch((err: unknown) => {
        deps.log.error({ err }, 'upgrade failed')
        socket.destroy()
      })
    })
  }

  /** Open sockets of both endpoints (a device socket counts once, whatever it carries). */
  get connectionCount(): number {
    return this.pool.size
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const target = parseTarget(url.pathname)
    if (target === null) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    // A shared listener: a closure here would keep this upgrade's scope (its URL, token and
    // claims) for as long as the socket lives.
    socket.on('error', destroySocket)
    // Every check happens before the upgrade completes; a refused client
    // still gets a real WebSocket close code telling it why.
    const verdict = await this.pool.withSlot(() => this.authorize(url, target))
    if (verdict === null) return this.pool.refuse(req, socket, head, CloseCode.ServerBusy)
    if (this.pool.isClosing) return this.pool.refuse(req, socket, head, CloseCode.ServerRestarting)
    if ('close' in verdict) return this.pool.refuse(req, socket, head, verdict.close)
    const { claims, grant } = verdict
    // Its session may have ended while it was being authorized; from here to adopt nothing awaits.
    if (this.deps.sessions?.isEnded(claims.sessionId)) return this.pool.refuse(req, socket, head, CloseCode.Unauthorized)
    // Per-user cap: one account cannot hold the sockets everyone else needs (a device socket counts once).
    if (!this.pool.hasRoomFor(claims.userId)) {
      this.deps.metrics.quotaRefusals.inc({ reason: 'socket_quota' })
      return this.pool.refuse(req, socket, head, CloseCode.TooManySockets)
    }
    // Per-device cap: one session (a signed-in browser or app) holds at most MAX_DEVICE_SOCKETS_PER_SESSION device sockets.
    if (target.kind === 'device' && !this.pool.hasRoomForDevice(claims.sessionId)) {
      this.deps.metrics.quotaRefusals.inc({ reason: 'device_socket_quota' })
      return this.pool.refuse(req, socket, head, CloseCode.TooManySockets)
    }
    this.pool.upgrade(req, socket, head, (ws) => {
      if (target.kind === 'device') this.devices.accept(ws, claims)
      else if (grant) this.accept(ws, target.listId, grant)
    })
  }

  private async authorize(url: URL, target: Target): Promise<{ claims: TokenClaims; grant?: Grant } | { close: CloseCodeInfo }> {
    let claims: TokenClaims
    try {
      claims = await this.deps.tokens.verify(url.searchParams.get('token'))
    } catch (err) {
      if (err instanceof TokenError) return { close: CloseCode.Unauthorized }
      throw err
    }
    // A device socket's lists are each authorized when the device opens them.
    if (target.kind === 'device') return { claims }
    const access = await authorizeList(this.deps, target.listId, claims)
    return 'close' in access ? access : { claims, grant: access.grant }
  }

  /** A list's own socket: joined to its room once it has loaded; what it sends meanwhile waits. */
  private accept(ws: WebSocket, listId: string, grant: Grant): void {
    const link = new ListSocket(ws)
    this.pool.adopt(ws, { expiresAt: grant.claims.exp * 1000, sessionId: grant.claims.sessionId, userId: grant.claims.userId }, link, { list: listId })
    const early = link.early!
    const hooks = {
      early,
      isOpen: () => ws.readyState === WebSocket.OPEN,
      joined: (room: Room, conn: Connection) => link.join(room, conn),
    }
    joinRoom(this.deps, listId, grant, new PooledRoomSocket(this.pool, ws), hooks).catch((err: unknown) => {
      // A list deleted while this socket was joining is a clean 4004, not a server fault.
      if (err instanceof ProtocolError) return closeSocket(ws, err.close)
      this.deps.log.error({ err, list: listId }, 'joining a room failed')
      closeSocket(ws, CloseCode.InternalError)
    })
  }

  /** Stops accepting sockets and closes the open ones with a retryable code. */
  close(): void {
    this.pool.closeAll()
  }

  /** Waits (bounded) for closing sockets to finish their close handshake. */
  drain(timeoutMs: number): Promise<void> {
    return this.pool.drain(timeoutMs)
  }
}

/**
 * What a list socket's messages reach: kept in order until its room has joined it (what it sends
 * meanwhile, room-join.ts), then its room. One object per socket, no closures of its own.
 */
class ListSocket implements SocketHandlers {
  /** Null once flushed into the room (or the socket closed first). */
  early: EarlyMessages | null = new EarlyMessages()
  private room: Room | null = null
  private conn: Connection | null = null

  constructor(private readonly ws: WebSocket) {}

  /** The room joined: what waited goes to it, in order, and everything after goes straight there. */
  join(room: Room, conn: Connection): void {
    this.room = room
    this.conn = conn
    const early = this.early
    this.early = null
    early?.flush((message) => room.receive(conn, message))
  }

  message(message: Uint8Array): void {
    if (this.room && this.conn) return this.room.receive(this.conn, message)
    if (!this.early?.push(message)) closeSocket(this.ws, CloseCode.RateLimited, 'too many messages before sync')
  }

  close(): void {
    if (this.room && this.conn) this.room.leave(this.conn)
    this.early?.flush(() => {})
    this.early = null
  }
}

/** The room's side of a pooled socket: sends under the pool's limits and closes through it (counted in the metrics). */
class PooledRoomSocket implements RoomSocket {
  constructor(
    private readonly pool: SocketPool,
    private readonly ws: WebSocket,
  ) {}

  send(message: Uint8Array): void {
    this.pool.send(this.ws, message)
  }

  close(close: CloseCodeInfo, detail?: string): void {
    this.pool.close(this.ws, close, detail)
  }
}

function destroySocket(this: Duplex): void {
  this.destroy()
}

function parseTarget(pathname: string): Target | null {
  if (pathname === DEVICE_WS_PATH) return { kind: 'device' }
  if (!pathname.startsWith(`${WS_PATH_PREFIX}/`)) return null
  let id: string
  try {
    id = decodeURIComponent(pathname.slice(WS_PATH_PREFIX.length + 1))
  } catch {
    return null
  }
  return isListId(id) ? { kind: 'list', listId: id } : null
}
