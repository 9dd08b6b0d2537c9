/**
 * Protocol fuzz against a live server: at least 10,000 seeded frames (random
 * bytes, truncated and over-long varints, real updates corrupted, huge
 * declared lengths, awareness for other clients, odd hellos, unknown types,
 * text and oversized frames) plus message floods, from attackers that
 * reconnect whenever the server closes them.
 *
 * Throughout, the server must: answer /healthz; raise no uncaught error; keep
 * its memory bounded; close only the offending sender, with a code that says
 * why; leave the bystander list's stored document exactly as its honest
 * client wrote it, and its presence as that client set it; and keep that
 * client syncing, with durable acks, between every batch.
 *
 * The 10,000 frames run on a list's own socket and again inside a list's
 * channel of a device socket (`/ws/device`), where what closes a list's
 * socket ends the channel (or the device socket, for its own limits).
 *
 * Replay a failure with the seed it prints:
 *   SEED=<n> npx vitest run server/fuzz.integration.test.ts
 * and explore new seeds with FUZZ_EXPLORE=1.
 */
import * as prng from 'lib0/prng'
import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import * as Y from 'yjs'
import { addItem, listItems } from '../shared/list-document.ts'
import { CloseCode, SyncStep } from '../shared/protocol.ts'
import { FuzzAttacker, type Outcome, type ReconnectBudget } from './test-support/fuzz-attacker.ts'
import { Api, TRANSPORTS, connectClient, docUntil, eventUntil, saved, startTestServer, synced, type TestClient, type TestServer, type Transport } from './test-support/harness.ts'
import { MB, settledRetainedBytes } from './test-support/heap-after-gc.ts'
import { collectProcessErrors } from './test-support/process-errors.ts'
import { ALWAYS_ALLOWED_CLOSES, nextFrame, realUpdates, type FuzzContext, type FuzzFrame } from './test-support/protocol-fuzz.ts'
import { writeItems } from './test-support/list-items.ts'
import { docFingerprint, loadStoredDoc } from './test-support/stored-doc.ts'
import { queryAwarenessMessage, syncMessage } from './test-support/wire-messages.ts'

const MAX_MESSAGE_BYTES = 64 * 1024
const RATE_BURST = 500
const SERVER_ENV = {
  MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
  MAX_DOC_BYTES: String(4 * MB),
  // Generous per second so one attacker's frame-and-probe pace never trips it; a small burst so floods do.
  RATE_LIMIT_PER_SECOND: '5000',
  RATE_LIMIT_BURST: String(RATE_BURST),
  // Durability is not under test here; fsync would only slow the honest client's acks.
  FSYNC: 'false',
}
const ATTACKERS = 4
/** Frames between two checks of the bystander list. */
const BATCH = 1000
/** After every this many frames, an attacker also floods. */
const FLOOD_EVERY = 997
const FLOOD_MESSAGES = RATE_BURST * 2
/** A frame the server neither answers nor closes on within this is a hang. */
const FRAME_TIMEOUT_MS = 15_000

let ts: TestServer | null = null
const clients: TestClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await ts?.cleanup()
  ts = null
})

type Flood = { flood: Uint8Array; target: 'bystander' | 'sandbox' }

interface FuzzRun {
  frames: number
  /** Frames each evaluated alone (sent, then answered or closed). */
  evaluated: number
  /** Extra messages sent by floods. */
  flooded: number
  closes: Map<number, number>
  sockets: number
}

/**
 * Runs `frames` frames from `seed` and checks everything the file header
 * promises. Throws (with the frame) at the first frame the server handled
 * wrongly.
 */
