/**
 * Faults a production server meets: kill -9 while several clients on several
 * lists are writing, a restart under a thousand connected clients, a client
 * that vanishes in the middle of its initial sync, and one that stops reading
 * while others write a lot. In each, nothing acknowledged is lost, the server
 * keeps answering, and well-behaved clients don't notice the misbehaving ones.
 */
import { rm } from 'node:fs/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '../shared/protocol.ts'
import { Api, connectClient, eventUntil, saved, spawnServer, startTestServer, synced, tempDir, type ServerProcess, type TestClient, type TestServer } from './test-support/harness.ts'
import { ownLatencyMs, startHealthProber, type HealthProber } from './test-support/health-prober.ts'
import { MB, retainedBytes, settledRetainedBytes } from './test-support/heap-after-gc.ts'
import { freePort } from './test-support/free-port.ts'
import { pollUntil } from './test-support/poll-until.ts'
import { collectProcessErrors } from './test-support/process-errors.ts'
import { openTcpListSocket } from './test-support/raw-list-socket.ts'
import { itemTextOf, randomText, replaceTexts, writeItems } from './test-support/list-items.ts'
import { loadStoredDoc, withDataDirStorage } from './test-support/stored-doc.ts'
import { ENTRIES, TrackedWriter, entryKeys } from './test-support/tracked-writer.ts'
import { syncMessage } from './test-support/wire-messages.ts'

let server: ServerProcess | null = null
let inProcess: TestServer | null = null
let prober: HealthProber | null = null
let dataDir = ''
const clients: TestClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await prober?.stop()
  prober = null
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL')
    await server.exited
  }
  server = null
  await inProcess?.cleanup()
  inProcess = null
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
  dataDir = ''
})

function track(client: TestClient): TestClient {
  clients.push(client)
  return client
}

