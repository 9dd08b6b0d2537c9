/**
 * Seeded randomized convergence test: four replicas make random edits through
 * the whole list API while a simulated network reorders, duplicates and delays
 * their updates and replicas drop offline for a while. Once everything has
 * been delivered, all replicas must show the same list, no item may be lost
 * or duplicated, and each removed item must be present exactly when some
 * write to it is later (by HLC) than its last removal: existence is
 * last-writer-wins. That expectation comes from an oracle that records every
 * register entry each replica writes, independently of the readers.
 *
 * A failure names its seed and the command that replays only that seed.
 */
import { describe, expect, it } from 'vitest'
import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import {
  addCategory,
  addItem,
  attachClock,
  listCategories,
  listItems,
  moveCategory,
  moveItem,
  observeListEvents,
  removeCategory,
  removeChecked,
  removeItem,
  renameCategory,
  setChecked,
  setTitle,
  updateItem,
  type Category,
  type Item,
} from './list-document.ts'

const REPLICA_COUNT = 4
const OPERATIONS = 200
const DEFAULT_SEED_COUNT = 30
const NETWORK = Symbol('network')

interface Replica {
  name: string
  doc: Y.Doc
  /** This device's wall-clock error, in ms; changes now and then like a real clock being corrected. */
  skewMs: number
  offlineUntilStep: number
  /** The list as rebuilt from this replica's events alone; must end equal to the real list. */
  fromEvents: { items: Map<string, Item>; categories: Map<string, Category> }
}

/** What the test did, to check nothing added is lost and removed items follow last-writer-wins. */
interface Ledger {
  added: Set<string>
  removed: Set<string>
  /** Per item: the latest timestamp of a deletion and of any other write, as written by the replicas. */
  lastDeletion: Map<string, string>
  lastWrite: Map<string, string>
}

class Simulation {
  readonly gen: prng.PRNG
  readonly replicas: Replica[] = []
  /** queues[from][to]: updates `from` made that `to` has not received yet. */
  readonly queues: Uint8Array[][][] = []
  readonly ledger: Ledger = { added: new Set(), removed: new Set(), lastDeletion: new Map(), lastWrite: new Map() }
  step = 0
  timeMs = 1_700_000_000_000

  constructor(seed: number) {
    this.gen = prng.create(seed)
    const clientIds = new Set<number>()
    while (clientIds.size < REPLICA_COUNT) clientIds.add(prng.uint32(this.gen, 1, 0xffffffff))
    for (const [index, clientId] of [...clientIds].entries()) this.replicas.push(this.createReplica(index, clientId))
  }

