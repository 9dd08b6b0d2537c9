/** The Hocuspocus peer: @hocuspocus/server 4.x + its SQLite extension (see hocuspocus-server.ts). */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { hocuspocusConnect } from './hocuspocus-client.ts'
import { directoryBytes } from '../disk-usage.ts'
import { nameSource } from '../servers/doc-names.ts'
import type { ServerKind } from '../servers/server-kind.ts'
import { spawnServer } from '../servers/server-process.ts'

export function hocuspocusKind(): ServerKind {
  const names = nameSource('hp')
  return {
    id: 'hocuspocus',
    label: 'Hocuspocus',
    durability: 'SQLite (synchronous=FULL), whole-document snapshot 2 s after a change (at most every 10 s while busy)',
    async start(dataDir) {
      const proc = await spawnServer({ name: 'hocuspocus', script: 'bench/peers/hocuspocus-server.ts', env: { PORT: '0', DATA_DIR: dataDir } })
      return {
        process: proc,
        connect: hocuspocusConnect(proc.url.replace(/^http/, 'ws')),
        createDocs: async (count) => names(count),
        stop: () => proc.stop(),
      }
    },
    async inspectStorage(dataDir, docNames) {
      const db = new Database(join(dataDir, 'hocuspocus.sqlite'), { readonly: true })
      let storedEntries = 0
      try {
        const count = db.prepare('SELECT count(*) AS n FROM documents WHERE name = ?')
        for (const name of docNames) storedEntries += (count.get(name) as { n: number }).n
      } finally {
        db.close()
      }
      return {
        bytesOnDisk: await directoryBytes(dataDir),
        storedEntries,
        maxLogLength: 0,
        layout: 'one row per document holding its whole state; no update log',
      }
    },
  }
}