describe('kill -9 mid-burst', () => {
  const LISTS = 3
  const WRITERS_PER_LIST = 3
  /** Every writer must have this many acknowledged entries before the kill… */
  const KILL_AFTER_ACKS = 40
  /** …and writers stop here if the kill never comes. */
  const MAX_ENTRIES_PER_WRITER = 2000

  /** Compacting every few appends puts the kill inside or right next to a compaction most of the time. */
  const COMPACT_LOG_ENTRIES = '8'

  it('with 3 writers on each of 3 lists compacting every few appends: every acknowledged entry is on disk, all clients reconnect by themselves and converge', async () => {
    dataDir = await tempDir()
    server = await spawnServer(dataDir, { COMPACT_LOG_ENTRIES })
    const port = server.port
    const api = new Api(server.url)
    const users = [await api.signup('Owner'), await api.signup('Ann'), await api.signup('Bob')]
    const [owner] = users
    const writers: Array<TrackedWriter & { listId: string }> = []
    for (let l = 0; l < LISTS; l++) {
      const list = await api.createList(owner!.token, `list ${l}`)
      for (const user of users.slice(1)) await api.share(owner!.token, list.id, user.user.email, 'editor')
      for (const user of users.slice(0, WRITERS_PER_LIST)) {
        const client = track(connectClient(server.url, list.id, user.token))
        writers.push(Object.assign(new TrackedWriter(client, `${l}/${user.user.name}`, user.user.id), { listId: list.id }))
      }
    }
    await Promise.all(writers.map((w) => synced(w.client.provider)))

    // The kill lands as soon as every writer has KILL_AFTER_ACKS durable entries, while all keep writing.
    let killed = false
    const allAcked = () => writers.every((w) => w.acknowledged().length >= KILL_AFTER_ACKS)
    const killedWhenAllAcked = eventUntil(
      (fire) => {
        for (const w of writers) w.client.server.on('change', fire)
        return () => writers.forEach((w) => w.client.server.off('change', fire))
      },
      allAcked,
      `every writer has ${KILL_AFTER_ACKS} acknowledged entries`,
      20_000,
    ).then(() => {
      // One more entry each, sent in the same turn as the kill: whatever the acks caught up with,
      // the kill always lands with writes in flight (group commit can acknowledge a burst quickly).
      for (const w of writers) w.write()
      server!.child.kill('SIGKILL')
      killed = true
    })
    await new Promise<void>((resolve) => {
      const step = () => {
        if (killed || writers[0]!.written.length >= MAX_ENTRIES_PER_WRITER) return resolve()
        for (const w of writers) for (let i = 0; i < 3; i++) w.write()
        setTimeout(step, 2)
      }
      step()
    })
    await killedWhenAllAcked
    await server.exited
    const acked = new Map(writers.map((w) => [w, w.acknowledged()]))
    const inFlight = writers.reduce((sum, w) => sum + w.written.length - acked.get(w)!.length, 0)
    console.log(`kill -9: ${writers.reduce((sum, w) => sum + w.written.length, 0)} entries written, ${inFlight} not yet acknowledged`)
    // The kill really landed mid-burst: some writes were in flight.
    expect(inFlight).toBeGreaterThan(0)

    // Straight from the disk, before any client can re-send anything: nothing acknowledged is missing.
    const { lost, snapshotSeqs } = await withDataDirStorage(dataDir, async (store) => {
      const missing: string[] = []
      for (const w of writers) {
        const onDisk = entryKeys(await loadStoredDoc(store, w.listId))
        missing.push(...acked.get(w)!.filter((key) => !onDisk.has(key)))
      }
      const lists = [...new Set(writers.map((w) => w.listId))]
      return { lost: missing, snapshotSeqs: await Promise.all(lists.map(async (id) => (await store.loadDoc(id)).snapshotSeq)) }
    })
    expect(lost).toEqual([])
    // Every list had been compacted before the kill, so the kill hit logs that were being folded.
    expect(snapshotSeqs.every((seq) => seq > 0)).toBe(true)

    // Users keep editing while the server is down.
    for (const w of writers) w.write('written while down')

    // Same port, same data: the clients find the server again on their own.
    server = await spawnServer(dataDir, { PORT: String(port), COMPACT_LOG_ENTRIES })
    await Promise.all(writers.map((w) => saved(w.client, 15_000)))
    for (let l = 0; l < LISTS; l++) {
      const onList = writers.filter((w) => w.listId === writers[l * WRITERS_PER_LIST]!.listId)
      const everything = onList.flatMap((w) => w.written)
      const reader = track(connectClient(server.url, onList[0]!.listId, owner!.token))
      await synced(reader.provider)
      const readerEntries = reader.doc.getMap(ENTRIES)
      await eventUntil(
        (fire) => {
          reader.doc.on('update', fire)
          return () => reader.doc.off('update', fire)
        },
        () => everything.every((key) => readerEntries.has(key)),
        `list ${l} reader has all ${everything.length} entries`,
        15_000,
      )
      for (const w of onList) {
        await eventUntil(
          (fire) => {
            w.client.doc.on('update', fire)
            return () => w.client.doc.off('update', fire)
          },
          () => w.client.doc.getMap(ENTRIES).size === readerEntries.size,
          `writer ${w.prefix} converged`,
          15_000,
        )
        expect(w.client.doc.getMap(ENTRIES).toJSON()).toEqual(readerEntries.toJSON())
      }
    }
  }, 60_000)
})