  private createReplica(index: number, clientId: number): Replica {
    const doc = new Y.Doc()
    doc.clientID = clientId
    const replica: Replica = {
      name: `replica ${index}`,
      doc,
      skewMs: prng.int32(this.gen, -3_600_000, 3_600_000),
      offlineUntilStep: 0,
      fromEvents: { items: new Map(), categories: new Map() },
    }
    attachClock(doc, { now: () => this.timeMs + replica.skewMs })
    this.queues[index] = Array.from({ length: REPLICA_COUNT }, () => [])
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === NETWORK) return
      for (let to = 0; to < REPLICA_COUNT; to++) if (to !== index) this.queues[index]![to]!.push(update)
    })
    doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (transaction.origin !== NETWORK) this.recordWrites(doc, transaction)
    })
    observeListEvents(doc, (event) => {
      const { items, categories } = replica.fromEvents
      switch (event.type) {
        case 'item_created':
        case 'item_updated':
        case 'item_checked':
        case 'item_unchecked':
          items.set(event.item.id, event.item)
          break
        case 'item_deleted':
          items.delete(event.id)
          break
        case 'items_bulk_deleted':
          for (const id of event.ids) items.delete(id)
          break
        case 'category_created':
        case 'category_updated':
          categories.set(event.category.id, event.category)
          break
        case 'category_deleted':
          categories.delete(event.id)
          break
      }
    })
    return replica
  }

  /** The oracle: every `<field>:<clientID>` entry this replica set on an item, with its timestamp. */
  private recordWrites(doc: Y.Doc, transaction: Y.Transaction): void {
    const items = doc.getMap('items')
    const note = (id: string, key: string, value: unknown) => {
      const match = /^([a-z]+):\d+$/.exec(key)
      const t = (value as { t?: unknown } | undefined)?.t
      if (!match || typeof t !== 'string') return
      const ledger = match[1] === 'deleted' ? this.ledger.lastDeletion : this.ledger.lastWrite
      if (t > (ledger.get(id) ?? '')) ledger.set(id, t)
    }
    for (const [type, keys] of transaction.changed) {
      if ((type as unknown) === items) {
        for (const id of keys) {
          const item = items.get(id as string)
          if (item instanceof Y.Map) for (const [key, value] of item.entries()) note(id as string, key, value)
        }
      } else if (type instanceof Y.Map && type._item?.parent === items) {
        for (const key of keys) if (key !== null) note(type._item.parentSub!, key, type.get(key))
      }
    }
  }

  isOnline(index: number): boolean {
    return this.replicas[index]!.offlineUntilStep <= this.step
  }

  run(operations: number): void {
    for (this.step = 0; this.step < operations; this.step++) {
      this.timeMs += prng.int32(this.gen, 0, 3_000)
      const roll = prng.real53(this.gen)
      if (roll < 0.6) this.randomOperation()
      else if (roll < 0.9) this.deliverSome(prng.int32(this.gen, 1, 8), { duplicate: true })
      else if (roll < 0.95) this.takeOffline()
      else this.adjustClock()
    }
  }

  /** Brings every replica back online and delivers until all queues are empty. */
  settle(): void {
    for (const replica of this.replicas) replica.offlineUntilStep = 0
    while (this.deliverSome(1, { duplicate: false }) > 0) {
      // keep delivering in random order
    }
  }

  /** Delivers up to `count` queued updates, each picked at random from any online pair. Returns how many. */
  private deliverSome(count: number, { duplicate }: { duplicate: boolean }): number {
    let delivered = 0
    for (let n = 0; n < count; n++) {
      const pairs: Array<[number, number]> = []
      for (let from = 0; from < REPLICA_COUNT; from++) {
        for (let to = 0; to < REPLICA_COUNT; to++) {
          if (this.queues[from]![to]!.length > 0 && this.isOnline(from) && this.isOnline(to)) pairs.push([from, to])
        }
      }
      if (pairs.length === 0) break
      const [from, to] = prng.oneOf(this.gen, pairs)
      const queue = this.queues[from]![to]!
      // Any queued update may overtake the others: that is the delay and reordering.
      const [update] = queue.splice(prng.int32(this.gen, 0, queue.length - 1), 1)
      Y.applyUpdate(this.replicas[to]!.doc, update!, NETWORK)
      // A duplicate goes back in the queue and arrives again later.
      if (duplicate && prng.real53(this.gen) < 0.1) queue.push(update!)
      delivered++
    }
    return delivered
  }

  private takeOffline(): void {
    const index = prng.int32(this.gen, 0, REPLICA_COUNT - 1)
    this.replicas[index]!.offlineUntilStep = this.step + prng.int32(this.gen, 5, 60)
  }

  private adjustClock(): void {
    const replica = prng.oneOf(this.gen, this.replicas)
    replica.skewMs = prng.int32(this.gen, -3_600_000, 3_600_000)
  }

  /** One random API call on a random replica, online or not (offline edits are the point). */
  private randomOperation(): void {
    const { doc } = prng.oneOf(this.gen, this.replicas)
    const view = listItems(doc)
    const items = view.items
    const categories = listCategories(doc)
    const someItem = () => prng.oneOf(this.gen, items).id
    const someCategory = () => prng.oneOf(this.gen, categories).id
    const maybeCategory = () => (categories.length > 0 && prng.bool(this.gen) ? someCategory() : null)
    const anchor = <T extends { id: string }>(rows: T[]) =>
      rows.length > 0 && prng.real53(this.gen) < 0.7 ? prng.oneOf(this.gen, rows).id : null

    const operations: Array<[weight: number, run: () => void]> = [
      [
        items.length < 30 ? 6 : 1,
        () => {
          const after = prng.real53(this.gen) < 0.3 ? undefined : anchor(items)
          const id = addItem(doc, {
            text: this.word(),
            quantity: prng.bool(this.gen) ? String(prng.int32(this.gen, 1, 12)) : '',
            categoryId: maybeCategory(),
            createdBy: `user-${prng.int32(this.gen, 1, 3)}`,
            ...(after === undefined ? {} : { after }),
          })
          this.ledger.added.add(id)
        },
      ],
      [
        items.length > 0 ? 4 : 0,
        () => {
          const item = prng.oneOf(this.gen, items)
          updateItem(doc, item.id, { text: this.edit(item.text) })
        },
      ],
      [
        items.length > 0 ? 3 : 0,
        () => updateItem(doc, someItem(), { quantity: this.word(), categoryId: maybeCategory() }),
      ],
      [items.length > 0 ? 4 : 0, () => setChecked(doc, someItem(), prng.bool(this.gen))],
      [items.length > 0 ? 4 : 0, () => moveItem(doc, someItem(), { after: anchor(items) })],
      [
        items.length > 0 ? 2 : 0,
        () => {
          const id = someItem()
          removeItem(doc, id)
          this.ledger.removed.add(id)
        },
      ],
      [
        view.checked.length > 0 ? 1 : 0,
        () => {
          for (const id of removeChecked(doc)) this.ledger.removed.add(id)
        },
      ],
      [categories.length < 6 ? 2 : 0, () => void addCategory(doc, { name: this.word() })],
      [categories.length > 0 ? 1 : 0, () => renameCategory(doc, someCategory(), this.word())],
      [categories.length > 0 ? 1 : 0, () => moveCategory(doc, someCategory(), { after: anchor(categories) })],
      [categories.length > 0 ? 1 : 0, () => removeCategory(doc, someCategory())],
      [1, () => setTitle(doc, this.word())],
    ]
    this.pickWeighted(operations)()
  }

  private pickWeighted(options: Array<[number, () => void]>): () => void {
    const total = options.reduce((sum, [weight]) => sum + weight, 0)
    let roll = prng.real53(this.gen) * total
    for (const [weight, run] of options) {
      roll -= weight
      if (roll < 0) return run
    }
    return options[0]![1]
  }

  private word(): string {
    return prng.word(this.gen, 1, 8)
  }

  /** A small typing-like edit: insert or delete a few characters somewhere. */
  private edit(text: string): string {
    const at = prng.int32(this.gen, 0, text.length)
    if (prng.bool(this.gen)) {
      const shorter = text.slice(0, at) + text.slice(Math.min(text.length, at + prng.int32(this.gen, 1, 3)))
      if (shorter.trim().length > 0) return shorter
    }
    return text.slice(0, at) + prng.word(this.gen, 1, 3) + text.slice(at)
  }
}

