/**
 * The lifecycle the cluster test files share: a real PostgreSQL and a real
 * Redis for the whole file (postgres-server.ts, redis-server.ts), Colist node
 * processes on them started by each test, each test's clients closed and
 * nodes killed (and their data dirs deleted) after it.
 *
 * `useCluster` registers the file's vitest hooks: call it once, at the top of
 * a test file.
 */
import { rm } from 'node:fs/promises'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { spawnServer, tempDir, type ServerProcess } from './harness.ts'
import { startPostgres, type TestPostgres } from './postgres-server.ts'
import { startRedis, type TestRedis } from './redis-server.ts'

export interface ClusterFixtureOptions {
  /** Names the databases the tests get (`<name>_<pid>_<n>`). */
  name: string
  /** What every node signs and verifies tokens with: a token issued by one node is good on the other. */
  jwtSecret: string
  /** Closes the test's clients (sockets, providers); runs after each test, before its nodes are killed. */
  closeClients(): void
}

export interface ClusterFixture {
  /** The file's Redis (the fan-out); a test may kill and restart it. */
  readonly redis: TestRedis
  /** Two node processes on a fresh database of the file's PostgreSQL and on its Redis. */
  startNodes(): Promise<[ServerProcess, ServerProcess]>
}

export function useCluster(options: ClusterFixtureOptions): ClusterFixture {
  let postgres: TestPostgres | undefined
  let redis: TestRedis | undefined
  const processes: ServerProcess[] = []
  const dataDirs: string[] = []
  let databaseCounter = 0

  beforeAll(async () => {
    ;[postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  }, 60_000)

  afterAll(async () => {
    await redis?.stop()
    await postgres?.stop()
  })

  afterEach(async () => {
    options.closeClients()
    for (const node of processes.splice(0)) {
      if (node.child.exitCode === null) node.child.kill('SIGKILL')
      await node.exited
    }
    for (const dir of dataDirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  const started = <T>(server: T | undefined, what: string): T => {
    if (!server) throw new Error(`the cluster's ${what} is not running (useCluster's beforeAll has not run, or failed)`)
    return server
  }

  async function startNode(databaseUrl: string): Promise<ServerProcess> {
    const dataDir = await tempDir()
    dataDirs.push(dataDir)
    const node = await spawnServer(dataDir, { PORT: '0', REDIS_URL: started(redis, 'Redis').url, DATABASE_URL: databaseUrl, JWT_SECRET: options.jwtSecret })
    processes.push(node)
    return node
  }

  return {
    get redis() {
      return started(redis, 'Redis')
    },
    async startNodes() {
      const databaseUrl = await started(postgres, 'PostgreSQL').createDatabase(`${options.name}_${process.pid}_${++databaseCounter}`)
      return Promise.all([startNode(databaseUrl), startNode(databaseUrl)])
    },
  }
}