describe('a restart under 1,000 connected clients on 50 lists', () => {
  const LISTS = 50
  const CLIENTS_PER_LIST = 20
  /** The capped restart admits this many of the 1,000. */
  const CAP = 700
  /** y-websocket's own default: the backoff a real unmodified client uses. */
  const REAL_MAX_BACKOFF_MS = 2500
  /**
   * Asserted on the latency the server is responsible for (ownLatencyMs: its main thread's own
   * running time while the probe waited, not time other processes held the CPU). This machine
   * has 2 cores shared with other test runs at load averages up to 15, which alone can stall any
   * process for hundreds of ms; the raw wall-clock maximum is printed beside it. The budget is a
   * quarter of the 1 s a load balancer's health check waits by default (Kubernetes'
   * timeoutSeconds): alone the storm holds it 22–47 ms; in CI, on two cores shared with the
   * thousand clients' process, one run measured 152 ms of the server's own time — one poll
   * phase accepting a few hundred handshakes. A server that took the storm in one go (seconds)
   * fails it.
   */
  const HEALTHZ_BUDGET_MS = 250

  interface FleetClient {
    client: TestClient
    /** Epoch ms of the last completed sync. */
    syncedAt: number
    /** How often the server refused it with 4503. */
    refusedBusy: number
  }

  let storm: { server: ServerProcess; dataDir: string; opsPort: number; prober?: HealthProber; fleet: FleetClient[] }
  /** Clients synced right now, and the most there ever were at once. */
  let syncedNow = 0
  let maxSyncedAtOnce = 0

  beforeAll(async () => {
    // Every y-websocket provider registers a process 'exit' listener.
    process.setMaxListeners(LISTS * CLIENTS_PER_LIST + 50)
    const dir = await tempDir()
    // Probes go to the ops listener (OPS_PORT), as a load balancer's should; the main port is probed too, for comparison.
    const opsPort = await freePort()
    const first = await spawnServer(dir, { OPS_PORT: String(opsPort) })
    // Assigned at once, so afterAll cleans up even if the fleet never fully connects.
    const fleet: FleetClient[] = []
    storm = { server: first, dataDir: dir, opsPort, fleet }
    const api = new Api(first.url)
    const owner = await api.signup('Owner')
    const connecting = Date.now()
    for (let l = 0; l < LISTS; l++) {
      const list = await api.createList(owner.token, `list ${l}`)
      for (let c = 0; c < CLIENTS_PER_LIST; c++) {
        const member: FleetClient = {
          // Plain y-websocket clients with their real backoff: no Hello, nothing Colist-specific.
          client: connectClient(first.url, list.id, owner.token, { colist: false, maxBackoffTime: REAL_MAX_BACKOFF_MS }),
          syncedAt: 0,
          refusedBusy: 0,
        }
        member.client.provider.on('sync', (isSynced: boolean) => {
          syncedNow += isSynced ? 1 : -1
          maxSyncedAtOnce = Math.max(maxSyncedAtOnce, syncedNow)
          if (isSynced) member.syncedAt = Date.now()
        })
        member.client.provider.on('connection-close', (event: CloseEvent | null) => {
          if (event?.code === CloseCode.ServerBusy.code) member.refusedBusy++
        })
        fleet.push(member)
      }
    }
    await allSynced(fleet, 30_000)
    console.log(`fleet: ${fleet.length} clients connected and synced in ${Date.now() - connecting} ms`)
    storm.prober = await startHealthProber({ ops: `http://127.0.0.1:${opsPort}`, main: first.url }, first.child.pid!)
  }, 60_000)

  afterAll(async () => {
    for (const member of storm?.fleet ?? []) member.client.destroy()
    await storm?.prober?.stop()
    if (storm && storm.server.child.exitCode === null && storm.server.child.signalCode === null) {
      storm.server.child.kill('SIGKILL')
      await storm.server.exited
    }
    if (storm) await rm(storm.dataDir, { recursive: true, force: true })
    process.setMaxListeners(10)
  })

  function allSynced(fleet: FleetClient[], timeoutMs: number): Promise<void> {
    return Promise.all(
      fleet.map((member) =>
        eventUntil(
          (fire) => {
            member.client.provider.on('sync', fire)
            return () => member.client.provider.off('sync', fire)
          },
          () => member.client.provider.synced,
          'every client synced',
          timeoutMs,
        ),
      ),
    ).then(() => {})
  }

  /** SIGTERM (clients get the retryable 4512 all at once), then a new server on the same port and data. */
  async function restart(env: Record<string, string> = {}): Promise<number> {
    const port = storm.server.port
    storm.server.child.kill('SIGTERM')
    expect(await storm.server.exited).toBe(0)
    // Every client has seen its socket close, so counting from here measures only the new server.
    await pollUntil(() => syncedNow === 0, 'every client saw the old server go')
    maxSyncedAtOnce = 0
    storm.server = await spawnServer(storm.dataDir, { PORT: String(port), OPS_PORT: String(storm.opsPort), ...env })
    storm.prober!.probing(storm.server.child.pid!)
    return Date.now()
  }

  interface Health {
    samples: number
    failures: string[]
    maxMs: number
    /** The worst latency not explained by other processes holding the CPU (see ownLatencyMs). */
    maxOwnMs: number
  }

  /** /healthz on the ops listener and on the main port, from `from` until now. */
  async function healthDuring(from: number): Promise<{ ops: Health; main: Health }> {
    // At least one probe of each sent after the storm, so the window is closed on both ends.
    await storm.prober!.answeredSince(Date.now())
    const pid = storm.server.child.pid
    const of = (target: string): Health => {
      const samples = storm.prober!.between(target, from, Date.now()).filter((s) => s.pid === pid)
      const answered = samples.filter((s) => !s.error)
      return {
        samples: samples.length,
        failures: samples.filter((s) => s.error).map((s) => `${s.error} after ${s.ms} ms`),
        maxMs: Math.max(...answered.map((s) => s.ms)),
        maxOwnMs: Math.max(...answered.map(ownLatencyMs)),
      }
    }
    return { ops: of('ops'), main: of('main') }
  }

  function describeHealth({ ops, main }: { ops: Health; main: Health }): string {
    const one = (h: Health) => `${h.samples} probes, max ${h.maxMs} ms (${Math.round(h.maxOwnMs)} ms of the server's own)`
    return `/healthz on OPS_PORT: ${one(ops)}; on the main port: ${one(main)}`
  }

  it(`all 1,000 reconnect on their own, and /healthz on OPS_PORT answers within ${HEALTHZ_BUDGET_MS} ms throughout the reconnect storm`, async () => {
    const upAt = await restart()
    await allSynced(storm.fleet, 30_000)
    const health = await healthDuring(upAt)

    // What actually happens: y-websocket's backoff has no jitter, so every client retries on the same
    // schedule; the spread below is the server working through them, about one accept per event-loop turn.
    const delays = storm.fleet.map((m) => m.syncedAt - upAt).sort((a, b) => a - b)
    const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!
    let busiest = 0
    for (let i = 0, j = 0; i < delays.length; i++) {
      while (delays[i]! - delays[j]! > 100) j++
      busiest = Math.max(busiest, i - j + 1)
    }
    console.log(
      `reconnect storm: synced again ${delays[0]}–${at(1)} ms after the server was up (median ${at(0.5)}, p90 ${at(0.9)}); ` +
        `busiest 100 ms held ${busiest} of ${delays.length}; ${describeHealth(health)}`,
    )
    expect(health.ops.failures).toEqual([])
    expect(health.ops.samples).toBeGreaterThanOrEqual(5)
    expect(health.ops.maxOwnMs).toBeLessThan(HEALTHZ_BUDGET_MS)
  }, 60_000)

  it(`capped at ${CAP}: the excess is refused with retryable 4503 and keeps retrying, the cap holds, /healthz on OPS_PORT stays under ${HEALTHZ_BUDGET_MS} ms, and everyone gets in once capacity frees`, async () => {
    const upAt = await restart({ MAX_CONNECTIONS: String(CAP) })
    // Settled: the server is full, and every client is either in or has been turned away at least twice (so it is retrying).
    await pollUntil(
      () => syncedNow >= CAP && storm.fleet.every((m) => m.client.provider.synced || m.refusedBusy >= 2),
      `${CAP} clients synced and every other one refused twice`,
      { timeoutMs: 30_000, intervalMs: 50 },
    )
    const refused = storm.fleet.filter((m) => !m.client.provider.synced)
    const health = await healthDuring(upAt)
    console.log(
      `capped restart: ${storm.fleet.length - refused.length} admitted, ${refused.length} refused with 4503 (max ${Math.max(...refused.map((m) => m.refusedBusy))} refusals each); ` +
        `at most ${maxSyncedAtOnce} synced at once; ${describeHealth(health)}`,
    )
    expect(CloseCode.ServerBusy.retryable).toBe(true)
    expect(maxSyncedAtOnce).toBeLessThanOrEqual(CAP)
    expect(refused.length).toBe(storm.fleet.length - CAP)
    expect(health.ops.failures).toEqual([])
    expect(health.ops.maxOwnMs).toBeLessThan(HEALTHZ_BUDGET_MS)

    // Half the admitted users leave; the refused ones get in on their own next retry.
    const leaving = storm.fleet.filter((m) => m.client.provider.synced).slice(0, (CAP / 2) | 0)
    for (const member of leaving) member.client.destroy()
    storm.fleet = storm.fleet.filter((m) => !leaving.includes(m))
    await allSynced(storm.fleet, 30_000)
    expect(maxSyncedAtOnce).toBeLessThanOrEqual(CAP)
  }, 60_000)
})

