/** The reference peer: @y/websocket-server 0.1.1 + y-leveldb (see y-websocket-server.ts). */
import { join } from 'node:path'
import { getLevelUpdatesKeys, LeveldbPersistence } from 'y-leveldb'
import { yWebsocketConnect } from '../clients/y-websocket-client.ts'
import { directoryBytes } from '../disk-usage.ts'
import { nameSource } from '../servers/doc-names.ts'
import type { ServerKind } from '../servers/server-kind.ts'
import { spawnServer } from '../servers/server-process.ts'

export function yWebsocketKind(): ServerKind {
  const names = nameSource('yws')
  return {
    id: 'y-websocket',
    label: 'y-websocket-server',
    reference: true,
    durability: 'y-leveldb, one LevelDB put per update, never fsynced',
    async start(dataDir) {
      const proc = await spawnServer({ name: 'y-websocket-server', script: 'bench/peers/y-websocket-server.ts', env: { PORT: '0', DATA_DIR: dataDir } })
      return {
        process: proc,
        // Room = URL path, no auth.
        connect: yWebsocketConnect(proc.url.replace(/^http/, 'ws')),
        createDocs: async (count) => names(count),
        stop: () => proc.stop(),
      }
    },
    async inspectStorage(dataDir, docNames) {
      const ldb = new LeveldbPersistence(join(dataDir, 'y-leveldb'))
      let storedEntries = 0
      let maxLogLength = 0
      try {
        for (const name of docNames) {
          const keys = await ldb._transact((db) => getLevelUpdatesKeys(db, name))
          storedEntries += keys.length
          maxLogLength = Math.max(maxLogLength, keys.length)
        }
      } finally {
        await ldb.destroy()
      }
      return {
        bytesOnDisk: await directoryBytes(dataDir),
        storedEntries,
        maxLogLength,
        layout: 'one entry per update; merged only when a doc with > 500 entries is next loaded',
      }
    },
  }
}
