/**
 * What the integration tests share: a real server on 127.0.0.1 (port 0) with
 * LevelDB in a temp dir, an HTTP client for the API, and unmodified
 * y-websocket clients. Waits are on events, never on sleeps.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import type { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { AuthResponse, ListSummary } from '../../shared/api.ts'
import { DeviceSocket, type WebSocketConstructor } from '../../shared/device-client.ts'
import { ChannelMode, DEVICE_WS_PATH } from '../../shared/device-protocol.ts'
import { WS_PATH_PREFIX } from '../../shared/protocol.ts'
import { ServerMessages } from '../../shared/server-messages.ts'
import { startServer, type ColistServer, type StartOptions } from '../app.ts'
import { loadConfig } from '../config.ts'
import { SERVER_NODE_FLAGS } from '../node-flags.mjs'

export interface TestServer {
  server: ColistServer
  dataDir: string
  /** Stops the server (data kept) so a test can start another on the same dir. */
  stop(): Promise<void>
  /** Stops the server and deletes its data. */
  cleanup(): Promise<void>
}

export async function tempDir(prefix = 'colist-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

/**
 * What every test server runs with unless a test says otherwise: every test signs up from
 * 127.0.0.1, hundreds of times, so the per-address limits are out of the way, and passwords are
 * hashed at a low cost (production: 2^17) so sign-ups stay quick. The tests of those limits and
 * of the hashing set their own. `spawnServer` (a server in its own process) gets the same.
 */
export const TEST_SERVER_ENV: Record<string, string> = {
  SIGNUPS_PER_IP_PER_HOUR: '1000000',
  LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000000',
  LOGIN_FREE_FAILURES_PER_IP: '1000000',
  PASSWORD_HASH_COST: '10',
  // Some tests create 50 lists as one user within seconds (device-socket, faults) and open 1,000
  // sockets as that user (faults); the tests of these quotas set their own.
  LISTS_PER_MINUTE: '1000',
  MAX_SOCKETS_PER_USER: '100000',
  JOINS_PER_USER_PER_MINUTE: '1000000',
  // `Api.share` invites and accepts; a test may share many lists as one owner.
  INVITATIONS_PER_HOUR: '1000000',
}

export async function startTestServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestServer> {
  const dataDir = env.DATA_DIR ?? (await tempDir())
  const config = await loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    CLIENT_DIR: join(dataDir, 'no-client'),
    ...TEST_SERVER_ENV,
    ...env,
    DATA_DIR: dataDir,
  })
  const server = await startServer(config, options)
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await server.close()
  }
  return {
    server,
    dataDir,
    stop,
    async cleanup() {
      await stop()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

let userCounter = 0
/** Each signed-up user's token by email, so `share` can accept the invitation as them. */
const tokensByEmail = new Map<string, string>()

/** A thin JSON client for the HTTP API. */
export class Api {
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (token) headers.authorization = `Bearer ${token}`
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed }
  }

  /** Signs up a fresh user; fails the test if the server refuses. */
  async signup(name = 'User'): Promise<AuthResponse> {
    const email = `${name.toLowerCase().replace(/\W/g, '')}-${process.pid}-${++userCounter}@example.test`
    const res = await this.request('POST', '/api/auth/signup', { email, password: 'correct horse battery', name })
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`)
    tokensByEmail.set(email, (res.body as AuthResponse).token)
    return res.body as AuthResponse
  }

  async createList(token: string, title = 'Groceries'): Promise<ListSummary> {
    const res = await this.request('POST', '/api/lists', { title }, token)
    if (res.status !== 201) throw new Error(`create list failed: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body as ListSummary
  }

  /**
   * Shares a list as people do: the owner invites the email, and the user this
   * harness signed up with it accepts (with the token it got at sign-up, or `memberToken`).
   */
  async share(token: string, listId: string, email: string, role: 'editor' | 'viewer', memberToken = tokensByEmail.get(email)): Promise<void> {
    if (!memberToken) throw new Error(`share: no token known for ${email}; pass the member's token`)
    const res = await this.request('POST', `/api/lists/${listId}/invitations`, { email, role }, token)
    if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${JSON.stringify(res.body)}`)
    const accepted = await this.request('POST', '/api/invitations/accept', { token: (res.body as { token: string }).token }, memberToken)
    if (accepted.status !== 200) throw new Error(`accepting the invitation failed: ${accepted.status} ${JSON.stringify(accepted.body)}`)
  }
}

/**
 * How a test client reaches a list: its own socket (`/ws/lists/:id`), or a
 * channel of a device socket (`/ws/device`) that is the client's alone.
 * Suites that hold for both run under each (`describe.each(TRANSPORTS)`).
 */
/**
 * In Node, each y-websocket `WebsocketProvider` adds a process 'exit' listener (to drop its
 * presence) and removes it on destroy; tests hold tens to a thousand at once, so Node's "possible
 * leak" warning past 10 says nothing here. (Leaks are measured by the leak tests, in bytes.)
 */
process.setMaxListeners(0)

export type Transport = 'list' | 'device'
export const TRANSPORTS: readonly Transport[] = ['list', 'device']

export interface TestClient {
  doc: Y.Doc
  provider: WebsocketProvider
  server: ServerMessages
  /** The device socket the client's channel rides on (transport `device`). */
  device: DeviceSocket | null
  /** Resolves with the close code the server sent. */
  nextClose(): Promise<number>
  destroy(): void
}

/**
 * An unmodified y-websocket client, on a list's own socket or (transport
 * `device`) on a channel of a device socket of its own, in Foreground mode
 * unless `mode` says otherwise. BroadcastChannel is off: Node 20 has one
 * globally, and clients in one process would otherwise sync without the server.
 */
export function connectClient(
  baseUrl: string,
  listId: string,
  token: string,
  options: {
    doc?: Y.Doc
    colist?: boolean
    connect?: boolean
    /** Cap of y-websocket's reconnect backoff; 200 ms keeps tests quick, y-websocket's own default is 2,500. */
    maxBackoffTime?: number
    transport?: Transport
    /** The channel's mode (transport `device`). */
    mode?: ChannelMode
    /** A device socket to ride on instead of one of the client's own (transport `device`; the caller destroys it). */
    device?: DeviceSocket
  } = {},
): TestClient {
  const doc = options.doc ?? new Y.Doc()
  const wsBase = baseUrl.replace(/^http/, 'ws')
  const transport = options.device ? 'device' : (options.transport ?? 'list')
  const ownDevice = transport === 'device' && !options.device ? connectDevice(baseUrl, token) : null
  const device = options.device ?? ownDevice
  const provider = new WebsocketProvider(device ? wsBase + DEVICE_WS_PATH : wsBase + WS_PATH_PREFIX, listId, doc, {
    WebSocketPolyfill: (device ? device.channelClass(options.mode ?? ChannelMode.Foreground) : WebSocket) as unknown as typeof globalThis.WebSocket,
    params: device ? {} : { token },
    disableBc: true,
    connect: options.connect ?? true,
    maxBackoffTime: options.maxBackoffTime ?? 200,
  })
  // Only Colist-aware clients say Hello; plain ones stay exactly as y-websocket ships.
  const server = options.colist === false ? (null as unknown as ServerMessages) : new ServerMessages(provider)
  return {
    doc,
    provider,
    server,
    device,
    nextClose: () =>
      new Promise((resolve) => {
        const onClose = (event: CloseEvent | null) => {
          if (!event) return
          provider.off('connection-close', onClose)
          resolve(event.code)
        }
        provider.on('connection-close', onClose)
      }),
    destroy() {
      server?.destroy()
      provider.destroy()
      ownDevice?.destroy()
      doc.destroy()
    },
  }
}

/** A device socket (shared/device-client.ts) on the test server, with `ws` for the WebSocket; it connects when a channel needs it. */
export function connectDevice(baseUrl: string, token: string | (() => string)): DeviceSocket {
  return new DeviceSocket({
    url: baseUrl.replace(/^http/, 'ws') + DEVICE_WS_PATH,
    token: typeof token === 'string' ? () => token : token,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
  })
}

/** Resolves once `provider` has completed its initial sync. */
export function synced(provider: WebsocketProvider): Promise<void> {
  if (provider.synced) return Promise.resolve()
  return new Promise((resolve) => {
    const onSync = (isSynced: boolean) => {
      if (!isSynced) return
      provider.off('sync', onSync)
      resolve()
    }
    provider.on('sync', onSync)
  })
}

/**
 * Resolves when `check()` holds, re-checking whenever `doc` changes; rejects
 * with `what` after `timeoutMs`.
 */
export function docUntil(doc: Y.Doc, check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  return eventUntil((fire) => {
    doc.on('update', fire)
    return () => doc.off('update', fire)
  }, check, what, timeoutMs)
}

/** Resolves when `check()` holds, re-checked each time `subscribe`'s callback fires. */
export function eventUntil(
  subscribe: (fire: () => void) => () => void,
  check: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  if (check()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    const unsubscribe = subscribe(() => {
      if (!check()) return
      clearTimeout(timer)
      unsubscribe()
      resolve()
    })
  })
}

/** Resolves when `check()` holds, re-checked on every awareness change. */
export function awarenessUntil(awareness: Awareness, check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  return eventUntil((fire) => {
    awareness.on('change', fire)
    return () => awareness.off('change', fire)
  }, check, what, timeoutMs)
}

/** Resolves once the server reports every change in `client.doc` durably stored. */
export function saved(client: TestClient, timeoutMs = 5000): Promise<void> {
  return eventUntil(
    (fire) => {
      client.server.on('change', fire)
      return () => client.server.off('change', fire)
    },
    () => client.server.isSaved(),
    'durable acknowledgement',
    timeoutMs,
  )
}

export interface ServerProcess {
  url: string
  port: number
  child: import('node:child_process').ChildProcess
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string | null>
}

/**
 * Starts `npm start`'s server as a real child process (no client build) and
 * resolves once it prints its URL.
 */
export async function spawnServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const { spawn } = await import('node:child_process')
  // TEST_SERVER_NODE_ARGS adds Node flags to the servers tests spawn (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const nodeArgs = [...SERVER_NODE_FLAGS, ...(process.env.TEST_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])]
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', CLIENT_DIR: join(dataDir, 'no-client'), ...TEST_SERVER_ENV, ...env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = /running at (http:\/\/\S+)/.exec(out)
      if (match) {
        child.stdout!.off('data', onData)
        resolve(match[1]!)
      }
    }
    child.stdout!.on('data', onData)
    exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)))
  })
  return { url, port: Number(new URL(url).port), child, exited }
}