/** A connection gauge read straight from the in-process server's metrics. */
async function openSockets(ts: TestServer): Promise<number> {
  return (await ts.server.metrics.connections.get()).values[0]?.value ?? 0
}

/** Item texts are at most this long; big content is many items. */
const TEXT_LENGTH = 2000

describe('a client dropped in the middle of its initial sync', () => {
  const DOC_BYTES = 4 * MB
  const ROUNDS = 12

  it('leaves no socket or memory behind, and the list keeps syncing for everyone else', async () => {
    const errors = collectProcessErrors()
    try {
      inProcess = await startTestServer()
      const url = inProcess.server.url
      const api = new Api(url)
      const owner = await api.signup()
      const listId = (await api.createList(owner.token)).id
      const writer = track(connectClient(url, listId, owner.token))
      await synced(writer.provider)
      // A big list, so the sync reply is megabytes and still in flight when the client vanishes.
      const big = Array.from({ length: Math.ceil(DOC_BYTES / TEXT_LENGTH) }, (_, i) => [`big ${i}`, randomText(TEXT_LENGTH)] as const)
      writeItems(writer.doc, owner.user.id, big)
      await saved(writer, 15_000)
      const before = await settledRetainedBytes()

      const askForEverything = syncMessage(0, Y.encodeStateVector(new Y.Doc()))
      for (let round = 0; round < ROUNDS; round++) {
        const dropped = await openTcpListSocket(url, listId, owner.token)
        dropped.sendBinary(askForEverything)
        // Even rounds: gone before the server could answer. Odd rounds: gone with most of the reply unread.
        if (round % 2 === 1) await dropped.receivedAtLeast(64 * 1024)
        dropped.socket.destroy()
      }
      await pollUntil(async () => (await openSockets(inProcess!)) === 1, 'the server to let go of every dropped socket')

      // Nothing of the replies is kept: 12 of them would be 48 MB.
      const grown = (await settledRetainedBytes()) - before
      console.log(`dropped mid-sync: ${ROUNDS} clients, retained memory grew by ${(grown / MB).toFixed(1)} MB`)
      expect(grown).toBeLessThan(DOC_BYTES * 2)

      writeItems(writer.doc, owner.user.id, [['after', 'still syncing']])
      await saved(writer)
      const reader = track(connectClient(url, listId, owner.token))
      await synced(reader.provider)
      expect(itemTextOf(reader.doc, 'after')).toBe('still syncing')
      expect(big.every(([id, text]) => itemTextOf(reader.doc, id) === text)).toBe(true)
      expect(errors.errors).toEqual([])
    } finally {
      errors.dispose()
    }
  }, 60_000)
})

