/**
 * Password hashing: scrypt at current guidance (N = 2^17, r = 8, p = 1:
 * 128 MiB and a few hundred ms per hash) on worker threads of its own.
 *
 * Node's `crypto.scrypt` runs on the libuv thread pool, the same four threads
 * LevelDB's reads and writes run on: a flood of log-ins filled it and durable
 * write latency went from 21 ms to 739 ms (issue 10, finding 5). Here each
 * worker runs `scryptSync` on its own thread, one hash at a time, so hashing
 * never takes a libuv thread; PASSWORD_HASH_WORKERS bounds how many run at
 * once (and so the memory: 128 MiB each), the log-in limits bound how many wait.
 *
 * The stored string carries its parameters (`scrypt$N$r$p$salt$hash`), so old
 * hashes (N = 2^14) keep verifying; `needsRehash` says when a log-in should
 * store a new one at the current cost.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { Worker } from 'node:worker_threads'

const R = 8
const P = 1
const KEY_LENGTH = 32

/** Runs in each worker: scrypt synchronously, on the worker's own thread. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { scryptSync } = require('node:crypto')
parentPort.on('message', ({ id, password, salt, N, r, p, keyLength }) => {
  try {
    const key = scryptSync(password, Buffer.from(salt), keyLength, { N, r, p, maxmem: 256 * N * r })
    parentPort.postMessage({ id, key })
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) })
  }
})
`

interface Job {
  owner: PooledWorker
  resolve(key: Buffer): void
  reject(err: Error): void
}

interface PooledWorker {
  worker: Worker
  pending: number
}

export interface PasswordHashOptions {
  /** log2 of scrypt's N. */
  logN: number
  workers: number
}

export class PasswordHasher {
  private readonly pool: PooledWorker[] = []
  private readonly jobs = new Map<number, Job>()
  private nextId = 0

  constructor(private options: PasswordHashOptions) {}

  get cost(): number {
    return this.options.logN
  }

  /** Changes the cost and pool size for hashes from now on (startServer calls it with the config). */
  configure(options: PasswordHashOptions): void {
    this.options = options
  }

  /** Returns `scrypt$N$r$p$salt$hash`. */
  async hash(password: string): Promise<string> {
    const N = 2 ** this.options.logN
    const salt = randomBytes(16)
    const key = await this.scrypt(password, salt, KEY_LENGTH, N, R, P)
    return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$')
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const params = parse(stored)
    if (!params) return false
    const key = await this.scrypt(password, params.salt, params.expected.length, params.N, params.r, params.p)
    return timingSafeEqual(key, params.expected)
  }

  /** Whether `stored` was made at a lower cost than the current one (a log-in then stores a new hash). */
  needsRehash(stored: string): boolean {
    const params = parse(stored)
    return !params || params.N < 2 ** this.options.logN || params.r < R
  }

  /** Ends the workers; the next hash starts new ones. */
  async close(): Promise<void> {
    const workers = this.pool.splice(0)
    await Promise.all(workers.map((w) => w.worker.terminate()))
  }

  private scrypt(password: string, salt: Buffer, keyLength: number, N: number, r: number, p: number): Promise<Buffer> {
    const target = this.pickWorker()
    const id = this.nextId++
    target.pending++
    return new Promise<Buffer>((resolve, reject) => {
      this.jobs.set(id, { owner: target, resolve, reject })
      target.worker.postMessage({ id, password, salt: new Uint8Array(salt), N, r, p, keyLength })
    }).finally(() => {
      target.pending--
    })
  }

  private pickWorker(): PooledWorker {
    let best = this.pool.reduce<PooledWorker | null>((a, w) => (a === null || w.pending < a.pending ? w : a), null)
    if (best === null || (best.pending > 0 && this.pool.length < this.options.workers)) {
      best = this.spawn()
    }
    return best
  }

  private spawn(): PooledWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    // Idle workers never keep the process alive.
    worker.unref()
    const pooled: PooledWorker = { worker, pending: 0 }
    worker.on('message', (msg: { id: number; key?: Uint8Array; error?: string }) => {
      const job = this.jobs.get(msg.id)
      if (!job) return
      this.jobs.delete(msg.id)
      if (msg.key) job.resolve(Buffer.from(msg.key.buffer, msg.key.byteOffset, msg.key.byteLength))
      else job.reject(new Error(`password hashing failed: ${msg.error}`))
    })
    worker.on('error', () => this.drop(pooled))
    worker.on('exit', () => this.drop(pooled))
    this.pool.push(pooled)
    return pooled
  }

  /** A worker that died: its jobs fail (the request answers 500), the next hash starts a new one. */
  private drop(pooled: PooledWorker): void {
    const i = this.pool.indexOf(pooled)
    if (i >= 0) this.pool.splice(i, 1)
    if (pooled.pending === 0) return
    for (const [id, job] of this.jobs) {
      if (job.owner !== pooled) continue
      job.reject(new Error('password hashing worker exited'))
      this.jobs.delete(id)
    }
  }
}

function parse(stored: string): { N: number; r: number; p: number; salt: Buffer; expected: Buffer } | null {
  const [scheme, n, r, p, saltB64, keyB64] = stored.split('$')
  if (scheme !== 'scrypt' || !saltB64 || !keyB64) return null
  const N = Number(n)
  const rr = Number(r)
  const pp = Number(p)
  if (!Number.isInteger(N) || !Number.isInteger(rr) || !Number.isInteger(pp) || N < 2 || N > 2 ** 20 || rr < 1 || rr > 32 || pp < 1 || pp > 16) return null
  return { N, r: rr, p: pp, salt: Buffer.from(saltB64, 'base64'), expected: Buffer.from(keyB64, 'base64') }
}

/** The process's hasher: startServer configures it from PASSWORD_HASH_COST and PASSWORD_HASH_WORKERS. */
export const passwords = new PasswordHasher({ logN: 17, workers: 2 })
