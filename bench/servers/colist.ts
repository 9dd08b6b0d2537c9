/**
 * Colist as the bench runs it: `dist/server/main.js` (the compiled server `npm start` runs) unchanged, configured through
 * its environment with its defaults (FSYNC on) except where it listens. A
 * second kind runs it with FSYNC=false, for comparing with y-leveldb, which
 * never fsyncs.
 */
import { SERVER_NODE_FLAGS } from '../../server/node-flags.mjs'
import { join } from 'node:path'
import { LevelStorage } from '../../server/storage/level-storage.ts'
import { WS_PATH_PREFIX } from '../../shared/protocol.ts'
import { colistDeviceConnect } from '../clients/colist-device-client.ts'
import { yWebsocketConnect } from '../clients/y-websocket-client.ts'
import { directoryBytes } from '../disk-usage.ts'
import { colistEnv, createLists, signup } from './colist-api.ts'
import type { RunningServer, ServerKind, StorageFigures } from './server-kind.ts'
import { spawnServer } from './server-process.ts'

export function colistKind(options: { fsync: boolean }): ServerKind {
  // One bench user per data directory; its token stays valid across restarts (the secret lives in DATA_DIR).
  const tokens = new Map<string, string>()
  return {
    id: options.fsync ? 'colist' : 'colist-nofsync',
    label: options.fsync ? 'Colist' : 'Colist FSYNC=false',
    durability: options.fsync
      ? 'LevelDB, every group commit fsynced before it is acknowledged (default)'
      : 'LevelDB, group commits not fsynced (like y-leveldb)',
    async start(dataDir) {
      const proc = await spawnServer({
        name: 'colist',
        script: 'dist/server/main.js',
        nodeFlags: SERVER_NODE_FLAGS,
        env: colistEnv(dataDir, options.fsync),
      })
      let token = tokens.get(dataDir)
      if (!token) {
        token = await signup(proc.url)
        tokens.set(dataDir, token)
      }
      const bearer = token
      const server: RunningServer = {
        process: proc,
        connect: yWebsocketConnect(proc.url.replace(/^http/, 'ws') + WS_PATH_PREFIX, { token: bearer }),
        connectDevice: colistDeviceConnect(proc.url.replace(/^http/, 'ws'), bearer),
        createDocs: (count) => createLists(proc.url, bearer, count),
        stop: () => proc.stop(),
      }
      return server
    },
    async inspectStorage(dataDir, docNames): Promise<StorageFigures> {
      const storage = await LevelStorage.open(join(dataDir, 'db'))
      let storedEntries = 0
      let maxLogLength = 0
      try {
        for (const name of docNames) {
          const stats = await storage.docStats(name)
          storedEntries += stats.logLength + (stats.snapshotBytes > 0 ? 1 : 0)
          maxLogLength = Math.max(maxLogLength, stats.logLength)
        }
      } finally {
        await storage.close()
      }
      return {
        bytesOnDisk: await directoryBytes(dataDir),
        storedEntries,
        maxLogLength,
        layout: 'update log per list, folded into a snapshot past 500 entries or 1 MiB',
      }
    },
  }
}