async function fuzz(seed: number, frames: number, transport: Transport = 'list'): Promise<FuzzRun> {
  const gen = prng.create(seed)
  ts = await startTestServer(SERVER_ENV)
  const url = ts.server.url
  const api = new Api(url)
  const owner = await api.signup('Owner')
  const attacker = await api.signup('Attacker')
  const bystanderList = (await api.createList(owner.token, 'bystander')).id
  const sandboxList = (await api.createList(owner.token, 'sandbox')).id
  // An editor on both: on the bystander list it could write, had any frame carried an update Yjs accepts.
  await api.share(owner.token, bystanderList, attacker.user.email, 'editor')
  await api.share(owner.token, sandboxList, attacker.user.email, 'editor')

  // The honest client edits and sets a presence; a second one watches both.
  const honest = connectClient(url, bystanderList, owner.token, { transport })
  const observer = connectClient(url, bystanderList, owner.token, { colist: false, transport })
  clients.push(honest, observer)
  await Promise.all([synced(honest.provider), synced(observer.provider)])
  honest.provider.awareness.setLocalStateField('cursor', 'honest cursor')
  const honestPresent = () => observer.provider.awareness.getStates().get(honest.doc.clientID)
  await eventUntil(
    (fire) => {
      observer.provider.awareness.on('change', fire)
      return () => observer.provider.awareness.off('change', fire)
    },
    () => honestPresent()?.cursor === 'honest cursor',
    'the observer sees the honest presence',
  )
  const honestPresence = JSON.stringify(honestPresent())

  // What the bystander list may contain: what storage had, plus the honest client's own edits.
  let written = 0
  const honestEdit = async () => {
    const text = `honest ${written++}`
    addItem(honest.doc, { text, createdBy: owner.user.id })
    // Generous: on a loaded 2-core machine this process runs the server and every client.
    await saved(honest, 20_000)
    await docUntil(observer.doc, () => listItems(observer.doc).items.some((item) => item.text === text), 'the observer gets the honest edit', 20_000)
  }
  await honestEdit()
  const shadow = await loadStoredDoc(ts.server.storage, bystanderList)
  honest.doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== honest.provider) Y.applyUpdate(shadow, update)
  })

  const ctx: FuzzContext = { ...realUpdates(gen, 240), victimIds: [honest.doc.clientID, observer.doc.clientID], maxMessageBytes: MAX_MESSAGE_BYTES }
  const budget: ReconnectBudget = { remaining: frames + 200, opened: 0 }
  const attackers = Array.from({ length: ATTACKERS }, () => new FuzzAttacker(url, { bystander: bystanderList, sandbox: sandboxList }, attacker.token, budget, transport))
  const run: FuzzRun = { frames, evaluated: 0, flooded: 0, closes: new Map(), sockets: 0 }
  const memoryBefore = await settledRetainedBytes()

  try {
    for (let start = 0; start < frames; start += BATCH) {
      // Generated up front, in order, so the seed alone decides every frame whatever the timing.
      const batch: Array<{ index: number; frame: FuzzFrame | Flood }> = []
      for (let index = start; index < Math.min(frames, start + BATCH); index++) {
        batch.push({ index, frame: nextFrame(gen, ctx) })
        if (index % FLOOD_EVERY === FLOOD_EVERY - 1) {
          const flood = prng.oneOf(gen, [queryAwarenessMessage(), syncMessage(SyncStep.Update, Uint8Array.of(0, 0))])
          batch.push({ index, frame: { flood, target: prng.oneOf(gen, ['bystander', 'sandbox'] as const) } })
        }
      }
      // The first wrong answer stops every attacker, so nothing keeps running after the test.
      let failed = false
      await Promise.all(
        attackers.map(async (lane, laneIndex) => {
          for (const { index, frame } of batch.filter((_, i) => i % ATTACKERS === laneIndex)) {
            if (failed) return
            if ('flood' in frame) {
              const code = await lane.flood(frame.target, frame.flood, FLOOD_MESSAGES, FRAME_TIMEOUT_MS)
              run.flooded += FLOOD_MESSAGES
              if (code !== CloseCode.RateLimited.code) throw new Error(`frame ${index}: a flood of ${FLOOD_MESSAGES} closed with ${code}, not ${CloseCode.RateLimited.code}`)
              count(run, code)
              continue
            }
            const outcome = await lane.send(frame, FRAME_TIMEOUT_MS).catch((err: Error) => {
              throw new Error(`frame ${index} (${describeFrame(frame)}): ${err.message}`)
            })
            run.evaluated++
            if (!outcome.survived) count(run, outcome.code)
            const wrong = judge(frame, outcome)
            if (wrong) throw new Error(`frame ${index} (${describeFrame(frame)}): ${wrong}`)
          }
        }).map((lane) => lane.catch((err: unknown) => {
          failed = true
          throw err
        })),
      )

      // Between batches: the server answers, nothing reached the bystander list, its client still syncs.
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
      await honestEdit()
      expect(docFingerprint(await loadStoredDoc(ts.server.storage, bystanderList))).toBe(docFingerprint(shadow))
      expect(JSON.stringify(honestPresent())).toBe(honestPresence)
    }
  } finally {
    for (const lane of attackers) lane.close()
    run.sockets = budget.opened
  }

  // The sandbox took every decodable update thrown at it and still loads, from storage and over a socket.
  const sandboxStored = await loadStoredDoc(ts.server.storage, sandboxList)
  expect(Y.encodeStateVector(sandboxStored).byteLength).toBeGreaterThan(1)
  const sandboxReader = connectClient(url, sandboxList, owner.token, { transport })
  clients.push(sandboxReader)
  await synced(sandboxReader.provider)

  const grown = (await settledRetainedBytes()) - memoryBefore
  console.log(
    `fuzz seed ${seed} on a ${transport} socket: ${run.evaluated} frames evaluated one by one + ${run.flooded} flood messages, over ${run.sockets} attacker sockets; ` +
      `closes by code ${JSON.stringify(Object.fromEntries(run.closes))}; retained memory grew by ${(grown / MB).toFixed(1)} MB`,
  )
  expect(grown).toBeLessThan(32 * MB)
  return run
}

