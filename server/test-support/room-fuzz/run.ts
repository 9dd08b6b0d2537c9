/**
 * One seeded run of the room fuzz, in the style of Yjs's TestConnector and
 * tldraw's syncFuzz: honest clients on in-memory sockets to one room, every
 * message queued until the fuzz delivers it, in an order the seed decides.
 * Clients edit (online and offline), drop and reconnect, restart under new
 * clientIDs, are demoted to viewer and promoted back; storage stalls and
 * fails; the room unloads and reloads; the server process crashes; a
 * hostile editor attacks.
 *
 * After every step: a client on a clean connection with nothing in flight
 * holds exactly the room's clocks (see `checkQuietClients`); every
 * acknowledgement and refusal the room sends an honest client is checked as
 * it is sent. Now and then every message is delivered mid-run (a sync
 * point) and the same is checked of every clean connection.
 *
 * After the steps the run heals (storage healthy, everyone online, every
 * message delivered) and checks:
 *
 * - live convergence: every online editor already equals the room, with no
 *   reconnect; after promoting everyone and reconnecting, every replica,
 *   the room and a reload from storage are the same document;
 * - no honest edit is lost: the room holds every struct each honest client
 *   wrote, with the content the client wrote (not someone else's under its
 *   clientID), and the list reads as the honest edits imply
 *   (list-oracle.ts: last writer wins, by the order the edits were made);
 * - no acknowledged edit is lost: whenever the room sends `Persisted`, what
 *   it acknowledges of the recipient's own clientIDs is in storage already,
 *   with that client's content; at the end every Colist client is all saved;
 * - no hostile write is applied: each attack is refused with its rule's
 *   close code and leaves the room's document as it was; at the end nothing
 *   exists under clientIDs honest clients and the server did not use, no
 *   junk root type, no item no honest client created;
 * - an honest client is never refused (a viewer's write aside) and never
 *   closed with a code it does not retry.
 *
 * Everything random comes from one lib0 PRNG seeded with the run's seed; the
 * simulated clock (HLC time of every edit) is the run's own. Only the
 * server's own clientID (Yjs picks it) varies between replays.
 */
import * as decoding from 'lib0/decoding'
import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import {
  CloseCode,
  MessageType,
  PROTOCOL_VERSION,
  SyncStep,
  WRITE_RULE_CLOSE,
  WriteRule,
  decodePersisted,
  decodeWriteRejected,
  encodeHello,
  encodeSyncMessage,
  type Role,
} from '../../../shared/protocol.ts'
import { addItem, listItems, setTitle } from '../../../shared/list-document.ts'
import { FaultyDocumentStore } from '../../storage/faulty-document-store.ts'
import { MemoryStorage } from '../../storage/memory-storage.ts'
import { KNOWN_ROOTS, type Attack, type AttackContext } from './attacks.ts'
import type { OpenFinding } from './findings.ts'
import { seedUuids } from './ids.ts'
import { CreationOrder, ListEditor } from './list-edits.ts'
import { ListOracle, snapshotList, type Semantics } from './list-oracle.ts'
import { DurableView, clientUnits, comparableFingerprints, firstUnitMismatch, hasPending, rootNames, stateVector } from './replica-state.ts'
import { RoomHost, Wire } from './room-host.ts'
import { SimClient, type ClientObserver } from './sim-client.ts'

export interface RoomFuzzOptions {
  seed: number
  steps: number
  /** Attacks the hostile editor makes; each must be refused with its rule's code and change nothing. */
  attacks: readonly Attack[]
  semantics: Semantics
  /** Print every step as it happens. */
  verbose?: boolean
  /** Open findings the run steers around (findings.ts says how), so it keeps finding new ones. */
  avoid?: ReadonlySet<OpenFinding>
}

export interface RoomFuzzSummary {
  seed: number
  steps: number
  clients: number
  edits: number
  deliveries: number
  reconnects: number
  roomLoads: number
  appendsFailed: number
  attacks: number
  /** Mid-run points where clean connections were checked against the room. */
  syncPoints: number
  /** Times the server process died (the room gone without storing what it had not). */
  crashes: number
  /** Per-step checks of a quiet client on a clean connection against the room. */
  quietChecks: number
  ms: number
}

export class RoomFuzzFailure extends Error {
  override name = 'RoomFuzzFailure'
}

const LIST_ID = 'fuzz-list'
const OWNER = 'alice'
const HONEST_USERS = [OWNER, 'bob', 'carol']
const HOSTILE_USER = 'mallory'
/** How many trace lines a failure shows. */
const TRACE_TAIL = 80
/** Bounds of the healing loops: a run that does not settle within them fails instead of spinning. */
const HEAL_ROUNDS = 20
const DRAIN_ROUNDS = 200
const DELIVERIES_PER_DRAIN_ROUND = 500
/** How many settles the hostile editor waits for the room's answer to its sync step 1 (it follows an append). */
const ANSWER_ROUNDS = 20

