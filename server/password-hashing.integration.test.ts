/**
 * Password hashing (issue 10, finding 5): scrypt at the configured cost on
 * worker threads of its own, not on the libuv pool LevelDB writes use, so a
 * log-in flood does not hold up durable writes; hashes made at the old cost
 * (N = 2^14, on the libuv pool) keep verifying.
 */
import { randomBytes, randomUUID, scryptSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Api, startTestServer, type TestServer } from './test-support/harness.ts'
import { memberRound } from './test-support/member-probe.ts'
import { PasswordHasher } from './password-hasher.ts'

let ts: TestServer | undefined
afterEach(async () => {
  await ts?.cleanup()
  ts = undefined
})

describe('password hashing', () => {
  it('hashes at the configured cost, verifies hashes of the old cost, and says which need a new hash', async () => {
    const hasher = new PasswordHasher({ logN: 12, workers: 1 })
    try {
      const hash = await hasher.hash('correct horse battery')
      expect(hash.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 12), '8', '1'])
      expect(await hasher.verify('correct horse battery', hash)).toBe(true)
      expect(await hasher.verify('wrong horse battery', hash)).toBe(false)
      expect(hasher.needsRehash(hash)).toBe(false)

      // As the server stored them before: N = 2^14 by crypto.scrypt.
      const salt = randomBytes(16)
      const old = ['scrypt', 16384, 8, 1, salt.toString('base64'), scryptSync('old password 1', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')].join('$')
      expect(await hasher.verify('old password 1', old)).toBe(true)
      expect(hasher.needsRehash(old)).toBe(false)
      hasher.configure({ logN: 17, workers: 1 })
      expect(hasher.needsRehash(old)).toBe(true)
      expect(hasher.needsRehash('not a hash')).toBe(true)
      expect(await hasher.verify('x', 'scrypt$99999999999$8$1$AA$AA')).toBe(false)
    } finally {
      await hasher.close()
    }
  })

  it('a log-in with a hash of the old cost (N = 2^14) stores a new one at the current cost, which still verifies', async () => {
    ts = await startTestServer({ PASSWORD_HASH_COST: '15' })
    const storage = ts.server.storage
    const salt = randomBytes(16)
    const old = ['scrypt', 16384, 8, 1, salt.toString('base64'), scryptSync('an old password', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')].join('$')
    await storage.createUser({ id: randomUUID(), email: 'old-hash@example.com', name: 'Old', passwordHash: old, createdAt: Date.now() })

    const api = new Api(ts.server.url)
    const wrong = await api.request('POST', '/api/auth/login', { email: 'old-hash@example.com', password: 'not the password' })
    expect(wrong.status).toBe(401)
    expect((await storage.getUserByEmail('old-hash@example.com'))?.passwordHash).toBe(old)

    const login = await api.request('POST', '/api/auth/login', { email: 'old-hash@example.com', password: 'an old password' })
    expect(login.status).toBe(200)
    const stored = (await storage.getUserByEmail('old-hash@example.com'))!.passwordHash
    expect(stored.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1'])
    const hasher = new PasswordHasher({ logN: 15, workers: 1 })
    try {
      expect(await hasher.verify('an old password', stored)).toBe(true)
      expect(hasher.needsRehash(stored)).toBe(false)
    } finally {
      await hasher.close()
    }
    // The next log-in verifies against the new hash and leaves it as it is.
    expect((await api.request('POST', '/api/auth/login', { email: 'old-hash@example.com', password: 'an old password' })).status).toBe(200)
    expect((await storage.getUserByEmail('old-hash@example.com'))!.passwordHash).toBe(stored)
  })

  it('a log-in flood does not hold up a member: durable writes keep their latency (printed) and each round stays within 1 s', async () => {
    ts = await startTestServer({
      PASSWORD_HASH_COST: '15',
      PASSWORD_HASH_WORKERS: '1',
      LOGIN_ATTEMPTS_PER_ACCOUNT_PER_MINUTE: '1000000',
      LOGIN_FREE_FAILURES_PER_ACCOUNT: '1000000',
    })
    const api = new Api(ts.server.url)
    const member = await api.signup('Member')
    const list = await api.createList(member.token)
    const round = () => memberRound(api.baseUrl, list.id, member.token, member.user.id)

    const atStart = await persistLatency(api.baseUrl)
    const quiet: number[] = []
    for (let i = 0; i < 5; i++) quiet.push(await round())
    const afterQuiet = await persistLatency(api.baseUrl)

    let flooding = true
    const flood = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (flooding) await api.request('POST', '/api/auth/login', { email: member.user.email, password: 'a wrong guess' })
      }),
    )
    const during: number[] = []
    for (let i = 0; i < 10; i++) during.push(await round())
    const afterFlood = await persistLatency(api.baseUrl)
    flooding = false
    await flood

    const p = (xs: number[]) => Math.max(...xs).toFixed(0)
    console.log(`member round (open, sync, write, durable ack), ms: quiet max ${p(quiet)}, during a log-in flood max ${p(during)}`)
    console.log(`durable write latency (colist_persist_latency_seconds): quiet ${describeLatency(atStart, afterQuiet)}; during the log-in flood ${describeLatency(afterQuiet, afterFlood)}`)
    expect(afterFlood.count).toBeGreaterThan(afterQuiet.count)
    expect(Math.max(...during)).toBeLessThan(1000)
  })
})

interface LatencySnapshot {
  /** Cumulative count per bucket upper bound (seconds; Infinity for +Inf). */
  buckets: Map<number, number>
  sum: number
  count: number
}

/** colist_persist_latency_seconds as /metrics shows it now. */
async function persistLatency(baseUrl: string): Promise<LatencySnapshot> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text()
  const buckets = new Map<number, number>()
  for (const [, le, value] of text.matchAll(/^colist_persist_latency_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
    buckets.set(le === '+Inf' ? Infinity : Number(le), Number(value))
  }
  const sum = Number(/^colist_persist_latency_seconds_sum (\S+)/m.exec(text)?.[1] ?? 0)
  const count = Number(/^colist_persist_latency_seconds_count (\S+)/m.exec(text)?.[1] ?? 0)
  return { buckets, sum, count }
}

/** Mean, and the bucket bound under which 99 % of the writes between two snapshots fell. */
function describeLatency(from: LatencySnapshot, to: LatencySnapshot): string {
  const count = to.count - from.count
  if (count === 0) return 'no writes'
  const mean = ((to.sum - from.sum) / count) * 1000
  let p99 = Infinity
  for (const [le, cumulative] of [...to.buckets].sort((a, b) => a[0] - b[0])) {
    if (cumulative - (from.buckets.get(le) ?? 0) >= 0.99 * count) {
      p99 = le
      break
    }
  }
  return `${count} writes, mean ${mean.toFixed(1)} ms, p99 ${p99 === Infinity ? '> 1000' : `≤ ${p99 * 1000}`} ms`
}