/** Why the outcome breaks the frame's expectation, or null if it doesn't. */
function judge(frame: FuzzFrame, outcome: Outcome): string | null {
  if (outcome.survived) return frame.expect.kind === 'closes' ? `expected a close with ${frame.expect.codes.join('/')}, the connection stayed open` : null
  if (ALWAYS_ALLOWED_CLOSES.includes(outcome.code)) return null
  if (frame.expect.kind === 'survives') return `expected the connection to stay open, it closed with ${outcome.code}`
  return frame.expect.codes.includes(outcome.code) ? null : `expected a close with ${frame.expect.codes.join('/')}, got ${outcome.code}`
}

function count(run: FuzzRun, code: number): void {
  run.closes.set(code, (run.closes.get(code) ?? 0) + 1)
}

function describeFrame(frame: FuzzFrame): string {
  const hex = Buffer.from(frame.bytes.subarray(0, 64)).toString('hex')
  return `${frame.kind} to ${frame.target}${frame.text ? ' as text' : ''}, ${frame.bytes.byteLength} bytes: ${hex}${frame.bytes.byteLength > 64 ? '…' : ''}`
}

describe.each(TRANSPORTS)('protocol fuzz on a %s socket', (transport) => {
  it('10,000 seeded hostile frames and floods: the server stays up and bounded, closes only senders and with the right codes, and the bystander list stays untouched and syncing', async () => {
    // A fixed default keeps CI deterministic; FUZZ_EXPLORE=1 draws a new seed to hunt for new findings.
    const seed = process.env.SEED ? Number(process.env.SEED) : process.env.FUZZ_EXPLORE ? Date.now() % 2 ** 31 : DEFAULT_SEED
    console.log(`fuzz seed ${seed} (replay: SEED=${seed} npx vitest run server/fuzz.integration.test.ts)`)
    onTestFailed(() => {
      console.error(`\nFuzz failed with seed ${seed}. Replay: SEED=${seed} npx vitest run server/fuzz.integration.test.ts\nthen pin it in PINNED_SEEDS below.\n`)
    })
    const errors = collectProcessErrors()
    try {
      const run = await fuzz(seed, 10_000, transport)
      expect(run.evaluated).toBe(10_000)
      expect(run.flooded).toBeGreaterThan(0)
      expect(errors.errors).toEqual([])
    } finally {
      errors.dispose()
    }
  }, 60_000)
})

describe('updates whose dependencies never arrive', () => {
  const MAX_DOC = 512 * 1024
  const ORPHANS = 40
  const ORPHAN_TEXT = 32 * 1024

  /**
   * An update from a fresh client that comes after its own first update,
   * which nobody will ever send: valid items, but at clocks the server cannot
   * integrate yet.
   */
  function orphanUpdate(clientId: number, userId: string): Uint8Array {
    const doc = new Y.Doc()
    doc.clientID = clientId
    doc.getMap('changes').set(String(clientId), 1)
    const first = Y.encodeStateAsUpdate(doc)
    writeItems(doc, userId, Array.from({ length: Math.floor(ORPHAN_TEXT / 2000) }, (_, i) => [`orphan ${clientId} ${i}`, 'x'.repeat(2000)] as const))
    return Y.encodeStateAsUpdate(doc, Y.encodeStateVectorFromUpdate(first))
  }

  it('count toward MAX_DOC_BYTES: past it the sender is refused with 4413, and a new client is sent no more than the limit', async () => {
    ts = await startTestServer({ MAX_DOC_BYTES: String(MAX_DOC), FSYNC: 'false' })
    const api = new Api(ts.server.url)
    const owner = await api.signup()
    const listId = (await api.createList(owner.token)).id
    const honest = connectClient(ts.server.url, listId, owner.token)
    clients.push(honest)
    await synced(honest.provider)

    // Yjs keeps such updates in memory as "pending", waiting for what they build on, and hands
    // them to every client that syncs; they raise no update event, so a size check that counts
    // only what was stored never sees them.
    const closes: number[] = []
    const budget: ReconnectBudget = { remaining: ORPHANS, opened: 0 }
    const attacker = new FuzzAttacker(ts.server.url, { bystander: listId, sandbox: listId }, owner.token, budget)
    try {
      for (let i = 0; i < ORPHANS; i++) {
        const bytes = syncMessage(SyncStep.Update, orphanUpdate(1_000_000 + i, owner.user.id))
        const outcome = await attacker.send({ kind: 'orphan', target: 'sandbox', bytes, expect: { kind: 'either', codes: [] }, answersWithSession: false })
        if (!outcome.survived) closes.push(outcome.code)
      }
    } finally {
      attacker.close()
    }
    addItem(honest.doc, { text: 'after', createdBy: owner.user.id })
    await saved(honest)

    const reader = connectClient(ts.server.url, listId, owner.token)
    clients.push(reader)
    await synced(reader.provider)
    const received = Y.encodeStateAsUpdate(reader.doc).byteLength
    console.log(`pending updates: ${ORPHANS} × ${ORPHAN_TEXT} bytes sent, closes ${JSON.stringify(closes)}; a new client received ${received} bytes (limit ${MAX_DOC})`)
    expect(closes).toContain(CloseCode.DocumentTooBig.code)
    expect(received).toBeLessThanOrEqual(MAX_DOC)
    expect(listItems(reader.doc).items.map((item) => item.text)).toContain('after')
  })
})

