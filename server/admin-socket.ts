/**
 * The admin socket: a Unix domain socket inside DATA_DIR (`admin.sock`,
 * mode 0600) on which the server serves the admin API
 * (server/http/admin-routes.ts) that `colist` (server/cli.ts) speaks. Only
 * this socket serves it, never a TCP port, and its file permissions are the
 * authentication: whoever may connect (the server's user, or root) is an
 * operator. LevelDB lets one process open DATA_DIR, so the CLI cannot open
 * the store itself while the server runs; it asks the server instead.
 *
 * At start a socket file left by a server that was killed is replaced; one
 * that answers belongs to a live server, and this one refuses to start. On a
 * graceful stop the socket is closed and its file removed.
 */
import { chmodSync } from 'node:fs'
import { lstat, unlink } from 'node:fs/promises'
import { createServer, type RequestListener, type Server } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import type { Logger } from './logger.ts'

export const ADMIN_SOCKET_NAME = 'admin.sock'

/** The longest socket path the OS binds (sun_path, less its NUL); Node cuts a longer one short without a word. */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103

export function adminSocketPath(dataDir: string): string {
  return join(dataDir, ADMIN_SOCKET_NAME)
}

/** Whether a server answers on the socket at `path`: `true`, `false` (nothing there, or a stale file), or `null` (not a socket, or not ours to connect to). */
export function probeSocket(path: string, timeoutMs = 2000): Promise<boolean | null> {
  return new Promise((resolve) => {
    const socket = connect(path)
    const timer = setTimeout(() => finish(null), timeoutMs)
    const finish = (answer: boolean | null) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    socket.once('connect', () => finish(true))
    socket.once('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? false : null))
  })
}

export interface AdminSocket {
  readonly path: string
  /** Stops serving (connections in progress are cut) and removes the socket file. */
  close(): Promise<void>
}

/**
 * Serves `handler` on DATA_DIR's admin socket. Null (with a warning) when the
 * path is too long for a socket: the server runs without one.
 */
export async function listenAdminSocket(dataDir: string, handler: RequestListener, log: Logger): Promise<AdminSocket | null> {
  const path = adminSocketPath(dataDir)
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    log.warn({ path }, `no admin socket: its path is longer than a socket's ${MAX_SOCKET_PATH_BYTES} bytes; colist cannot reach this server (use a shorter DATA_DIR)`)
    return null
  }
  await replaceStale(path, log)
  const server = createServer(handler)
  await listenPrivately(server, path)
  const { ino } = await lstat(path)
  let closing: Promise<void> | null = null
  return {
    path,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        // libuv removes the file as it closes the socket; a file there now is another's unless it is still ours.
        const left = await lstat(path).catch(() => null)
        if (left?.ino === ino) await unlink(path).catch(() => {})
      })()
      return closing
    },
  }
}

/** Removes a socket file a killed server left behind; refuses one a live server answers on, or a file that is no socket. */
async function replaceStale(path: string, log: Logger): Promise<void> {
  const existing = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null
    throw err
  })
  if (!existing) return
  if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket: move it away, it is where the admin socket goes`)
  const answer = await probeSocket(path)
  if (answer === true) throw new Error(`another Colist server is running on this DATA_DIR (it answers on ${path}); two servers must not share a DATA_DIR`)
  if (answer === null) throw new Error(`${path} is a socket this server cannot check (no permission?): remove it if no server uses it`)
  await unlink(path)
  log.info({ path }, 'replaced the admin socket a stopped server left behind')
}

/**
 * Listens on `path` with the socket file readable and writable by its owner
 * only. The file is created mode 0600 (umask 0177 around the bind, which
 * Node does synchronously in `listen`) where the process may set its umask
 * (not on a worker thread), and chmodded to 0600 in any case.
 */
function listenPrivately(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    let previous: number | null = null
    try {
      previous = process.umask(0o177)
    } catch {
      // A worker thread cannot set the umask: the chmod below still applies before the first connection is accepted.
    }
    try {
      server.listen(path, () => {
        server.off('error', reject)
        resolve()
      })
    } finally {
      if (previous !== null) process.umask(previous)
    }
    try {
      chmodSync(path, 0o600)
    } catch (err) {
      // No file: the bind failed, and its error comes next.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      server.close()
      reject(err)
    }
  })
}
