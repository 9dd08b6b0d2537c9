/**
 * Seeded, replayable fuzz of the room (server/test-support/room-fuzz/run.ts
 * says what a run does and checks): honest y-websocket clients on in-memory
 * sockets with seeded delivery order, offline periods, reconnects, role
 * changes, slow and failing storage, room reloads, and a hostile editor.
 *
 *   npx vitest run server/room.fuzz.test.ts                  the default seeds (CI)
 *   FUZZ_SEED=<n> npx vitest run server/room.fuzz.test.ts    replays one seed
 *   FUZZ_EXPLORE=1 npx vitest run server/room.fuzz.test.ts   fresh seeds, printed
 *
 * FUZZ_STEPS=<n> changes the steps per run, FUZZ_RUNS=<n> how many fresh
 * seeds FUZZ_EXPLORE tries, FUZZ_VERBOSE=1 prints every step, FUZZ_AVOID
 * which open findings runs steer around (see AVOID). Pin every seed that
 * ever failed in PINNED_SEEDS, saying what it found. A pinned seed replays
 * what it found only as long as the generator draws the same numbers:
 * re-pin (and say so) when a change to the fuzz moves it.
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { addItem, getItem, setChecked } from '../shared/list-document.ts'
import { CloseCode, SyncStep, encodeSyncMessage, isRetryableClose } from '../shared/protocol.ts'
import { pino } from 'pino'
import { clocksAhead } from '../shared/clocks.ts'
import { DurableWriter, docFromStored } from './durable-writer.ts'
import { Metrics } from './metrics.ts'
import { FaultyDocumentStore } from './storage/faulty-document-store.ts'
import { MemoryStorage } from './storage/memory-storage.ts'
import { ATTACKS } from './test-support/room-fuzz/attacks.ts'
import { probeSemantics } from './test-support/room-fuzz/list-oracle.ts'
import { RoomHost, Wire } from './test-support/room-fuzz/room-host.ts'
import type { OpenFinding } from './test-support/room-fuzz/findings.ts'
import { probeAttacks, runRoomFuzz, type RoomFuzzOptions } from './test-support/room-fuzz/run.ts'

// Item and category ids come from lib0's uuidv4; seeded ones make a replay name them alike.
vi.mock('lib0/random', async (importOriginal) => {
  const actual = await importOriginal<typeof import('lib0/random')>()
  const { seededUuid } = await import('./test-support/room-fuzz/ids.ts')
  return { ...actual, uuidv4: seededUuid }
})

const STEPS = Number(process.env.FUZZ_STEPS ?? 400)
/** Fixed, so CI is deterministic; together they run in a few seconds. */
const DEFAULT_SEEDS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]

/**
 * Seeds that once failed, replayed with the steps and the workarounds (AVOID)
 * they failed with, each with what it found. `open` while the bug is not
 * fixed: the seed is expected to fail (see 'room fuzz findings' below for the
 * reduced test); drop `open` with the fix.
 *
 * Found earlier, by generators that no longer draw the same runs: seed 1
 * (the promotion gap) and seed 833025645 (the failed room kept loaded), both
 * at commit 18eecbe; re-pinned below.
 */
const PINNED_SEEDS: Array<{ seed: number; steps: number; avoid: OpenFinding[]; found: string; open?: boolean }> = [
  {
    seed: 833694650,
    steps: 300,
    avoid: ['failed-room-joins'],
    found: 'an editor promoted from viewer mid-connection: its next edits stay parked in the room, neither applied nor refused',
    open: true,
  },
  {
    seed: 833549423,
    steps: 300,
    avoid: ['promotion-gap'],
    found: 'a reader that joined the room after its append failed keeps the failed room loaded; writers are refused with 4500 at every reconnect',
    open: true,
  },
]

