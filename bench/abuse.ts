/**
 * `npm run abuse [-- --seconds=N]` (issue 10): a Colist server carrying
 * normal traffic — lists with two writers each, every update timed from
 * writer to reader — is measured for a while, then three floods start at
 * once and it is measured again:
 *
 * - awareness: a viewer's sockets send 1 MB awareness states under many
 *   clientIDs, renewed continuously, and spam QueryAwareness;
 * - items: an account fills its own list through `POST /items` as fast as
 *   the server answers;
 * - log-in: password guesses for a real account as fast as answered.
 *
 * Reports the normal traffic's propagation p50/p99 and `/healthz`
 * latency before and during, and what the attackers were answered (HTTP
 * statuses, close codes). A report, not a test: it never fails on a
 * figure. Colist only, on 127.0.0.1; every loop stops by itself.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as encoding from 'lib0/encoding'
import { WebSocket } from 'ws'
import type * as Y from 'yjs'
import { WS_PATH_PREFIX } from '../shared/protocol.ts'
import { benchNow, itemsOf, writeItem, writtenAt } from './bench-doc.ts'
import type { BenchConnection } from './clients/connection.ts'
import { yWebsocketConnect } from './clients/y-websocket-client.ts'
import { closeClients, openClients } from './open-clients.ts'
import { summarize, type LatencySummary } from './percentiles.ts'
import { formatNumber } from './report.ts'
import { colistEnv, createLists, signup } from './servers/colist-api.ts'
import { killSpawnedServers, spawnServer, type ServerProcess } from './servers/server-process.ts'
import { sleep } from './waiting.ts'

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, lists: { type: 'string', default: '10' } } })
const SECONDS = Number(args.seconds)
const LISTS = Number(args.lists)
/** Each normal writer writes this often. */
const WRITE_EVERY_MS = 50
const AWARENESS_SOCKETS = 4
const AWARENESS_STATE_BYTES = 1 << 20
const CLIENT_IDS_PER_MESSAGE = 63

interface Phase {
  propagation: LatencySummary
  healthz: LatencySummary
  /** Server CPU seconds per second of the phase (cores). */
  serverCores: number
}

class Tally {
  readonly counts = new Map<string, number>()
  add(key: string | number): void {
    this.counts.set(String(key), (this.counts.get(String(key)) ?? 0) + 1)
  }
  toString(): string {
    return [...this.counts].map(([key, n]) => `${key}: ${n}`).join(', ') || 'none'
  }
}

async function api(base: string, path: string, body: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) })
  return { status: res.status, json: await res.json().catch(() => null) }
}

/**
 * Normal traffic: two writers per list, each writing new items with their
 * write time inside, latency taken at the other writer. Keys are new in each
 * phase: a key written again would be an edit inside the item, which the
 * items map's own observer does not see (the first version of this report
 * counted no samples during the floods for that reason).
 */
function normalTraffic(writers: BenchConnection[], phase: string): { latencies: number[]; stop: () => Promise<void> } {
  const latencies: number[] = []
  let running = true
  const unobserve = [...writers.keys()].map((index) => {
    const peer = writers[index ^ 1]!
    const prefix = `n${index}-${phase}-`
    const observer = (event: Y.YMapEvent<Y.Map<unknown>>, transaction: Y.Transaction) => {
      if (transaction.local) return
      const now = benchNow()
      for (const key of event.keysChanged) {
        if (!key.startsWith(prefix)) continue
        const item = itemsOf(peer.doc).get(key)
        if (item) latencies.push(now - writtenAt(item))
      }
    }
    itemsOf(peer.doc).observe(observer)
    return () => itemsOf(peer.doc).unobserve(observer)
  })
  const loops = writers.map(async (client, index) => {
    for (let seq = 0; running; seq++) {
      writeItem(client.doc, `n${index}-${phase}-${seq}`, index, seq, client.userId)
      await sleep(WRITE_EVERY_MS)
    }
  })
  return {
    latencies,
    stop: async () => {
      running = false
      await Promise.all(loops)
      // Late arrivals still count; then the observers go.
      await sleep(500)
      for (const stop of unobserve) stop()
    },
  }
}

async function probeHealthz(opsUrl: string, until: () => boolean): Promise<number[]> {
  const samples: number[] = []
  while (!until()) {
    const started = performance.now()
    await fetch(`${opsUrl}/healthz`).then((r) => r.arrayBuffer(), () => null)
    samples.push(performance.now() - started)
    await sleep(20)
  }
  return samples
}

async function measure(server: ServerProcess, writers: BenchConnection[], phase: string): Promise<Phase> {
  const traffic = normalTraffic(writers, phase)
  const started = performance.now()
  const cpuBefore = server.stats().cpuSeconds
  const ends = started + SECONDS * 1000
  const healthz = await probeHealthz(server.url, () => performance.now() >= ends)
  const serverCores = (server.stats().cpuSeconds - cpuBefore) / ((performance.now() - started) / 1000)
  await traffic.stop()
  return { propagation: summarize(traffic.latencies), healthz: summarize(healthz), serverCores }
}

/** One awareness update naming `ids` clientIDs, each with a state of `bytes` bytes. */
function awarenessFlood(ids: number[], clock: number, bytes: number): Uint8Array {
  const filler = 'x'.repeat(bytes)
  const inner = encoding.createEncoder()
  encoding.writeVarUint(inner, ids.length)
  for (const id of ids) {
    encoding.writeVarUint(inner, id)
    encoding.writeVarUint(inner, clock)
    encoding.writeVarString(inner, JSON.stringify({ user: { name: 'flood' }, filler }))
  }
  const outer = encoding.createEncoder()
  encoding.writeVarUint(outer, 1) // Awareness
  encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner))
  return encoding.toUint8Array(outer)
}

