/**
 * Wires one Colist server: storage, rooms, the HTTP API and the list
 * WebSocket on one port. `startServer` is what main.ts and the tests call.
 */
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import express from 'express'
import { CloseCode } from '../shared/protocol.ts'
import { ActivityFeed } from './activity-feed.ts'
import { ActivityLog, type ActivityLogOptions } from './activity-log.ts'
import type { TokenService } from './auth.ts'
import type { Config } from './config.ts'
import { LocalFanoutHub, type Fanout } from './fanout.ts'
import { listenAdminSocket } from './admin-socket.ts'
import { activityRoutes } from './http/activity-routes.ts'
import { adminRoutes } from './http/admin-routes.ts'
import { authRoutes } from './http/auth-routes.ts'
import { AUTH_BODY_LIMIT, jsonBody } from './http/body.ts'
import { errorMiddleware, notFound } from './http/errors.ts'
import { securityHeaders } from './http/security-headers.ts'
import { serveClient } from './http/static-client.ts'
import { itemRoutes } from './http/item-routes.ts'
import { listRoutes } from './http/list-routes.ts'
import { placementRoutes } from './http/placement-routes.ts'
import { invitationRoutes } from './http/invitation-routes.ts'
import { Invitations } from './invitations.ts'
import { SmtpMailer } from './mail.ts'
import { ListQuotas } from './http/list-quotas.ts'
import { requireUser } from './http/access.ts'
import { StorageQuota } from './storage-quota.ts'
import { LoginLimits } from './http/login-limits.ts'
import { LimiterStore } from './limiters.ts'
import { passwords } from './password-hasher.ts'
import { ListsFeed } from './lists-feed.ts'
import { opsRoutes } from './http/ops-routes.ts'
import { syncRoutes } from './http/sync-routes.ts'
import { createLogger, type Logger } from './logger.ts'
import { Metrics } from './metrics.ts'
import { RoomRegistry } from './room-registry.ts'
import { Sessions } from './sessions.ts'
import { JoinLimit } from './join-limit.ts'
import { LEVEL_DIR } from './storage/level-layout.ts'
import { LevelStorage } from './storage/level-storage.ts'
import { compactLargeLogs } from './large-logs.ts'
import type { Storage } from './storage/storage.ts'
import { ListSocketServer } from './ws-server.ts'

export interface ColistServer {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string
  readonly port: number
  /** The separate /healthz, /readyz and /metrics listener (OPS_PORT), or null. */
  readonly opsUrl: string | null
  readonly storage: Storage
  readonly rooms: RoomRegistry
  /** Each list's activity: recorded here, stored, paged (activity-log.ts). */
  readonly activity: ActivityLog
  /** New activity events live, from every node (activity-feed.ts). */
  readonly activityFeed: ActivityFeed
  /** The users' lists feeds (GET /api/lists, the device socket's Lists frames). */
  readonly lists: ListsFeed
  readonly tokens: TokenService
  /** Signed-in devices: every token names one; ending one closes its sockets on every node (sessions.ts). */
  readonly sessions: Sessions
  readonly metrics: Metrics
  readonly log: Logger
  /** The admin socket `colist` talks to (DATA_DIR/admin.sock), or null if its path is too long for a socket. */
  readonly adminSocket: string | null
  /** Graceful stop: closes sockets with a retryable code, flushes every list, closes storage. */
  close(): Promise<void>
}