function runSeed(seed: number): void {
  const simulation = new Simulation(seed)
  simulation.run(OPERATIONS)
  simulation.settle()

  const [first, ...others] = simulation.replicas
  const reference = listItems(first!.doc)
  for (const replica of simulation.replicas) {
    const { doc } = replica
    expect(doc.store.pendingStructs, `${replica.name} has undelivered structs`).toBeNull()
    expect(doc.store.pendingDs, `${replica.name} has undelivered deletes`).toBeNull()
    expect(listCategories(doc), `${replica.name} categories`).toEqual(reference.groups.flatMap((g) => g.category ?? []))
    // The semantic events alone must rebuild the same list.
    expect(sortById([...replica.fromEvents.items.values()]), `${replica.name} events vs items`).toEqual(
      sortById(listItems(doc).items),
    )
    expect(sortById([...replica.fromEvents.categories.values()]), `${replica.name} events vs categories`).toEqual(
      sortById(listCategories(doc)),
    )
  }
  for (const replica of others) {
    expect(listItems(replica.doc), `${replica.name} vs ${first!.name}`).toEqual(reference)
    expect(Y.encodeStateVector(replica.doc), `${replica.name} state vector`).toEqual(Y.encodeStateVector(first!.doc))
  }

  const counts = new Map<string, number>()
  for (const item of reference.items) counts.set(item.id, (counts.get(item.id) ?? 0) + 1)
  const { ledger } = simulation
  for (const id of ledger.added) {
    // Never removed: kept. Removed: back only if something was written to it after its last removal.
    const expected = ledger.removed.has(id) && (ledger.lastDeletion.get(id) ?? '') > (ledger.lastWrite.get(id) ?? '') ? 0 : 1
    expect(counts.get(id) ?? 0, `item ${id} (${expected ? 'kept' : 'removed'})`).toBe(expected)
  }
  expect(reference.items.every((item) => simulation.ledger.added.has(item.id)), 'only added items exist').toBe(true)
  const grouped = [...reference.groups.flatMap((group) => group.items), ...reference.checked]
  expect(sortById(grouped), 'groups and checked partition the items').toEqual(sortById(reference.items))
}

function sortById<T extends { id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Runs one seed; a failure names the seed and how to replay it alone. */
function checkSeed(seed: number): void {
  try {
    runSeed(seed)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(
      `convergence failed for seed ${seed}\nreplay: SEED=${seed} npx vitest run shared/convergence.test.ts\n${message}`,
      { cause: error },
    )
  }
}

const replaySeed = process.env.SEED === undefined ? undefined : Number(process.env.SEED)
if (replaySeed !== undefined && !Number.isSafeInteger(replaySeed)) throw new Error(`SEED must be an integer, got ${process.env.SEED}`)
// SEED_COUNT=<n> runs seeds 1..n, for a longer soak than the default.
const seedCount = Number(process.env.SEED_COUNT ?? DEFAULT_SEED_COUNT)
const seeds = replaySeed === undefined ? Array.from({ length: seedCount }, (_, i) => i + 1) : [replaySeed]

describe('randomized convergence (4 replicas, reordering, duplication, offline periods)', () => {
  for (const seed of seeds) it(`seed ${seed}`, () => checkSeed(seed))
})

// Seeds that failed during development. All seven were one bug in this
// harness, not in the model: its random text edit could delete every
// character and the model rightly rejected the empty text. The generator has
// changed since, so these now replay different sequences; they stay as fixed
// extra coverage that does not move when the default seed range does.
describe.skipIf(replaySeed !== undefined)('pinned seeds that once failed', () => {
  it('seed 3 (random edit emptied an item text)', () => checkSeed(3))
  it('seed 5 (random edit emptied an item text)', () => checkSeed(5))
  it('seed 18 (random edit emptied an item text)', () => checkSeed(18))
  it('seed 19 (random edit emptied an item text)', () => checkSeed(19))
  it('seed 24 (random edit emptied an item text)', () => checkSeed(24))
  it('seed 28 (random edit emptied an item text)', () => checkSeed(28))
  it('seed 29 (random edit emptied an item text)', () => checkSeed(29))
})