type Action = 'edit' | 'deliver' | 'disconnect' | 'reconnect' | 'role' | 'storage' | 'unload' | 'crash' | 'restart' | 'presence' | 'attack' | 'syncPoint'

const ACTION_WEIGHTS: ReadonlyArray<[Action, number]> = [
  ['edit', 30],
  ['deliver', 40],
  ['disconnect', 3],
  ['reconnect', 6],
  ['role', 2],
  ['storage', 5],
  ['unload', 1],
  ['crash', 1],
  ['restart', 1],
  ['presence', 3],
  ['attack', 3],
  ['syncPoint', 3],
]

/** Lets the room relay (setImmediate) and write (storage promises) what the last deliveries gave it. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
}

export async function runRoomFuzz(options: RoomFuzzOptions): Promise<RoomFuzzSummary> {
  const run = new FuzzRun(options)
  const started = performance.now()
  try {
    await run.go()
  } finally {
    run.destroy()
  }
  return { ...run.summary(), ms: Math.round(performance.now() - started) }
}

class FuzzRun implements ClientObserver {
  private readonly gen: prng.PRNG
  /** Simulated wall clock of every client: a minute behind the real one, so the server never finds it ahead. */
  private now = Math.floor(Date.now() / 1000) * 1000 - 60_000
  private readonly store = new FaultyDocumentStore(new MemoryStorage())
  private readonly host: RoomHost
  private readonly durable: DurableView
  private readonly clients: SimClient[] = []
  private readonly oracle: ListOracle
  private readonly editor: ListEditor
  private readonly usedClientIds = new Set<number>()
  private readonly trace: string[] = []
  private readonly violations: string[] = []
  private step = -1
  private edits = 0
  private deliveries = 0
  private reconnects = 0
  private attacksMade = 0
  private syncPoints = 0
  private crashes = 0
  private quietChecks = 0

  constructor(private readonly options: RoomFuzzOptions) {
    this.gen = prng.create(options.seed)
    seedUuids(options.seed)
    const gen = this.gen
    this.host = new RoomHost({
      listId: LIST_ID,
      store: this.store,
      // Small logs, so runs compact often.
      compaction: { maxLogEntries: prng.int32(gen, 3, 30), maxLogBytes: 1 << 20 },
      maxDocBytes: 4 << 20,
    })
    this.durable = new DurableView(this.store, LIST_ID)
    this.oracle = new ListOracle(options.semantics)
    this.editor = new ListEditor(gen, new CreationOrder())
    for (const user of HONEST_USERS) this.host.roles.set(user, user === OWNER ? 'owner' : 'editor')
    this.host.roles.set(HOSTILE_USER, 'editor')
    const count = prng.int32(gen, 2, 4)
    for (let i = 0; i < count; i++) {
      const userId = HONEST_USERS[i % HONEST_USERS.length]!
      this.clients.push(new SimClient(`${userId}#${i}`, userId, { colist: prng.bool(gen) }, this.freshClientId(), () => this.now, this.host, this))
    }
  }

  private avoids(finding: OpenFinding): boolean {
    return this.options.avoid?.has(finding) ?? false
  }

  summary(): Omit<RoomFuzzSummary, 'ms'> {
    return {
      seed: this.options.seed,
      steps: this.options.steps,
      clients: this.clients.length,
      edits: this.edits,
      deliveries: this.deliveries,
      reconnects: this.reconnects,
      roomLoads: this.host.loads,
      appendsFailed: this.store.counts.appendsFailed,
      attacks: this.attacksMade,
      syncPoints: this.syncPoints,
      crashes: this.crashes,
      quietChecks: this.quietChecks,
    }
  }

  /** A clientID nobody used in this run: sometimes as large as Yrs picks them (53 bits). */
  private freshClientId(): number {
    for (;;) {
      const big = this.options.semantics.bigClientIds && prng.int32(this.gen, 0, 3) === 0
      const id = big ? prng.int32(this.gen, 1, 2 ** 21 - 1) * 2 ** 32 + prng.uint32(this.gen, 0, 2 ** 32 - 1) : prng.uint32(this.gen, 1, 2 ** 32 - 1)
      if (!this.usedClientIds.has(id)) {
        this.usedClientIds.add(id)
        return id
      }
    }
  }

  private note(line: string): void {
    const entry = `[${this.step}] ${line}`
    this.trace.push(entry)
    if (this.options.verbose) console.log(entry)
  }

  private fail(problems: readonly string[]): never {
    const lines = [
      `room fuzz seed ${this.options.seed} failed at step ${this.step}:`,
      ...problems.map((p) => `  - ${p}`),
      `replay: FUZZ_SEED=${this.options.seed} FUZZ_STEPS=${this.options.steps} FUZZ_AVOID=${[...(this.options.avoid ?? [])].join(',')} npx vitest run server/room.fuzz.test.ts (FUZZ_VERBOSE=1 prints every step)`,
      `last ${Math.min(TRACE_TAIL, this.trace.length)} of ${this.trace.length} trace lines:`,
      ...this.trace.slice(-TRACE_TAIL).map((line) => `  ${line}`),
    ]
    throw new RoomFuzzFailure(lines.join('\n'))
  }

  private checkViolations(): void {
    if (this.violations.length > 0) this.fail(this.violations)
  }

  // --- ClientObserver -----------------------------------------------------------

  violation(message: string): void {
    this.violations.push(message)
  }

  closed(client: SimClient, code: number, reason: string, wasClean: boolean): void {
    this.note(`${client.name} is closed by the room: ${code} ${reason}`)
    // Retryable, but an honest client never sends anything unresolvable: what builds on a sync step 2
    // still to come (offline edits, or writes refused before a promotion) waits for it in the room.
    if (code === CloseCode.WriteUnresolvable.code) this.violation(`${client.name}${wasClean ? ' (clean connection)' : ''} was closed with ${code}: ${reason}`)
  }

  /** Checked when the room sends, before any delivery: acknowledgements and refusals of honest clients. */
  roomSent(client: SimClient, bytes: Uint8Array): void {
    const dec = decoding.createDecoder(bytes)
    const type = decoding.readVarUint(dec)
    if (type === MessageType.Persisted) this.checkAcknowledged(client, decodePersisted(dec))
    if (type === MessageType.WriteRejected) {
      const rejected = decodeWriteRejected(dec)
      const role = this.host.roles.get(client.userId)
      // A viewer's writes are refused. Nothing else of an honest client is: after a promotion the room
      // asks for a sync step 2, which brings what it refused, and what builds on that waits for it.
      const expected = role === 'viewer'
      if (!expected) this.violation(`${client.name} (${role}${client.clean ? ', clean connection' : ''}) had a write refused: ${JSON.stringify(rejected)}`)
    }
  }

  /** Whatever the room acknowledges of the client's own clientIDs must be in storage, with the client's content. */
  private checkAcknowledged(client: SimClient, clocks: Map<number, number>): void {
    let durable: Y.Doc | null = null
    for (const [clientId, clock] of clocks) {
      if (!client.ownIds.has(clientId) || clock === 0) continue
      durable ??= this.durable.current()
      const stored = stateVector(durable).get(clientId) ?? 0
      if (stored < clock) {
        this.violation(`${client.name} was told clock ${clock} of its clientID ${clientId} is saved; storage holds ${stored}`)
        continue
      }
      const mismatch = firstUnitMismatch(clientUnits(client.doc, clientId), clientUnits(durable, clientId), clock)
      if (mismatch) this.violation(`${client.name}'s acknowledged clock ${mismatch.clock} of ${clientId} holds ${mismatch.actual} in storage, not its own ${mismatch.expected}`)
    }
  }

  // --- the run --------------------------------------------------------------------

  async go(): Promise<void> {
    this.note(`clients: ${this.clients.map((c) => `${c.name}${c.colist ? ' (Colist)' : ''} id ${c.doc.clientID}`).join(', ')}`)
    for (const client of this.clients) await client.connect()
    for (this.step = 0; this.step < this.options.steps; this.step++) {
      this.now += prng.int32(this.gen, 1, 25)
      await this.act(this.pickAction())
      await settle()
      this.notePending()
      this.checkQuietClients()
      this.checkViolations()
    }
    this.step = this.options.steps
    await this.heal()
    this.checkLiveConvergence()
    await this.promoteAndReconnectEveryone()
    await this.checkFinal()
  }

  /**
   * After every step: a client on a clean connection (a writer's from its
   * start, nothing refused) that has synced and has nothing in flight either
   * way holds exactly the room's clocks. Its step 2 and updates all reached
   * the room, and every update the room applied since it joined was relayed
   * to it, so a message lost or parked anywhere shows at once.
   */
  private checkQuietClients(): void {
    const room = this.host.room
    // What the room applied but has not stored is not relayed yet: nobody can hold it.
    if (!room || room.hasUnrelayed) return
    let roomSv: string | null = null
    for (const client of this.clients) {
      if (!client.clean || !client.synced || !client.wire?.idle) continue
      roomSv ??= JSON.stringify([...stateVector(room.doc)].sort(([a], [b]) => a - b))
      if (JSON.stringify([...stateVector(client.doc)].sort(([a], [b]) => a - b)) !== roomSv) {
        this.violation(`${client.name} (clean connection, nothing in flight) differs from the room: ${this.difference(room.doc, client.doc)}`)
      }
      this.quietChecks++
    }
  }

  /** How two documents differ, naming whose each differing clientID is. */
  private difference(expected: Y.Doc, actual: Y.Doc): string {
    return describeDifference(expected, actual, (id) => {
      const client = this.clients.find((c) => c.ownIds.has(id))
      if (client) return ` (${client.name})`
      return this.host.serverClientIds.has(id) ? ' (a server)' : ' (nobody honest)'
    })
  }

  private pendingNoted = ''

  /** Notes in the trace when the room starts (or stops) parking updates it cannot integrate. */
  private notePending(): void {
    const room = this.host.room
    const now = room && hasPending(room.doc) ? describePending(room.doc) : ''
    if (now !== this.pendingNoted) this.note(now ? `the room parks updates: ${now}` : 'the room parks nothing any more')
    this.pendingNoted = now
  }

  private pickAction(): Action {
    const weights = ACTION_WEIGHTS.filter(([action]) => action !== 'attack' || this.options.attacks.length > 0)
    let pick = prng.int32(this.gen, 0, weights.reduce((sum, [, w]) => sum + w, 0) - 1)
    return weights.find(([, weight]) => (pick -= weight) < 0)![0]
  }

  private async act(action: Action): Promise<void> {
    const gen = this.gen
    switch (action) {
      case 'edit':
        return this.edit(prng.oneOf(gen, this.clients))
      case 'deliver': {
        const count = prng.int32(gen, 1, 8)
        let delivered = 0
        while (delivered < count && this.deliverOne()) delivered++
        return
      }
      case 'disconnect': {
        const online = this.clients.filter((c) => c.online)
        if (online.length === 0) return
        const client = prng.oneOf(gen, online)
        const delivered = prng.int32(gen, 0, client.wire!.toRoom.length)
        this.note(`${client.name} drops offline (${delivered} of its queued messages got through)`)
        client.disconnect(delivered)
        return
      }
      case 'reconnect': {
        const offline = this.clients.filter((c) => !c.online && !c.finalClose)
        if (offline.length === 0) return
        const client = prng.oneOf(gen, offline)
        this.note(`${client.name} reconnects`)
        this.reconnects++
        return client.connect()
      }
      case 'role': {
        const userId = prng.oneOf(gen, HONEST_USERS.filter((u) => u !== OWNER))
        const role: Role = this.host.roles.get(userId) === 'viewer' ? 'editor' : 'viewer'
        this.note(`${userId} becomes ${role}`)
        this.host.changeRole(userId, role)
        for (const client of this.clients) if (client.userId === userId) client.clean = false
        return
      }
      case 'storage':
        return this.storageFault()
      case 'unload': {
        this.note('everyone leaves: the room unloads once it has written everything')
        for (const client of this.clients) if (client.online) client.disconnect(prng.int32(gen, 0, client.wire!.toRoom.length))
        return
      }
      case 'crash': {
        const room = this.host.room
        if (!room) return
        this.note('the server crashes: the room is gone with what it had not stored; sockets drop (1006)')
        this.crashes++
        for (const client of this.clients) {
          const wire = client.wire
          if (wire && wire.room === room) wire.sever(prng.int32(gen, 0, wire.toClient.length))
        }
        this.host.crash()
        room.destroy()
        return
      }
      case 'restart': {
        const offline = this.clients.filter((c) => !c.online && !c.finalClose)
        if (offline.length === 0) return
        const client = prng.oneOf(gen, offline)
        const id = this.freshClientId()
        this.note(`${client.name} restarts offline as clientID ${id}`)
        client.restart(id)
        return
      }
      case 'presence': {
        const online = this.clients.filter((c) => c.online)
        if (online.length === 0) return
        const client = prng.oneOf(gen, online)
        const items = listItems(client.doc).items
        client.setCursor(items.length > 0 && prng.bool(gen) ? prng.oneOf(gen, items).id : null)
        return
      }
      case 'attack':
        return this.attack(prng.oneOf(gen, [...this.options.attacks]))
      case 'syncPoint':
        return this.syncPoint()
    }
  }

  /**
   * Mid-run, with no reconnect and storage as it is: every message is
   * delivered, then each client whose connection is clean (a writer's from
   * its start, nothing refused) holds exactly what the room holds. What a
   * later reconnect would repair (a lost or parked update) shows here.
   */
  private async syncPoint(): Promise<void> {
    await this.drain('sync point')
    const room = this.host.room
    const clean = this.clients.filter((c) => c.online && c.synced && c.clean)
    // Storage stalled: what the room holds unstored is not relayed yet, so clients cannot hold it.
    if (!room || clean.length === 0 || room.hasUnrelayed) return
    this.syncPoints++
    const roomSv = JSON.stringify([...stateVector(room.doc)].sort(([a], [b]) => a - b))
    const roomView = JSON.stringify(listItems(room.doc))
    const problems: string[] = []
    for (const client of clean) {
      const sv = JSON.stringify([...stateVector(client.doc)].sort(([a], [b]) => a - b))
      if (sv !== roomSv) problems.push(`sync point: ${client.name} (clean connection) differs from the room: ${this.difference(room.doc, client.doc)}`)
      else if (JSON.stringify(listItems(client.doc)) !== roomView) problems.push(`sync point: ${client.name} (clean connection) shows another list than the room with the same clocks`)
    }
    this.note(`sync point: ${clean.map((c) => c.name).join(', ')} agree with the room`)
    if (problems.length > 0) this.fail(problems)
  }

  private edit(client: SimClient): void {
    // A Colist client knows it is a viewer: its UI does not edit.
    if (!client.believesItCanWrite) return
    const before = snapshotList(client.doc)
    const edit = this.editor.edit(client.doc, client.userId)
    if (!edit) return
    this.edits++
    this.oracle.record(this.now, client.userId, edit.scope, before, snapshotList(client.doc), edit.writes)
    this.note(`${client.name}${client.online ? '' : ' (offline)'} @${this.now}: ${edit.label}`)
  }

  private storageFault(): void {
    const store = this.store
    const fault = prng.int32(this.gen, 0, 9)
    if (fault <= 2) {
      store.hold()
      this.note('storage stalls: appends wait')
    } else if (fault <= 4) {
      this.note(`storage lets ${store.release(1)} append through`)
    } else if (fault === 5) {
      store.open()
      this.note('storage recovers: every waiting append goes through')
    } else if (fault === 6) {
      store.failAppends('before-write')
      this.note('the next append fails before writing')
    } else if (fault === 7) {
      store.failAppends('after-write')
      this.note('the next append is written, then reported failed')
    } else if (fault === 8) {
      store.failLoads()
      this.note('the next load fails')
    } else {
      store.failCompactions()
      this.note('the next compaction fails')
    }
  }

  /** Delivers one queued frame, from a queue the seed picks; false when every queue is empty. */
  private deliverOne(): boolean {
    const queues: Array<{ client: SimClient; toRoom: boolean }> = []
    for (const client of this.clients) {
      const wire = client.wire
      if (!wire) continue
      if (wire.toRoom.length > 0) queues.push({ client, toRoom: true })
      if (wire.toClient.length > 0) queues.push({ client, toRoom: false })
    }
    if (queues.length === 0) return false
    const { client, toRoom } = prng.oneOf(this.gen, queues)
    if (toRoom) client.wire!.deliverToRoom()
    else client.receiveFrame()
    this.deliveries++
    return true
  }

  private get quiet(): boolean {
    return this.clients.every((c) => !c.wire || c.wire.idle)
  }

  /** Delivers everything, in seeded order, until nothing moves. */
  private async drain(what: string): Promise<void> {
    for (let round = 0; round < DRAIN_ROUNDS; round++) {
      let delivered = 0
      while (delivered < DELIVERIES_PER_DRAIN_ROUND && this.deliverOne()) delivered++
      await settle()
      this.checkViolations()
      if (delivered === 0 && this.quiet) return
    }
    this.fail([`${what}: messages still flowing after ${DRAIN_ROUNDS} rounds of ${DELIVERIES_PER_DRAIN_ROUND} deliveries`])
  }

  /** Storage healthy, every client online and synced, every message delivered, everything written. */
  private async heal(): Promise<void> {
    this.note('healing: storage recovers, everyone reconnects, every message is delivered')
    this.store.heal()
    for (let round = 0; round < HEAL_ROUNDS; round++) {
      for (const client of this.clients) {
        if (!client.online && !client.finalClose) {
          this.reconnects++
          await client.connect()
        }
      }
      await this.drain('healing')
      await this.host.room?.whenFlushed().catch(() => {})
      await settle()
      if (this.quiet && this.clients.every((c) => c.online && c.synced) && this.host.room && this.store.held === 0) return
      this.note(`healing round ${round}: not settled yet`)
    }
    const states = this.clients.map((c) => `${c.name}: ${c.online ? (c.synced ? 'synced' : 'online, not synced') : 'offline'}`)
    this.fail([`healing did not settle within ${HEAL_ROUNDS} rounds (${states.join('; ')}; room ${this.host.room ? 'loaded' : 'not loaded'}; ${this.store.held} appends held)`])
  }

  /** Every online editor already holds exactly what the room holds, without reconnecting. */
  private checkLiveConvergence(): void {
    const room = this.host.room!
    const editors = this.clients.filter((c) => this.host.roles.get(c.userId) !== 'viewer')
    const problems: string[] = []
    // A client may have sent live edits ahead of its sync step 2, then dropped: the room parks them until
    // that client syncs again, which a viewer's refused step 2 does not do. Nothing else may wait.
    const viewerIds = new Set(this.clients.filter((c) => this.host.roles.get(c.userId) === 'viewer').flatMap((c) => [...c.ownIds]))
    const waitingFor = [...(room.doc.store.pendingStructs?.missing.keys() ?? [])]
    if (waitingFor.some((id) => !viewerIds.has(id)) || (room.doc.store.pendingDs && waitingFor.length === 0)) {
      problems.push(`the room holds updates it could not integrate: ${describePending(room.doc)}`)
    }
    const prints = comparableFingerprints([room.doc, ...editors.map((c) => c.doc)])
    editors.forEach((client, i) => {
      if (prints[i + 1] !== prints[0]) problems.push(`${client.name} (online editor) differs from the room after every message was delivered: ${this.difference(room.doc, client.doc)}`)
    })
    if (problems.length > 0) this.fail(problems)
  }

  private async promoteAndReconnectEveryone(): Promise<void> {
    this.note('everyone becomes an editor again and reconnects with a fresh sync exchange')
    for (const user of HONEST_USERS) if (this.host.roles.get(user) === 'viewer') this.host.changeRole(user, 'editor')
    await this.drain('promotion')
    for (const client of this.clients) {
      client.disconnect(Number.POSITIVE_INFINITY)
      this.reconnects++
      await client.connect()
    }
    await this.drain('final sync')
    await this.host.flushed()
    await settle()
    this.checkViolations()
  }

  private async checkFinal(): Promise<void> {
    const room = this.host.room
    if (!room) this.fail(['no room is loaded after everyone reconnected'])
    const problems: string[] = []
    const docs = [room.doc, ...this.clients.map((c) => c.doc)]
    const prints = comparableFingerprints(docs)
    const roomView = JSON.stringify(listItems(room.doc))
    const roomSv = stateVector(room.doc)
    for (const [i, client] of this.clients.entries()) {
      if (hasPending(client.doc)) problems.push(`${client.name} holds updates it could not integrate: ${describePending(client.doc)}`)
      if (prints[i + 1] !== prints[0]) problems.push(`${client.name} differs from the room: ${this.difference(room.doc, client.doc)}`)
      if (JSON.stringify(listItems(client.doc)) !== roomView) problems.push(`${client.name} shows another list than the room`)
      const sv = stateVector(client.doc)
      for (const id of client.ownIds) {
        if ((roomSv.get(id) ?? 0) !== (sv.get(id) ?? 0)) problems.push(`the room has clock ${roomSv.get(id) ?? 0} of ${client.name}'s clientID ${id}, which wrote up to ${sv.get(id) ?? 0}`)
        const mismatch = firstUnitMismatch(clientUnits(client.doc, id), clientUnits(room.doc, id))
        if (mismatch) problems.push(`clock ${mismatch.clock} of ${client.name}'s clientID ${id} holds ${mismatch.actual} in the room, not its own ${mismatch.expected}`)
      }
      if (client.colist && !client.allSaved) problems.push(`${client.name} is not told everything of its own is saved (persisted ${JSON.stringify([...client.persisted])})`)
    }
    if (hasPending(room.doc)) problems.push(`the room holds updates it could not integrate: ${describePending(room.doc)}`)
    const honestIds = new Set([...this.clients.flatMap((c) => [...c.ownIds]), ...this.host.serverClientIds])
    for (const id of roomSv.keys()) if (!honestIds.has(id)) problems.push(`the room holds structs under clientID ${id}, which no honest client nor the server used`)
    for (const name of rootNames(room.doc)) if (!KNOWN_ROOTS.has(name)) problems.push(`the room's document has a junk root type ${JSON.stringify(name)}`)
    problems.push(...this.oracle.check(snapshotList(room.doc)))
    if (problems.length > 0) this.fail(problems)

    // What storage holds is what the room holds…
    const stored = await this.store.inner.loadDoc(LIST_ID)
    const fromStorage = new Y.Doc()
    for (const part of [stored.snapshot, ...stored.updates]) if (part) Y.applyUpdate(fromStorage, part)
    const [roomPrint, storedPrint] = comparableFingerprints([room.doc, fromStorage])
    if (roomPrint !== storedPrint) problems.push(`storage differs from the room: ${this.difference(room.doc, fromStorage)}`)
    fromStorage.destroy()
    // …and a room loaded from it again reads the same list.
    const before = new Y.Doc()
    Y.applyUpdate(before, Y.encodeStateAsUpdate(room.doc))
    for (const client of this.clients) client.disconnect(Number.POSITIVE_INFINITY)
    await settle()
    if (this.host.room) problems.push('the room did not unload once everyone left and everything was written')
    const reloaded = await this.host.acquire()
    if (JSON.stringify(listItems(reloaded.doc)) !== JSON.stringify(listItems(before))) problems.push('a room reloaded from storage shows another list')
    const [beforePrint, reloadedPrint] = comparableFingerprints([before, reloaded.doc])
    if (beforePrint !== reloadedPrint) problems.push(`a room reloaded from storage differs: ${this.difference(before, reloaded.doc)}`)
    before.destroy()
    reloaded.release()
    if (problems.length > 0) this.fail(problems)
  }

  // --- the hostile editor ----------------------------------------------------------

  private async attack(attack: Attack): Promise<void> {
    const outcome = await performAttack(this.host, attack, this.gen, () => this.freshClientId(), this.victims(), prng.bool(this.gen), this.options.avoid)
    if (outcome.kind === 'skipped') return
    this.attacksMade++
    this.note(`mallory attacks: ${attack.name} → ${outcome.kind === 'refused' ? `closed ${outcome.code}${outcome.rule ? ` (${outcome.rule})` : ''}` : outcome.kind}`)
    if (outcome.kind === 'refused' && outcome.applied) this.violation(`attack "${attack.name}" was refused with ${outcome.code}, yet it changed the room's document`)
    if (outcome.kind === 'refused' && !outcome.expected && outcome.code !== 4500) {
      this.violation(`attack "${attack.name}" was refused with ${outcome.code} (${outcome.rule ?? 'no WriteRejected'}: ${outcome.message}), not with its rule's code (${attack.rules.join(', ')})`)
    }
    if (outcome.kind === 'accepted') this.violation(`attack "${attack.name}" was accepted${outcome.applied ? ' and applied' : ''}`)
  }

  private victims(): Array<{ userId: string; clientId: number }> {
    const sv = this.host.room ? stateVector(this.host.room.doc) : new Map<number, number>()
    return this.clients.flatMap((c) => [...c.ownIds].filter((id) => (sv.get(id) ?? 0) > 0).map((clientId) => ({ userId: c.userId, clientId })))
  }

  destroy(): void {
    for (const client of this.clients) client.destroy()
    this.host.destroy()
    this.durable.destroy()
  }
}

