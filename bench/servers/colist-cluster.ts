/**
 * Colist on two nodes: the same compiled `dist/server/main.js` twice, sharing a throwaway
 * PostgreSQL (documents and accounts) and Redis (fan-out), as docs/cluster.md
 * describes. Clients are dealt to the nodes in turn, so in fan-out the writer
 * is on node 1 and every other reader on node 2, and in throughput each
 * list's two writers are on different nodes: every update crosses Redis.
 *
 * Only fan-out and throughput run on it, to compare with one node. CPU and
 * RSS are both nodes' together; Redis and PostgreSQL are not counted in them
 * (their CPU shows in each row's load note as other processes).
 */
import { SERVER_NODE_FLAGS } from '../../server/node-flags.mjs'
import { join } from 'node:path'
import { startPostgres } from '../../server/test-support/postgres-server.ts'
import { startRedis } from '../../server/test-support/redis-server.ts'
import { WS_PATH_PREFIX } from '../../shared/protocol.ts'
import type { Connect } from '../clients/connection.ts'
import { yWebsocketConnect } from '../clients/y-websocket-client.ts'
import type { ProcSample } from '../proc-stats.ts'
import { colistEnv, createLists, signup } from './colist-api.ts'
import type { RunningServer, ServerKind } from './server-kind.ts'
import { spawnServer, type ServerProcess } from './server-process.ts'

const NODES = 2
const JWT_SECRET = 'bench-cluster-secret-shared-by-both-nodes-0123456789'

export function colistClusterKind(): ServerKind {
  return {
    id: 'colist-cluster',
    label: 'Colist, 2 nodes',
    durability: 'PostgreSQL (synchronous commit) shared by 2 nodes, Redis fan-out; CPU and RSS of both nodes, not of Redis or PostgreSQL',
    workloads: ['fanout', 'throughput'],
    async start(dataDir) {
      const postgres = await startPostgres()
      const databaseUrl = await postgres.createDatabase('colist_bench')
      const redis = await startRedis()
      const nodes: ServerProcess[] = []
      try {
        for (let i = 0; i < NODES; i++) {
          nodes.push(
            await spawnServer({
              name: `colist node ${i + 1}`,
              script: 'dist/server/main.js',
              nodeFlags: SERVER_NODE_FLAGS,
              env: { ...colistEnv(join(dataDir, `node-${i + 1}`), true), DATABASE_URL: databaseUrl, REDIS_URL: redis.url, JWT_SECRET },
            }),
          )
        }
      } catch (err) {
        await Promise.all(nodes.map((node) => node.kill()))
        await redis.stop()
        await postgres.stop()
        throw err
      }
      const token = await signup(nodes[0]!.url)
      const connects = nodes.map((node) => yWebsocketConnect(node.url.replace(/^http/, 'ws') + WS_PATH_PREFIX, { token }))
      let dealt = 0
      const connect: Connect = (docName, options) => connects[dealt++ % connects.length]!(docName, options)
      const stopAll = async (how: 'stop' | 'kill') => {
        await Promise.all(nodes.map((node) => node[how]()))
        await redis.stop()
        await postgres.stop()
      }
      const both: ServerProcess = {
        pid: nodes[0]!.pid,
        url: nodes[0]!.url,
        port: nodes[0]!.port,
        stats: () => nodes.map((node) => node.stats()).reduce(addSamples),
        stop: () => stopAll('stop'),
        kill: () => stopAll('kill'),
      }
      const server: RunningServer = {
        process: both,
        connect,
        createDocs: (count) => createLists(nodes[0]!.url, token, count),
        stop: () => both.stop(),
      }
      return server
    },
    async inspectStorage() {
      throw new Error('storage is not measured for the cluster (it lives in PostgreSQL, which the run has stopped)')
    },
  }
}

function addSamples(a: ProcSample, b: ProcSample): ProcSample {
  return { cpuSeconds: a.cpuSeconds + b.cpuSeconds, rssBytes: a.rssBytes + b.rssBytes, peakRssBytes: a.peakRssBytes + b.peakRssBytes }
}