export interface StartOptions {
  /** Defaults to LevelDB in `${dataDir}/db` (LEVEL_DIR). */
  storage?: Storage
  /** Defaults to a single-node hub. */
  fanout?: Fanout
  log?: Logger
  /** Activity timings and bound (tests); the defaults are the documented ones. */
  activity?: Partial<ActivityLogOptions>
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<ColistServer> {
  const log = options.log ?? createLogger(config.logLevel)
  // What this function opens, it closes; what the caller passes in stays the caller's.
  const storage = options.storage ?? (await openStorage(config))
  // Before anyone connects: a large stored log would be copied onto the event loop at every read (large-logs.ts).
  if (storage instanceof LevelStorage) await compactLargeLogs(storage, config.compaction.maxLogBytes, log)
  // Redis (and ioredis) only for a node of a cluster: loaded when configured.
  const fanout = options.fanout ?? (config.redisUrl ? await (await import('./redis-fanout.ts')).RedisFanout.connect(config.redisUrl, log) : new LocalFanoutHub().endpoint())
  const metrics = new Metrics()
  const sessions = new Sessions({ store: storage, fanout, log, secret: config.jwtSecret, ttlSeconds: config.tokenTtlSeconds, refreshGraceMs: config.refreshGraceSeconds * 1000, metrics })
  const tokens = sessions.tokens
  const activityFeed = new ActivityFeed(fanout, log)
  const activity = new ActivityLog(storage, activityFeed, log, fanout.nodeId, options.activity)
  // Stored bytes per owner, checked on every write to their lists (storage-quota.ts).
  const storageQuota = new StorageQuota(storage, storage, config.quotas.maxStoredBytesPerUser, metrics)
  const rooms = new RoomRegistry({
    store: storage,
    fanout,
    metrics,
    log,
    maxDocBytes: config.limits.maxDocBytes,
    compaction: config.compaction,
    maintenanceIntervalMs: config.maintenanceIntervalMs,
    idleMs: config.roomIdleMs,
    writes: config.writes,
    activity,
    awareness: config.awareness,
    quota: storageQuota,
  })

  const lists = new ListsFeed({ accounts: storage, store: storage, rooms, fanout, log })
  // Log-in, sign-up and per-user limits: in Redis when the node is one of a cluster, so they hold across nodes.
  passwords.configure(config.passwordHash)
  const limiterStore = config.redisUrl ? await LimiterStore.redis(config.redisUrl, log) : LimiterStore.memory()
  const loginLimits = new LoginLimits(limiterStore, config.authLimits, metrics)

  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')
  if (config.trustProxy !== null) app.set('trust proxy', config.trustProxy)
  app.use(securityHeaders())
  app.use(opsRoutes(storage, fanout, metrics))
  app.use('/api', syncRoutes(storage, tokens, rooms, config.limits.maxMessageBytes))
  // Every other route reads its body itself, after its token and role checks, under its own limit (http/body.ts);
  // log-in and sign-up have no token, and their limits need the email.
  app.use(['/api/auth/login', '/api/auth/signup'], jsonBody(AUTH_BODY_LIMIT))
  app.use('/api', loginLimits.router())
  app.use('/api', authRoutes(storage, sessions, log))
  app.use('/api', new ListQuotas(limiterStore, config.quotas, storage, metrics, storageQuota).router(requireUser(tokens)))
  app.use('/api', listRoutes(storage, tokens, rooms, lists))
  app.use('/api', placementRoutes(storage, tokens, lists))
  const invitations = new Invitations(storage, config.invitations, log, config.invitations.smtp ? new SmtpMailer(config.invitations.smtp) : null)
  app.use('/api', invitationRoutes({ accounts: storage, invitations, tokens, rooms, limiters: limiterStore, metrics }))
  app.use('/api', itemRoutes(storage, tokens, rooms))
  app.use('/api', activityRoutes(storage, tokens, activity))
  app.use('/api', () => {
    throw notFound('endpoint')
  })
  serveClient(app, config.clientDir, { serveSourceMaps: config.serveSourceMaps })
  app.use(errorMiddleware(log, metrics))

  // The admin API `colist` speaks (server/cli.ts): on a Unix socket in DATA_DIR only, never on the public port.
  const adminApp = express()
  adminApp.disable('x-powered-by')
  adminApp.set('query parser', 'simple')
  adminApp.use(adminRoutes({ storage, storeKind: config.store.kind, dataDir: config.dataDir, rooms, lists, activity, sessions, loginLimits, log }))
  adminApp.use(() => {
    throw notFound('endpoint')
  })
  adminApp.use(errorMiddleware(log))
  const admin = await listenAdminSocket(config.dataDir, adminApp, log)

  const httpServer = createServer(app)
  const feeds = { subscribeLists: lists.subscribeLists.bind(lists), subscribeActivity: activityFeed.subscribeActivity.bind(activityFeed) }
  const joins = new JoinLimit(limiterStore, config.quotas.joinsPerUserPerMinute, metrics)
  const sockets = new ListSocketServer(httpServer, { config, tokens, accounts: storage, rooms, joins, metrics, log, feeds, sessions })
  try {
    await listen(httpServer, config.port, config.host)
  } catch (err) {
    await admin?.close()
    throw err
  }
  const port = (httpServer.address() as AddressInfo).port
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  const url = `http://${host}:${port}`
  log.info({ url, dataDir: config.dataDir, adminSocket: admin?.path ?? null }, 'colist listening')
  let opsServer: HttpServer | null = null
  let opsUrl: string | null = null
  if (config.opsPort !== null) {
    opsServer = createServer(express().disable('x-powered-by').use(opsRoutes(storage, fanout, metrics)))
    await listen(opsServer, config.opsPort, config.host)
    opsUrl = `http://${host}:${(opsServer.address() as AddressInfo).port}`
    log.info({ url: opsUrl }, 'health checks and metrics listening')
  }

  let closing: Promise<void> | null = null
  return {
    url,
    port,
    opsUrl,
    adminSocket: admin?.path ?? null,
    storage,
    rooms,
    activity,
    activityFeed,
    lists,
    tokens,
    sessions,
    metrics,
    log,
    close() {
      closing ??= (async () => {
        const adminClosed = admin?.close()
        sockets.close()
        httpServer.close()
        httpServer.closeIdleConnections()
        await rooms.closeAll(CloseCode.ServerRestarting)
        await activity.close()
        lists.close()
        sessions.close()
        const mailSent = invitations.close()
        await Promise.all([sockets.drain(2000), mailSent])
        httpServer.closeAllConnections()
        await adminClosed
        opsServer?.close()
        opsServer?.closeAllConnections()
        if (!options.storage) await storage.close()
        if (!options.fanout) await fanout.close()
        await limiterStore.close()
        log.info('colist stopped')
      })()
      return closing
    },
  }
}

async function openStorage(config: Config): Promise<Storage> {
  if (config.store.kind === 'postgres') {
    const { PostgresStorage } = await import('./storage/postgres-storage.ts')
    return PostgresStorage.open(config.store.url)
  }
  return LevelStorage.open(join(config.dataDir, LEVEL_DIR), { sync: config.fsync })
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}