function startFloods(base: string, wsBase: string, attack: { token: string; listId: string; victimEmail: string; ownList: string }) {
  let running = true
  const closes = new Tally()
  const items = new Tally()
  const logins = new Tally()
  const awareness = Array.from({ length: AWARENESS_SOCKETS }, async (_, s) => {
    for (let attempt = 0; running && attempt < 1000; attempt++) {
      const ws = new WebSocket(`${wsBase}${WS_PATH_PREFIX}/${attack.listId}?token=${attack.token}`)
      ws.on('error', () => {})
      const closed = new Promise<void>((resolve) => ws.once('close', (code) => (closes.add(code), resolve())))
      await new Promise<void>((resolve) => (ws.once('open', () => resolve()), ws.once('close', () => resolve())))
      for (let clock = 1; running && ws.readyState === WebSocket.OPEN; clock++) {
        const ids = Array.from({ length: CLIENT_IDS_PER_MESSAGE }, (_, i) => 1_000_000 + s * 1000 + i)
        ws.send(awarenessFlood(ids, clock, AWARENESS_STATE_BYTES / CLIENT_IDS_PER_MESSAGE))
        ws.send(Uint8Array.of(3)) // QueryAwareness
        await sleep(50)
      }
      ws.close()
      await closed
    }
  })
  const itemFlood = (async () => {
    for (let n = 0; running; n++) {
      const res = await api(base, `/api/lists/${attack.ownList}/items`, { text: `flood ${n}` }, attack.token)
      items.add(res.status)
    }
  })()
  const loginFlood = (async () => {
    for (let n = 0; running; n++) {
      const res = await api(base, '/api/auth/login', { email: attack.victimEmail, password: `guess ${n}` })
      logins.add(res.status)
      if (res.status === 429) await sleep(10)
    }
  })()
  return {
    closes,
    items,
    logins,
    stop: async () => {
      running = false
      await Promise.all([...awareness, itemFlood, loginFlood])
    },
  }
}

function row(name: string, phase: Phase): string {
  const f = (s: LatencySummary) => `${formatNumber(s.p50)} / ${formatNumber(s.p99)} ms (${s.count})`
  return `| ${name} | ${f(phase.propagation)} | ${f(phase.healthz)} | ${formatNumber(phase.serverCores)} |`
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'colist-abuse-'))
  let server: ServerProcess | null = null
  const deadline = setTimeout(() => {
    console.error('abuse: past its deadline; stopping')
    killSpawnedServers()
    process.exit(1)
  }, (SECONDS * 2 + 180) * 1000)
  try {
    // The bench's env raises the per-user join limit (it plays many users as one); here the attacker is its own user, so the default holds.
    const { JOINS_PER_USER_PER_MINUTE: _raised, ...env } = colistEnv(dataDir, true)
    server = await spawnServer({ name: 'colist', script: 'server/main.ts', env })
    const base = server.url
    const wsBase = base.replace(/^http/, 'ws')
    const token = await signup(base)
    const listIds = await createLists(base, token, LISTS)
    const connect = yWebsocketConnect(wsBase + WS_PATH_PREFIX, { token })
    const writers = await openClients(connect, listIds.flatMap((id) => [id, id]))
    // The attacker: an account of its own with one list, and a viewer of one of the normal lists.
    const attackerEmail = `attacker-${Date.now()}@example.test`
    const attacker = ((await api(base, '/api/auth/signup', { email: attackerEmail, password: 'attacker password 1', name: 'Attacker' })).json as { token: string }).token
    const [ownList] = await createLists(base, attacker, 1)
    const victimEmail = `victim-${Date.now()}@example.test`
    await api(base, '/api/auth/signup', { email: victimEmail, password: 'victim password 1', name: 'Victim' })
    // Shared as people do: an invitation, accepted by the attacker.
    const invited = (await api(base, `/api/lists/${listIds[0]}/invitations`, { email: attackerEmail, role: 'viewer' }, token)).json as { token: string }
    await api(base, '/api/invitations/accept', { token: invited.token }, attacker)
    try {
      const before = await measure(server, writers, 'before')
      const floods = startFloods(base, wsBase, { token: attacker, listId: listIds[0]!, victimEmail, ownList: ownList! })
      await sleep(1000)
      const during = await measure(server, writers, 'during')
      await floods.stop()
      console.log(`\nabuse: ${LISTS} lists × 2 writers, one update every ${WRITE_EVERY_MS} ms each; ${SECONDS} s per phase\n`)
      console.log('| phase | normal traffic p50 / p99 (samples) | /healthz p50 / p99 (samples) | server CPU (cores) |')
      console.log('| --- | --- | --- | --- |')
      console.log(row('before the floods', before))
      console.log(row('during the floods', during))
      console.log(`\nawareness flood sockets closed with: ${floods.closes}`)
      console.log(`item flood answered: ${floods.items}`)
      console.log(`log-in flood answered: ${floods.logins}`)
      console.log(`server RSS after: ${formatNumber(server.stats().rssBytes / 2 ** 20)} MiB`)
    } finally {
      closeClients(writers)
    }
  } finally {
    clearTimeout(deadline)
    await server?.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

await main()