describe('a client that stops reading while others write', () => {
  const MAX_BUFFERED = MB
  const WRITERS = 3
  const ROUNDS = 100
  const VALUE_BYTES = 64 * 1024

  it('is dropped once MAX_BUFFERED_BYTES is queued, the server holds no more for it, and the others keep converging with acks', async () => {
    const errors = collectProcessErrors()
    try {
      // No fsync: durability is not what this test is about, and 300 acknowledged writes stay quick.
      inProcess = await startTestServer({ MAX_BUFFERED_BYTES: String(MAX_BUFFERED), FSYNC: 'false' })
      const url = inProcess.server.url
      const api = new Api(url)
      const owner = await api.signup()
      // Each writer's value is the texts of its own items, VALUE_BYTES in all (an item's text holds
      // at most TEXT_LENGTH characters). Replacing a text leaves a tombstone in every copy of the
      // list, this process's clients' and the server's alike, so memory is compared with a run of
      // the same writes on another list without a stalled client.
      const itemIds = (writer: number) => Array.from({ length: Math.floor(VALUE_BYTES / TEXT_LENGTH) }, (_, k) => `w${writer} ${k}`)
      const value = (doc: Y.Doc, writer: number) => itemIds(writer).map((id) => itemTextOf(doc, id) ?? '')

      const run = async (withStalledClient: boolean) => {
        const sockets = await openSockets(inProcess!)
        const listId = (await api.createList(owner.token)).id
        const writers = Array.from({ length: WRITERS }, () => track(connectClient(url, listId, owner.token)))
        const reader = track(connectClient(url, listId, owner.token))
        await Promise.all([...writers, reader].map((c) => synced(c.provider)))
        for (const [i, writer] of writers.entries()) writeItems(writer.doc, owner.user.id, itemIds(i).map((id) => [id, ''] as const))
        await Promise.all(writers.map((w) => saved(w, 15_000)))

        const stalled = withStalledClient ? await openTcpListSocket(url, listId, owner.token, { paused: true }) : null
        const joined = sockets + WRITERS + 1 + (stalled ? 1 : 0)
        await pollUntil(async () => (await openSockets(inProcess!)) === joined, 'every client to join')
        const before = await settledRetainedBytes()
        let peak = 0

        // Every round each writer replaces its value: the relayed bytes add up.
        for (let round = 0; round < ROUNDS; round++) {
          for (const [i, writer] of writers.entries()) replaceTexts(writer.doc, itemIds(i).map((id) => [id, randomText(TEXT_LENGTH)] as const))
          await Promise.all(writers.map((w) => saved(w, 15_000)))
          if (round % 20 === 19) peak = Math.max(peak, (await retainedBytes()) - before)
        }
        if (stalled) await pollUntil(async () => (await openSockets(inProcess!)) === joined - 1, 'the server to drop the stalled client')

        // The others converged on the last values.
        for (const [i, writer] of writers.entries()) {
          const last = JSON.stringify(value(writer.doc, i))
          await eventUntil(
            (fire) => {
              reader.doc.on('update', fire)
              return () => reader.doc.off('update', fire)
            },
            () => JSON.stringify(value(reader.doc, i)) === last,
            `reader has writer ${i}'s last value`,
          )
        }
        const after = (await settledRetainedBytes()) - before
        return { peak, after, stalled }
      }

      const control = await run(false)
      const { peak, after, stalled } = await run(true)
      const relayed = ROUNDS * WRITERS * VALUE_BYTES
      // Reading again, the stalled client finds the connection ended after what the kernel buffers held.
      const received = await stalled!.readToEnd()
      console.log(
        `stalled client: dropped after receiving ${(received / MB).toFixed(1)} of ${(relayed / MB).toFixed(1)} MB relayed; ` +
          `memory grew by at most ${(peak / MB).toFixed(1)} MB while writing, ${(after / MB).toFixed(1)} MB after ` +
          `(the same writes without a stalled client: ${(control.peak / MB).toFixed(1)} and ${(control.after / MB).toFixed(1)} MB)`,
      )
      expect(received).toBeLessThan(relayed / 2)
      // Without the limit the server holds everything the kernel could not take: 15 MB by the end
      // here (measured with MAX_BUFFERED_BYTES=1e9); with it, about what a run without the stalled client holds.
      expect(peak - control.peak).toBeLessThan(MAX_BUFFERED * 4)
      expect(after - control.after).toBeLessThan(MAX_BUFFERED * 2)
      expect(errors.errors).toEqual([])
    } finally {
      errors.dispose()
    }
  }, 60_000)
})
