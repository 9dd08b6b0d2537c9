/**
 * `npm run cluster`: a local multi-node Colist for a person to try — a
 * throwaway PostgreSQL and Redis, two or three Colist nodes sharing them,
 * and nginx in front as the load balancer (WebSocket proxying included),
 * all from Debian packages, all on 127.0.0.1. Ctrl+C stops everything and
 * deletes its data.
 *
 *   npm run cluster -- --nodes 3 --port 8080
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { spawnServer, type ServerProcess } from '../test-support/harness.ts'
import { startPostgres } from '../test-support/postgres-server.ts'
import { startRedis } from '../test-support/redis-server.ts'
import { startNginx } from './nginx.ts'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2' },
    port: { type: 'string', default: '8080' },
  },
})
const nodeCount = Math.min(3, Math.max(2, Number(values.nodes)))
const port = Number(values.port)

const postgres = await startPostgres()
const databaseUrl = await postgres.createDatabase('colist')
const redis = await startRedis()
const dataRoot = await mkdtemp(join(tmpdir(), 'colist-cluster-'))
const env = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: redis.url,
  JWT_SECRET: `local-cluster-${Date.now()}-${Math.random().toString(36).slice(2)}-secret`,
  CLIENT_DIR: resolve('dist/client'),
  LOG_LEVEL: 'info',
}
const nodes: ServerProcess[] = []
for (let i = 0; i < nodeCount; i++) nodes.push(await spawnServer(join(dataRoot, `node-${i + 1}`), env))
const balancer = await startNginx(port, nodes.map((node) => `127.0.0.1:${node.port}`))

console.log(`
Colist cluster is running. Open ${balancer.url}

  nginx (load balancer)  ${balancer.url}
${nodes.map((node, i) => `  node ${i + 1}                 ${node.url}`).join('\n')}
  PostgreSQL             ${env.DATABASE_URL}
  Redis                  ${redis.url}

Try: kill one node's process and keep editing; or stop Redis for a while. Ctrl+C stops everything.`)

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await balancer.stop()
  for (const node of nodes) {
    if (node.child.exitCode === null) node.child.kill('SIGTERM')
    await node.exited
  }
  await redis.stop()
  await postgres.stop()
  await rm(dataRoot, { recursive: true, force: true })
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