const semantics = probeSemantics()
const outcomes = await probeAttacks(ATTACKS)
/** Attacks the server refuses today; the others wait for the write checks (and are reported, not run). */
const refused = ATTACKS.filter((attack) => {
  const outcome = outcomes.get(attack)
  return outcome?.kind === 'refused' && outcome.expected && !outcome.applied
})
if (refused.length < ATTACKS.length) {
  const waiting = ATTACKS.filter((attack) => !refused.includes(attack)).map((attack) => `${attack.name} (${JSON.stringify(outcomes.get(attack))})`)
  console.info(`room fuzz: ${waiting.length} of ${ATTACKS.length} attacks are not refused by the server yet, so runs leave them out: ${waiting.join('; ')}`)
}

/**
 * Open findings (test-support/room-fuzz/findings.ts) the default and explored
 * runs steer around, each with a reduced test below and a pinned seed that
 * shows it; remove one with its fix. The last three only exist once the room
 * enforces the write checks (some attack is refused), so they are steered
 * around from then on.
 */
const checksEnforced = refused.length > 0
const OPEN: readonly OpenFinding[] = ['promotion-gap', 'failed-room-joins', ...(checksEnforced ? (['relayed-loss-resend', 'early-update', 'item-key-deletion-code'] as const) : [])]
/** FUZZ_AVOID overrides it: a comma-separated list, or empty to steer around nothing. */
const AVOID: ReadonlySet<OpenFinding> = new Set(
  process.env.FUZZ_AVOID === undefined ? OPEN : (process.env.FUZZ_AVOID.split(',').filter(Boolean) as OpenFinding[]),
)

function options(seed: number, steps = STEPS, avoid = AVOID): RoomFuzzOptions {
  return { seed, steps, attacks: refused, semantics, avoid, verbose: process.env.FUZZ_VERBOSE === '1' }
}

async function run(seed: number, steps = STEPS, avoid = AVOID): Promise<void> {
  const summary = await runRoomFuzz(options(seed, steps, avoid))
  expect(summary.edits).toBeGreaterThan(0)
}

describe('room fuzz', () => {
  if (process.env.FUZZ_SEED) {
    const seed = Number(process.env.FUZZ_SEED)
    it(`replays seed ${seed}`, async () => {
      const summary = await runRoomFuzz(options(seed))
      console.log(JSON.stringify(summary))
    })
    return
  }
  if (process.env.FUZZ_EXPLORE) {
    const runs = Number(process.env.FUZZ_RUNS ?? 20)
    const first = Date.now() % 2 ** 31
    for (let i = 0; i < runs; i++) {
      const seed = (first + i * 7919) % 2 ** 31
      it(`fresh seed ${seed}`, async () => {
        console.log(`room fuzz: seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run server/room.fuzz.test.ts)`)
        await run(seed)
      })
    }
    return
  }
  for (const seed of DEFAULT_SEEDS) it(`seed ${seed}: ${STEPS} steps, then every replica, the room and storage agree and nothing honest is lost`, () => run(seed))
  for (const { seed, steps, avoid, found, open } of PINNED_SEEDS) (open ? it.fails : it)(`pinned seed ${seed} (${found})`, () => run(seed, steps, new Set(avoid)))
})

describe('hostile writes the fuzz makes', () => {
  for (const attack of ATTACKS) {
    it(`${attack.name}: refused whole with its rule's code (${attack.rules.join(' / ')})`, (ctx) => {
      const outcome = outcomes.get(attack)!
      if (!refused.includes(attack)) {
        ctx.annotate(`not refused yet: ${JSON.stringify(outcome)}`)
        ctx.skip()
      }
      expect(outcome).toMatchObject({ kind: 'refused', expected: true, applied: false })
    })
  }
})

/**
 * Bugs the fuzz found, each reduced to its smallest form. `it.fails` while
 * the bug is open (the test states the behaviour we want and fails today);
 * turn it into `it` with the fix.
 */
