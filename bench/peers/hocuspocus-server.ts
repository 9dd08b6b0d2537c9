/**
 * Entry script of the Hocuspocus peer: `@hocuspocus/server` 4.x with its
 * SQLite extension (better-sqlite3), all other options at their defaults —
 * including the 2 s / 10 s store debounce, so Hocuspocus writes whole-document
 * snapshots rather than every update. Its own SIGTERM handler flushes pending
 * stores and exits.
 *
 * Env: PORT (0 = any), DATA_DIR.
 */
import { join } from 'node:path'
import { SQLite } from '@hocuspocus/extension-sqlite'
import { Server } from '@hocuspocus/server'

const dataDir = process.env.DATA_DIR
if (!dataDir) throw new Error('DATA_DIR is required')

const server = new Server({
  port: Number(process.env.PORT ?? 0),
  address: '127.0.0.1',
  quiet: true,
  extensions: [new SQLite({ database: join(dataDir, 'hocuspocus.sqlite') })],
})
await server.listen()
console.log(`hocuspocus listening at http://127.0.0.1:${server.address.port}`)