/**
 * Seeds that once failed, replayed up to just past the frame that failed. Each names what it found;
 * the minimal reproduction of each is a test of its own below.
 */
const DEFAULT_SEED = 20261122

const PINNED_SEEDS: Array<{ seed: number; frames: number; found: string }> = [
  { seed: 9, frames: 4300, found: 'frame 4197, a valid update, was blamed with 4400 after junk left pending by frame 939' },
]

describe('pinned fuzz seeds', () => {
  for (const { seed, frames, found } of PINNED_SEEDS) {
    it(`seed ${seed} (${found}): ${frames} frames pass every check`, async () => {
      const errors = collectProcessErrors()
      try {
        expect((await fuzz(seed, frames)).evaluated).toBe(frames)
        expect(errors.errors).toEqual([])
      } finally {
        errors.dispose()
      }
    }, 60_000)
  }
})

describe('pinned fuzz findings', () => {
  /**
   * Seed 9, frames 939 and 4197: a corrupt update that decodes, claiming clocks 5+ of client
   * 582781985 with a parent that does not exist, used to wait as pending; when that client's real
   * first edit (clocks 0-4) arrived, Yjs retried the pending structs and threw while integrating
   * them. The write checks now never apply it: its parent is nowhere (`unresolvable`), and since
   * its sender has not sent a sync step 2 yet, the room holds it for that step 2 (which never
   * comes), then drops it with the socket. Nothing is parked in the document, and the victim's edit
   * goes through without even a reconnect.
   */
  const JUNK = '0103a198f29502052701056974656d73057375620d32012700a198f29502050474657874020400a198f29502460f786d7668796b73786d6f726e79647300'
  const CLIENT = 582781985

  it("seed 9: junk on another client's future clocks is never applied nor parked, and that client's edit is stored", async () => {
    ts = await startTestServer({ FSYNC: 'false' })
    const api = new Api(ts.server.url)
    const owner = await api.signup()
    const listId = (await api.createList(owner.token)).id
    const doc = new Y.Doc()
    doc.clientID = CLIENT
    const victim = connectClient(ts.server.url, listId, owner.token, { doc })
    clients.push(victim)
    await synced(victim.provider)

    const budget: ReconnectBudget = { remaining: 2, opened: 0 }
    const attacker = new FuzzAttacker(ts.server.url, { bystander: listId, sandbox: listId }, owner.token, budget)
    const junk = await attacker.send({ kind: 'pinned', target: 'sandbox', bytes: syncMessage(SyncStep.Update, Uint8Array.from(Buffer.from(JUNK, 'hex'))), expect: { kind: 'either', codes: [] }, answersWithSession: false })
    attacker.close()
    // Held for a sync step 2 that never comes, or refused as unresolvable (retryable): never applied.
    expect(junk.survived || junk.code === CloseCode.WriteUnresolvable.code).toBe(true)
    const room = await ts.server.rooms.withRoom(listId, (r) => r)
    expect(room.doc.store.pendingStructs).toBeNull()
    expect(Y.getState(room.doc.store, CLIENT)).toBe(0)

    const closes: number[] = []
    victim.provider.on('connection-close', (event: CloseEvent | null) => event && closes.push(event.code))
    addItem(victim.doc, { text: 'hello', createdBy: owner.user.id })
    await saved(victim, 10_000)
    const reader = connectClient(ts.server.url, listId, owner.token)
    clients.push(reader)
    await synced(reader.provider)
    expect(listItems(reader.doc).items.map((item) => item.text)).toEqual(['hello'])
    expect(closes).toEqual([])
  })
})
