/**
 * Entry script of the reference peer: `@y/websocket-server` 0.1.1 wired the
 * way its own bin (src/server.js) wires it — a plain http server, `ws` in
 * noServer mode, `setupWSConnection` per socket, room = URL path — with
 * LevelDB persistence through y-leveldb bound exactly like its YPERSISTENCE
 * option does (load the stored doc, then store every update as it happens).
 *
 * The one addition is a graceful stop: on SIGTERM it lets y-leveldb's write
 * queue drain and closes the database, so a restart in the cold-load
 * workload reads everything that was written. y-leveldb does not fsync.
 *
 * Env: PORT (0 = any), DATA_DIR.
 */
import { createServer } from 'node:http'
import { join } from 'node:path'
import { WebSocketServer } from 'ws'
import { setPersistence, setupWSConnection } from '@y/websocket-server/utils'
import { LeveldbPersistence } from 'y-leveldb'
import * as Y from 'yjs'

const dataDir = process.env.DATA_DIR
if (!dataDir) throw new Error('DATA_DIR is required')
const ldb = new LeveldbPersistence(join(dataDir, 'y-leveldb'))

setPersistence({
  provider: ldb,
  // Verbatim the bindState of @y/websocket-server's YPERSISTENCE option.
  bindState: async (docName: string, ydoc: Y.Doc) => {
    const persistedYdoc = await ldb.getYDoc(docName)
    const newUpdates = Y.encodeStateAsUpdate(ydoc)
    void ldb.storeUpdate(docName, newUpdates)
    Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(persistedYdoc))
    ydoc.on('update', (update: Uint8Array) => {
      void ldb.storeUpdate(docName, update)
    })
  },
  writeState: async () => {},
})

const wss = new WebSocketServer({ noServer: true })
wss.on('connection', setupWSConnection)
const server = createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain' })
  response.end('okay')
})
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
})
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  console.log(`y-websocket-server listening at http://127.0.0.1:${port}`)
})

process.once('SIGTERM', () => {
  server.close()
  for (const ws of wss.clients) ws.terminate()
  // destroy() is queued behind every pending y-leveldb write, then closes the db.
  ldb.destroy().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