/** Which clientIDs' structs wait for which missing clocks. */
function describePending(doc: Y.Doc): string {
  const pending = doc.store.pendingStructs
  const waiting = pending ? [...new Set(Y.decodeUpdate(pending.update).structs.map((s) => s.id.client))] : []
  const missing = pending ? [...pending.missing].map(([client, clock]) => `${client} from clock ${clock}`) : []
  const sv = stateVector(doc)
  return `structs of ${waiting.join(', ') || 'nobody'} wait for ${missing.join(', ') || 'nothing'} (has ${missing.length > 0 ? [...pending!.missing.keys()].map((c) => `${c}: ${sv.get(c) ?? 0}`).join(', ') : '-'})${doc.store.pendingDs ? '; deletions wait too' : ''}`
}

/** How two documents differ, briefly, for failure messages. */
function describeDifference(expected: Y.Doc, actual: Y.Doc, whose: (clientId: number) => string = () => ''): string {
  const a = stateVector(expected)
  const b = stateVector(actual)
  const clocks = [...new Set([...a.keys(), ...b.keys()])]
    .filter((id) => a.get(id) !== b.get(id))
    .map((id) => `${id}${whose(id)}: ${a.get(id) ?? 0} vs ${b.get(id) ?? 0}`)
  const itemsA = listItems(expected).items.map((i) => i.id)
  const itemsB = new Set(listItems(actual).items.map((i) => i.id))
  const missing = itemsA.filter((id) => !itemsB.has(id))
  const extra = [...itemsB].filter((id) => !itemsA.includes(id))
  return [
    clocks.length > 0 ? `clocks differ (${clocks.join('; ')})` : 'same clocks',
    missing.length > 0 ? `lacks items ${missing.join(', ')}` : '',
    extra.length > 0 ? `has extra items ${extra.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ')
}

export type AttackOutcome =
  | { kind: 'skipped'; why: string }
  /** Closed: with the code of one of the attack's rules (`expected`), or another; `applied` if the document changed anyway. */
  | { kind: 'refused'; code: number; rule: string | null; message: string; expected: boolean; applied: boolean }
  | { kind: 'accepted'; applied: boolean }

/**
 * The hostile editor connects, syncs, sends one attack and reads the answer,
 * all at once (no other client's message interleaves). Returns what the
 * room did; the room's document must not change when the attack is refused.
 */
export async function performAttack(
  host: RoomHost,
  attack: Attack,
  gen: prng.PRNG,
  freshClientId: () => number,
  victims: ReadonlyArray<{ userId: string; clientId: number }>,
  colist: boolean,
  avoid: ReadonlySet<OpenFinding> = new Set(),
): Promise<AttackOutcome> {
  const wire = new Wire()
  const replica = new Y.Doc()
  const rejected: Array<{ rule: string; message: string }> = []
  try {
    if (colist) wire.toRoom.push(encodeHello({ protocolVersion: PROTOCOL_VERSION }))
    wire.toRoom.push(encodeSyncMessage(SyncStep.Step1, Y.encodeStateVector(replica)))
    if (!(await host.connect(wire, HOSTILE_USER, 'Mallory'))) return { kind: 'skipped', why: 'the room did not load' }
    let answered = false
    const exchange = () => {
      while (wire.toRoom.length > 0 || wire.toClient.length > 0) {
        while (wire.toRoom.length > 0) wire.deliverToRoom()
        const frame = wire.toClient.shift()
        if (!frame || frame.kind === 'close') continue
        const dec = decoding.createDecoder(frame.bytes)
        const type = decoding.readVarUint(dec)
        if (type === MessageType.WriteRejected) rejected.push(decodeWriteRejected(dec))
        if (type !== MessageType.Sync) continue
        const step = decoding.readVarUint(dec)
        const payload = decoding.readVarUint8Array(dec)
        if (step === SyncStep.Step1) wire.toRoom.push(encodeSyncMessage(SyncStep.Step2, Y.encodeStateAsUpdate(replica, payload)))
        else {
          if (step === SyncStep.Step2) answered = true
          Y.applyUpdate(replica, payload)
        }
      }
    }
    exchange()
    // The room answers sync step 1 once storage holds what it holds: until then the attacker has no
    // replica to build on (an attack built on nothing would prove nothing). Storage held at its gate
    // may never answer while the attacker waits; then there is no attack.
    for (let round = 0; !answered && !wire.closedByRoom && round < ANSWER_ROUNDS; round++) {
      await settle()
      exchange()
    }
    const room = wire.room
    if (!room || wire.closedByRoom) return { kind: 'skipped', why: `closed while syncing (${wire.closedByRoom?.code})` }
    if (!answered) return { kind: 'skipped', why: 'storage has not stored what the room holds, so the room has not answered sync step 1' }
    const ctx: AttackContext = {
      gen,
      replica,
      attackerUserId: HOSTILE_USER,
      freshClientId,
      victim: victims.length > 0 ? prng.oneOf(gen, [...victims]) : null,
      now: Date.now(),
    }
    const update = attack.build(ctx)
    if (!update) return { kind: 'skipped', why: 'nothing to attack' }
    const before = Y.snapshot(room.doc)
    const pendingBefore = pendingBytes(room.doc)
    wire.toRoom.push(encodeSyncMessage(SyncStep.Update, update))
    exchange()
    const applied = !Y.equalSnapshots(before, Y.snapshot(room.doc)) || pendingBytes(room.doc) !== pendingBefore
    const closed = closeOf(wire)
    if (!closed) return { kind: 'accepted', applied }
    const rules: readonly string[] = attack.tolerated && avoid.has(attack.tolerated.finding) ? [...attack.rules, ...attack.tolerated.rules] : attack.rules
    const codes = rules.map((rule) => WRITE_RULE_CLOSE[rule as WriteRule].code)
    const code = closed.code
    const rule = rejected.at(-1)?.rule ?? null
    const message = rejected.at(-1)?.message ?? closed.reason
    const ruleMatches = !colist || (rule !== null && rules.includes(rule))
    return { kind: 'refused', code, rule, message, expected: codes.includes(code) && ruleMatches, applied }
  } finally {
    wire.drop()
    replica.destroy()
  }
}

/** Bytes of updates Yjs parked for missing dependencies: an attack that only parks something still changed the room. */
function pendingBytes(doc: Y.Doc): number {
  return (doc.store.pendingStructs?.update.byteLength ?? 0) + (doc.store.pendingDs?.byteLength ?? 0)
}

/** How the room closed the wire, if it did (read through a call: the exchange above changes it). */
function closeOf(wire: Wire): { code: number; reason: string } | null {
  return wire.closedByRoom
}

/**
 * Which attacks the server refuses today: each is tried once on a scratch
 * list where an honest client has written an item and a title.
 */
export async function probeAttacks(attacks: readonly Attack[]): Promise<Map<Attack, AttackOutcome>> {
  const outcomes = new Map<Attack, AttackOutcome>()
  const gen = prng.create(1)
  let nextId = 1_000
  for (const attack of attacks) {
    const store = new FaultyDocumentStore(new MemoryStorage())
    const host = new RoomHost({ listId: LIST_ID, store, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 }, maxDocBytes: 4 << 20 })
    host.roles.set(OWNER, 'owner')
    host.roles.set(HOSTILE_USER, 'editor')
    const victim = new Y.Doc()
    victim.clientID = 42
    addItem(victim, { text: 'honest item', createdBy: OWNER })
    setTitle(victim, 'Honest title')
    const wire = new Wire()
    wire.toRoom.push(encodeSyncMessage(SyncStep.Update, Y.encodeStateAsUpdate(victim)))
    await host.connect(wire, OWNER, 'Alice')
    wire.deliverToRoom()
    try {
      outcomes.set(attack, await performAttack(host, attack, gen, () => nextId++, [{ userId: OWNER, clientId: victim.clientID }], true))
    } finally {
      wire.drop()
      await host.room?.whenFlushed().catch(() => {})
      host.destroy()
      victim.destroy()
    }
  }
  return outcomes
}
