/**
 * Server configuration, read from the environment once at start and parsed
 * into a typed object. Nothing else reads process.env.
 *
 * Secrets not given in the environment are generated on first start and kept
 * in DATA_DIR, so tokens stay valid across restarts.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import type { AwarenessLimits } from './awareness-limits.ts'
import type { SmtpConfig } from './mail.ts'

const boolFromEnv = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback)

/** Where LevelDB and generated secrets live unless DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = './data'

/** DATA_DIR as the server resolves it, read from `env` without creating anything (what `colist` talks to, server/cli.ts). */
export function dataDirFrom(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.DATA_DIR ?? DEFAULT_DATA_DIR)
}

const envSchema = z.object({
  PORT: int(8080),
  /**
   * Also serve /healthz, /readyz and /metrics on this port, on a listener of their own. Probes
   * then never queue behind a storm of reconnecting WebSockets: Node accepts one connection per
   * event-loop turn and listener, so on PORT a probe waits for every connection ahead of it.
   */
  OPS_PORT: z.coerce.number().int().min(0).optional(),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
  /** HMAC secret for access tokens; generated into DATA_DIR when absent. */
  JWT_SECRET: z.string().min(32).optional(),
  TOKEN_TTL_SECONDS: int(7 * 24 * 3600, 1),
  /** A refreshed token can refresh once more this long after (its answer may have been lost on the way); 0: never. */
  REFRESH_GRACE_SECONDS: int(300, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** fsync every group commit. Off only for throwaway benchmarks. */
  FSYNC: boolFromEnv.default(true),
  /** Largest single WebSocket message or HTTP sync body, bytes. A big paste or offline merge fits easily. */
  MAX_MESSAGE_BYTES: int(16 * 1024 * 1024, 1024),
  /** Largest stored list document, bytes. */
  MAX_DOC_BYTES: int(64 * 1024 * 1024, 1024),
  /** Sustained messages per second per connection, and the burst allowed above it. */
  RATE_LIMIT_PER_SECOND: int(1000, 1),
  RATE_LIMIT_BURST: int(4000, 1),
  MAX_CONNECTIONS: int(20_000, 1),
  /** Lists one device socket (/ws/device) may have open at once; an Open past it is refused with 4429. */
  MAX_CHANNELS_PER_DEVICE: int(1000, 1),
  /** Bytes queued unsent to one socket before it is considered stalled and dropped. */
  MAX_BUFFERED_BYTES: int(32 * 1024 * 1024, 1024),
  PING_INTERVAL_MS: int(30_000, 10),
  /** Presence (awareness) limits, server/awareness-limits.ts: per state and per connection (4431), clientIDs per connection (4432). */
  MAX_AWARENESS_STATE_BYTES: int(4 * 1024, 256),
  MAX_AWARENESS_CONNECTION_BYTES: int(8 * 1024, 256),
  MAX_AWARENESS_IDS_PER_CONNECTION: int(4, 1),
  /** Bytes of presence a join (or a QueryAwareness) is sent at most; the newest states first. */
  MAX_AWARENESS_JOIN_BYTES: int(1024 * 1024, 1024),
  /** QueryAwareness answered per connection per minute; past it a query is not answered. */
  AWARENESS_QUERIES_PER_MINUTE: int(6, 1),
  /** Presence refusals (4431/4432) of one user on one list within AWARENESS_PENALTY_MS after which their joins there are refused (4431) for that long; 0: never. */
  AWARENESS_PENALTY_STRIKES: int(3, 0),
  AWARENESS_PENALTY_MS: int(60_000, 1),
  /** Register timestamps further ahead of the server's clock than this are refused (4425 clock-skew). */
  MAX_CLOCK_SKEW_MS: int(5 * 60_000, 1000),
  /** New Yjs clientIDs allowed per update, per user per list per 24 h, per list per 24 h (4424). */
  CLIENT_IDS_PER_UPDATE: int(64, 1),
  CLIENT_IDS_PER_USER_PER_DAY: int(1_000, 1),
  CLIENT_IDS_PER_LIST_PER_DAY: int(10_000, 1),
  /** Items and categories one list may hold; a write creating more is refused (4428, HTTP 422 `items-per-list`). */
  MAX_ITEMS_PER_LIST: int(10_000, 1),
  MAX_CATEGORIES_PER_LIST: int(500, 1),
  /** Per-user quotas (server/http/list-quotas.ts, server/storage-quota.ts, server/socket-pool.ts): lists owned (403 `list_quota`), new lists per minute (429 `list_rate`), */
  /** open list and device sockets (4530), bytes stored in the lists one owns (4414, HTTP 413 `storage_quota`). */
  MAX_LISTS_PER_USER: int(500, 1),
  LISTS_PER_MINUTE: int(30, 1),
  MAX_SOCKETS_PER_USER: int(200, 1),
  /** Device sockets open with one session's tokens (one signed-in browser or app; the web client opens one per tab): past it 4530. */
  MAX_DEVICE_SOCKETS_PER_SESSION: int(16, 1),
  /** Lists a user may open (a list socket, or a list's channel on a device socket) per minute, over all their devices: past it 4529. */
  JOINS_PER_USER_PER_MINUTE: int(600, 1),
  MAX_STORED_BYTES_PER_USER: int(256 * 1024 * 1024, 1024),
  /** Invitations (server/invitations.ts): how long a link works, pending ones per list (403 `invitation_quota`), new ones per owner per hour (429 `invitation_rate`). */
  INVITATION_TTL_SECONDS: int(7 * 24 * 3600, 60),
  MAX_PENDING_INVITATIONS_PER_LIST: int(50, 1),
  INVITATIONS_PER_HOUR: int(100, 1),
  /**
   * How an email invitation's link reaches the person: `off` (the owner passes it on), `log` (also written
   * to the log) or `smtp` (also mailed through SMTP_URL, from MAIL_FROM; needs PUBLIC_URL).
   */
  INVITATION_MAIL: z.enum(['off', 'log', 'smtp']).default('off'),
  /** The SMTP server invitations are mailed through: `smtp://user:pass@host:587` (STARTTLS if offered) or `smtps://…:465`. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, hostname: /^[^\s/]+$/, error: 'must be an smtp:// or smtps:// URL with a host' }).optional(),
  /** The From of mailed invitations. */
  MAIL_FROM: z.string().trim().min(1).default('Colist <no-reply@localhost>'),
  /** The origin links in sent invitations start with (e.g. https://lists.example.com); unset: the path alone. */
  PUBLIC_URL: z.string().url().optional(),
  /** Compact a list's update log into a snapshot past this many entries or bytes. */
  COMPACT_LOG_ENTRIES: int(500, 1),
  COMPACT_LOG_BYTES: int(1024 * 1024, 1),
  /** A list storing more than this many bytes is compacted from storage on a worker thread, not encoded from memory on the event loop. */
  COMPACT_OFF_THREAD_BYTES: int(1024 * 1024, 0),
  /** A list's housekeeping (folding old deletions, pruning superseded entries) runs at a compaction at most this often. */
  MAINTENANCE_INTERVAL_MS: int(10 * 60_000, 0),
  /** A room nobody uses stays loaded this long, so requests one after another on a list do not each load it. */
  ROOM_IDLE_MS: int(10_000, 0),
  /** Directory of the built web client; served when it exists. */
  CLIENT_DIR: z.string().default('./dist/client'),
  /** Serve the web client's source maps (built, never referenced from the bundles); off: a 404. */
  SERVE_SOURCE_MAPS: boolFromEnv.default(false),
  /** Joins a cluster: fan-out between nodes over this Redis. */
  REDIS_URL: z.string().url().optional(),
  /** A shared PostgreSQL store for documents and accounts. */
  DATABASE_URL: z.string().url().optional(),
  /** `level` (embedded, the default) or `postgres` (the default when DATABASE_URL is set). */
  STORE: z.enum(['level', 'postgres']).optional(),
  /**
   * Express `trust proxy`: which proxies' X-Forwarded-For to believe for the client's address, which the
   * log-in and sign-up limits count by (e.g. `loopback` behind a local nginx, or a hop count). Unset: none.
   */
  TRUST_PROXY: z.string().optional(),
  /** Log-in attempts per client address, and per account (email), per minute (429 `too_many_attempts`). */
  LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: int(30, 1),
  LOGIN_ATTEMPTS_PER_ACCOUNT_PER_MINUTE: int(10, 1),
  /** Failed log-ins allowed per account and per address before each further one doubles a wait (429 `login_backoff`). */
  LOGIN_FREE_FAILURES_PER_ACCOUNT: int(5, 1),
  LOGIN_FREE_FAILURES_PER_IP: int(20, 1),
  /** The longest that back-off grows, seconds. */
  LOGIN_MAX_BACKOFF_SECONDS: int(15 * 60, 1),
  /** Sign-ups per client address and per email per hour (429 `too_many_signups`). */
  SIGNUPS_PER_IP_PER_HOUR: int(20, 1),
  SIGNUPS_PER_EMAIL_PER_HOUR: int(5, 1),
  /** scrypt cost as log2 N (r = 8, p = 1); 17 (128 MiB per hash) follows current guidance. Tests lower it. */
  PASSWORD_HASH_COST: int(17, 10).pipe(z.number().max(20)),
  /** Worker threads that hash passwords (never the libuv pool storage writes use). */
  PASSWORD_HASH_WORKERS: int(Math.min(2, Math.max(1, availableParallelism() - 1)), 1),
})

export interface Config {
  port: number
  /** Port of the separate ops listener (0: any free one), or null for none. */
  opsPort: number | null
  host: string
  dataDir: string
  jwtSecret: Uint8Array
  tokenTtlSeconds: number
  refreshGraceSeconds: number
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL']
  fsync: boolean
  /** Serve the web client's source maps (SERVE_SOURCE_MAPS). */
  serveSourceMaps: boolean
  limits: {
    maxMessageBytes: number
    maxDocBytes: number
    ratePerSecond: number
    rateBurst: number
    maxConnections: number
    maxBufferedBytes: number
    maxChannelsPerDevice: number
  }
  pingIntervalMs: number
  /** What presence a connection may hold (server/awareness-limits.ts). */
  awareness: AwarenessLimits
  /** The rules for clients' writes (server/write-check.ts, server/client-ids.ts). */
  writes: {
    maxClockSkewMs: number
    clientIds: { perUpdate: number; perUserPerDay: number; perListPerDay: number }
    /** Items and categories per list (server/write-check.ts `EntityCaps`). */
    maxItems: number
    maxCategories: number
  }
  /** Per-user quotas (server/http/list-quotas.ts, server/storage-quota.ts, server/socket-pool.ts). */
  quotas: QuotaConfig
  compaction: { maxLogEntries: number; maxLogBytes: number; offThreadBytes: number }
  maintenanceIntervalMs: number
  /** How long an unused room stays loaded (ROOM_IDLE_MS). */
  roomIdleMs: number
  clientDir: string
  store: { kind: 'level' } | { kind: 'postgres'; url: string }
  /** Set when the node is one of several sharing Redis. */
  redisUrl: string | null
  /** Express `trust proxy` (TRUST_PROXY), or null for none. */
  trustProxy: string | number | boolean | null
  /** Log-in and sign-up limits (server/http/login-limits.ts). */
  authLimits: AuthLimitsConfig
  /** Password hashing (server/password-hasher.ts). */
  passwordHash: { logN: number; workers: number }
  /** Invitations (server/invitations.ts). */
  invitations: InvitationConfig
}

export interface InvitationConfig {
  ttlSeconds: number
  maxPendingPerList: number
  perUserPerHour: number
  mail: 'off' | 'log' | 'smtp'
  /** Where and as whom invitations are mailed; set exactly when `mail` is `smtp`. */
  smtp: SmtpConfig | null
  publicUrl: string | null
}

export interface QuotaConfig {
  maxListsPerUser: number
  listsPerMinute: number
  maxSocketsPerUser: number
  maxDeviceSocketsPerSession: number
  maxStoredBytesPerUser: number
  joinsPerUserPerMinute: number
}

export interface AuthLimitsConfig {
  loginPerIpPerMinute: number
  loginPerAccountPerMinute: number
  freeFailuresPerAccount: number
  freeFailuresPerIp: number
  maxBackoffSeconds: number
  signupsPerIpPerHour: number
  signupsPerEmailPerHour: number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Parses an environment (process.env by default) into a Config, creating DATA_DIR and secrets. */
export async function loadConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new ConfigError(`invalid configuration: ${problems}`)
  }
  const e = parsed.data
  const storeKind = e.STORE ?? (e.DATABASE_URL ? 'postgres' : 'level')
  if (storeKind === 'postgres' && !e.DATABASE_URL) throw new ConfigError('invalid configuration: STORE=postgres needs DATABASE_URL')
  // A generated secret lives in one node's DATA_DIR; the other nodes would refuse its tokens.
  if (e.REDIS_URL && !e.JWT_SECRET) throw new ConfigError('invalid configuration: nodes of a cluster (REDIS_URL) must share JWT_SECRET')
  if (e.INVITATION_MAIL === 'smtp' && !e.SMTP_URL) throw new ConfigError('invalid configuration: INVITATION_MAIL=smtp needs SMTP_URL (e.g. smtp://user:pass@host:587)')
  // A mailed link is opened from a mail program: a path alone leads nowhere.
  if (e.INVITATION_MAIL === 'smtp' && !e.PUBLIC_URL) throw new ConfigError('invalid configuration: INVITATION_MAIL=smtp needs PUBLIC_URL (mailed links must be absolute)')
  const dataDir = resolve(e.DATA_DIR)
  await mkdir(dataDir, { recursive: true })
  const secret = e.JWT_SECRET ?? (await readOrCreateSecret(join(dataDir, 'jwt-secret')))
  return {
    port: e.PORT,
    opsPort: e.OPS_PORT ?? null,
    host: e.HOST,
    dataDir,
    jwtSecret: new TextEncoder().encode(secret),
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    refreshGraceSeconds: e.REFRESH_GRACE_SECONDS,
    logLevel: e.LOG_LEVEL,
    fsync: e.FSYNC,
    limits: {
      maxMessageBytes: e.MAX_MESSAGE_BYTES,
      maxDocBytes: e.MAX_DOC_BYTES,
      ratePerSecond: e.RATE_LIMIT_PER_SECOND,
      rateBurst: e.RATE_LIMIT_BURST,
      maxConnections: e.MAX_CONNECTIONS,
      maxBufferedBytes: e.MAX_BUFFERED_BYTES,
      maxChannelsPerDevice: e.MAX_CHANNELS_PER_DEVICE,
    },
    pingIntervalMs: e.PING_INTERVAL_MS,
    awareness: {
      maxStateBytes: e.MAX_AWARENESS_STATE_BYTES,
      maxConnectionBytes: e.MAX_AWARENESS_CONNECTION_BYTES,
      maxIdsPerConnection: e.MAX_AWARENESS_IDS_PER_CONNECTION,
      maxJoinBytes: e.MAX_AWARENESS_JOIN_BYTES,
      queriesPerMinute: e.AWARENESS_QUERIES_PER_MINUTE,
      penaltyStrikes: e.AWARENESS_PENALTY_STRIKES,
      penaltyMs: e.AWARENESS_PENALTY_MS,
    },
    writes: {
      maxClockSkewMs: e.MAX_CLOCK_SKEW_MS,
      maxItems: e.MAX_ITEMS_PER_LIST,
      maxCategories: e.MAX_CATEGORIES_PER_LIST,
      clientIds: {
        perUpdate: e.CLIENT_IDS_PER_UPDATE,
        perUserPerDay: e.CLIENT_IDS_PER_USER_PER_DAY,
        perListPerDay: e.CLIENT_IDS_PER_LIST_PER_DAY,
      },
    },
    quotas: {
      maxListsPerUser: e.MAX_LISTS_PER_USER,
      listsPerMinute: e.LISTS_PER_MINUTE,
      maxSocketsPerUser: e.MAX_SOCKETS_PER_USER,
      maxDeviceSocketsPerSession: e.MAX_DEVICE_SOCKETS_PER_SESSION,
      joinsPerUserPerMinute: e.JOINS_PER_USER_PER_MINUTE,
      maxStoredBytesPerUser: e.MAX_STORED_BYTES_PER_USER,
    },
    compaction: { maxLogEntries: e.COMPACT_LOG_ENTRIES, maxLogBytes: e.COMPACT_LOG_BYTES, offThreadBytes: e.COMPACT_OFF_THREAD_BYTES },
    maintenanceIntervalMs: e.MAINTENANCE_INTERVAL_MS,
    roomIdleMs: e.ROOM_IDLE_MS,
    clientDir: resolve(e.CLIENT_DIR),
    serveSourceMaps: e.SERVE_SOURCE_MAPS,
    store: storeKind === 'postgres' ? { kind: 'postgres', url: e.DATABASE_URL! } : { kind: 'level' },
    redisUrl: e.REDIS_URL ?? null,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    authLimits: {
      loginPerIpPerMinute: e.LOGIN_ATTEMPTS_PER_IP_PER_MINUTE,
      loginPerAccountPerMinute: e.LOGIN_ATTEMPTS_PER_ACCOUNT_PER_MINUTE,
      freeFailuresPerAccount: e.LOGIN_FREE_FAILURES_PER_ACCOUNT,
      freeFailuresPerIp: e.LOGIN_FREE_FAILURES_PER_IP,
      maxBackoffSeconds: e.LOGIN_MAX_BACKOFF_SECONDS,
      signupsPerIpPerHour: e.SIGNUPS_PER_IP_PER_HOUR,
      signupsPerEmailPerHour: e.SIGNUPS_PER_EMAIL_PER_HOUR,
    },
    passwordHash: { logN: e.PASSWORD_HASH_COST, workers: e.PASSWORD_HASH_WORKERS },
    invitations: {
      ttlSeconds: e.INVITATION_TTL_SECONDS,
      maxPendingPerList: e.MAX_PENDING_INVITATIONS_PER_LIST,
      perUserPerHour: e.INVITATIONS_PER_HOUR,
      mail: e.INVITATION_MAIL,
      smtp: e.INVITATION_MAIL === 'smtp' ? { url: e.SMTP_URL!, from: e.MAIL_FROM } : null,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    },
  }
}

/** `true`/`false`, a hop count, or express's names and addresses (`loopback`, `10.0.0.0/8, …`). */
function parseTrustProxy(value: string | undefined): string | number | boolean | null {
  if (value === undefined || value === '') return null
  if (value === 'true' || value === 'false') return value === 'true'
  if (/^\d+$/.test(value)) return Number(value)
  return value
}

async function readOrCreateSecret(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const secret = randomBytes(48).toString('base64url')
  // 'wx' fails if another process created it meanwhile; then read theirs.
  try {
    await writeFile(path, secret, { mode: 0o600, flag: 'wx' })
    return secret
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return (await readFile(path, 'utf8')).trim()
  }
}