describe('room fuzz findings', () => {
  const settle = () => new Promise((resolve) => setImmediate(resolve))
  const host = (store = new FaultyDocumentStore(new MemoryStorage())) =>
    new RoomHost({ listId: 'list', store, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 }, maxDocBytes: 1 << 20 })
  /** A client doc whose every update is queued on `wire()` as y-websocket sends it. */
  const writer = (wire: () => Wire) => {
    const doc = new Y.Doc()
    doc.on('update', (update: Uint8Array) => wire().toRoom.push(encodeSyncMessage(SyncStep.Update, update)))
    return doc
  }

  it.fails('seed 833549423: a socket that joins a room whose storage failed keeps it loaded, and every writer is refused with 4500 at every reconnect', async () => {
    const store = new FaultyDocumentStore(new MemoryStorage())
    const server = host(store)
    server.roles.set('writer', 'editor')
    server.roles.set('reader', 'editor')
    const room = await server.acquire() // held, say by an HTTP request being served
    let wire = new Wire()
    await server.connect(wire, 'writer', 'Writer')
    store.failAppends('before-write')
    const doc = writer(() => wire)
    addItem(doc, { text: 'milk', createdBy: 'writer' })
    wire.deliverToRoom()
    await room.whenFlushed().catch(() => {})
    expect(wire.closedByRoom?.code).toBe(CloseCode.InternalError.code)
    wire.drop()
    // A reader reconnects while the request still holds the failed room…
    const reader = new Wire()
    await server.connect(reader, 'reader', 'Reader')
    room.release()
    // …then the writer reconnects and re-sends its edit in its sync step 2.
    wire = new Wire()
    await server.connect(wire, 'writer', 'Writer')
    wire.toRoom.push(encodeSyncMessage(SyncStep.Step2, Y.encodeStateAsUpdate(doc)))
    wire.deliverToRoom()
    await settle()
    // Wanted: the failed room no longer takes sockets (or closes them), so the writer reaches a fresh room.
    expect(wire.closedByRoom).toBeNull()
    expect(server.room && server.room !== room).toBe(true)
    server.destroy()
  })

  it.fails('seed 833694650: an editor promoted from viewer has its later edits parked by the room (not applied, relayed, stored nor refused) until it reconnects', async () => {
    const server = host()
    server.roles.set('bob', 'viewer')
    const wire = new Wire()
    await server.connect(wire, 'bob', 'Bob')
    const room = server.room!
    const doc = writer(() => wire)
    // Typed offline, sent on reconnect: refused, since bob is a viewer now.
    const id = addItem(doc, { text: 'olive oil', createdBy: 'bob' })
    wire.deliverToRoom()
    server.changeRole('bob', 'editor')
    // Promoted: bob's next edit builds on the refused one.
    setChecked(doc, id, true)
    wire.deliverToRoom()
    await settle()
    // Wanted: the room applies it (after making bob re-send what it refused) or tells bob to resync with a retryable close.
    const closed = wire.closedByRoom
    expect(closed ? isRetryableClose(closed.code) : getItem(room.doc, id)?.checked === true).toBe(true)
    expect(room.doc.store.pendingStructs).toBeNull()
    server.destroy()
  })

  it('seed 834954696: an update appended while a flush is finishing (its loop done, its promise not settled) is written, and whenFlushed waits for it', async () => {
    const store = new MemoryStorage()
    const stored = await store.loadDoc('list')
    const doc = docFromStored(stored)
    const writer: DurableWriter = new DurableWriter('list', doc, stored, {
      store,
      metrics: new Metrics(),
      log: pino({ level: 'silent' }),
      compaction: { maxLogEntries: 1000, maxLogBytes: 1 << 20 },
      // Something that runs as a microtask right after an append is acknowledged writes again: an HTTP
      // request continuing after an await, or a socket whose early messages a join replays.
      onAppended: () => queueMicrotask(() => second ??= addItem(doc, { text: 'eggs', createdBy: 'u' })),
      onFailed: () => {},
      onSettled: () => {},
    })
    let second: string | undefined
    doc.on('update', (update: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => writer.append(update, clocksAhead(tr.afterState, tr.beforeState)))
    addItem(doc, { text: 'milk', createdBy: 'u' })
    await writer.whenFlushed()
    await new Promise((resolve) => setImmediate(resolve))
    await writer.whenFlushed()
    const onDisk = new Y.Doc()
    for (const update of (await store.loadDoc('list')).updates) Y.applyUpdate(onDisk, update)
    expect(second).toBeDefined()
    expect(getItem(onDisk, second!)?.text).toBe('eggs')
    expect(writer.isSettled).toBe(true)
  })
})
