/** Colist's HTTP API as the bench uses it: one user, many lists, and the env a bench server runs with. */
import { join } from 'node:path'

/** Lists created at once during setup; creation fsyncs, so a little parallelism helps. */
const CREATE_CONCURRENCY = 8

/** Colist's defaults, except that it listens on loopback only and serves no web client. */
export function colistEnv(dataDir: string, fsync: boolean): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    FSYNC: String(fsync),
    CLIENT_DIR: join(dataDir, 'no-client'),
    // The bench plays many users as one: it creates up to 200 lists in seconds (LISTS_PER_MINUTE is
    // 30), owns more than 500 lists (MAX_LISTS_PER_USER is 500), opens 5,000 sockets
    // (MAX_SOCKETS_PER_USER is 200) and 20 devices on one sign-in (MAX_DEVICE_SOCKETS_PER_SESSION
    // is 16). Those per-user quotas are raised; every other limit is the default.
    LISTS_PER_MINUTE: '1000',
    MAX_LISTS_PER_USER: '100000',
    MAX_SOCKETS_PER_USER: '100000',
    JOINS_PER_USER_PER_MINUTE: '1000000',
    MAX_DEVICE_SOCKETS_PER_SESSION: '1000',
  }
}

async function postJson(url: string, body: unknown, token?: string): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) })
  if (res.status !== 201) throw new Error(`POST ${url} failed: ${res.status} ${await res.text()}`)
  return res.json()
}

/** Signs up a fresh bench user; returns its token. */
export async function signup(baseUrl: string): Promise<string> {
  const email = `bench-${process.pid}-${Date.now()}@example.test`
  const body = (await postJson(`${baseUrl}/api/auth/signup`, { email, password: 'bench password 1', name: 'Bench' })) as { token: string }
  return body.token
}

export async function createLists(baseUrl: string, token: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => '')
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      const body = (await postJson(`${baseUrl}/api/lists`, { title: `bench ${index}` }, token)) as { id: string }
      ids[index] = body.id
    }
  }
  await Promise.all(Array.from({ length: Math.min(CREATE_CONCURRENCY, count) }, worker))
  return ids
}
