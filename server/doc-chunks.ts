/**
 * A document's content as a sequence of small Yjs updates, each of which
 * applies whole on a replica holding the ones before it: no struct of a
 * chunk waits for another (Yjs "pending structs"). So a large document can
 * be built, or sent to a client, a few milliseconds at a time across
 * event-loop turns instead of in one `Y.applyUpdate` or
 * `Y.encodeStateAsUpdate` that holds the loop for hundreds of milliseconds
 * (a 60,000-item list: 16 MB, ~0.6 s to apply, ~0.2 s to encode).
 *
 * `DocChunker` walks the document's struct store with a clock per clientID
 * (what the receiver has: the state vector it starts from, then what was
 * emitted) and emits a struct once what it builds on is there: its left and
 * right origins and the item of the type it belongs to. That order exists
 * for any integrated document (every struct was integrated after what it
 * builds on); should it ever not make progress, `rest` carries everything
 * left in one update, which is valid as a whole.
 *
 * The walk reads the live store by clock, not by index, so the document
 * may change between chunks (Yjs splits and merges structs): a struct is
 * written from the clock the receiver lacks (`Item.write` with an offset).
 * The walk covers the structs the document held when it began (a receiver
 * that stays connected gets later ones with their own updates); the delete
 * set follows the structs, in parts, scanned a slice at a time.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { clocksOf, type Clocks } from '../shared/clocks.ts'

/** A chunk's usual size: ~1–3 ms to apply (more while the code is cold, right after a start). */
export const CHUNK_BYTES = 32 * 1024
/** Ranges of the delete set per update: ~1–3 ms to apply. */
export const DELETE_RANGES = 2048
/** Structs scanned for deletions per update: ~1 ms. */
export const SCAN_STRUCTS = 25_000

type Struct = Y.Item | Y.GC

interface ClientRun {
  encoder: Y.UpdateEncoderV1
  startClock: number
  structs: number
}

export class DocChunker {
  /** Per clientID, the clock up to which the receiver holds (or was sent) its structs. */
  private readonly sent: Clocks
  /** What the walk covers: the document's state when it began. */
  private readonly until: Clocks
  /** Clients with structs left to emit below `until`. */
  private readonly active: Set<number>
  private phase: 'structs' | 'deletes' | 'done' = 'structs'
  /** Clients whose deletions are still to scan, and the clock the first one's scan is at. */
  private scanClients: number[] = []
  private scanClock = 0

  /** Walks `doc` from `from` (a decoded state vector: what the receiver already has). */
  constructor(
    private readonly doc: Y.Doc,
    from: ReadonlyMap<number, number> = new Map(),
  ) {
    this.sent = new Map(from)
    this.until = clocksOf(doc)
    this.active = new Set([...this.until].filter(([client, clock]) => clock > (this.sent.get(client) ?? 0)).map(([client]) => client))
  }

  /** Whether every struct the walk covers is emitted (the delete set may still be to come). */
  get structsDone(): boolean {
    return this.active.size === 0
  }

  /**
   * The next update of the sequence, or null once it is complete: chunks of
   * about `maxBytes` of structs (one struct may exceed it), then the delete
   * set in parts of at most `DELETE_RANGES` ranges, each found by scanning at
   * most `SCAN_STRUCTS` structs (a part may be empty).
   */
  next(maxBytes = CHUNK_BYTES): Uint8Array | null {
    if (this.phase === 'structs') {
      const chunk = this.nextStructs(maxBytes)
      if (chunk) return chunk
      if (this.active.size > 0) {
        // No struct left can be sent (never seen: every integrated document has an order): everything left, as one valid update.
        this.phase = 'done'
        return Y.encodeStateAsUpdate(this.doc, this.sentStateVector())
      }
      this.phase = 'deletes'
      this.scanClients = [...this.until.keys()]
    }
    if (this.phase === 'deletes') {
      const part = this.nextDeletes()
      if (part) return part
      this.phase = 'done'
    }
    return null
  }

  private nextStructs(maxBytes: number): Uint8Array | null {
    const runs = new Map<number, ClientRun>()
    let bytes = 0
    let progress = true
    while (progress && bytes < maxBytes && this.active.size > 0) {
      progress = false
      for (const client of this.active) {
        const emitted = this.emitRun(client, runs, maxBytes - bytes)
        if (emitted > 0) progress = true
        bytes += emitted
        if (bytes >= maxBytes) break
      }
    }
    if (runs.size === 0) return null
    return assembleStructs(runs)
  }

  /**
   * The next part of the delete set, below `until` (what is deleted in the
   * document now: a deletion made meanwhile may be in it or not, and reaches
   * a client with its own update either way). Null once every client is scanned.
   */
  private nextDeletes(): Uint8Array | null {
    if (this.scanClients.length === 0) return null
    const part = new Map<number, Array<[clock: number, len: number]>>()
    let ranges = 0
    let scanned = 0
    while (this.scanClients.length > 0 && ranges < DELETE_RANGES && scanned < SCAN_STRUCTS) {
      const client = this.scanClients[0]!
      const structs = (this.doc.store.clients.get(client) ?? []) as Struct[]
      const until = this.until.get(client) ?? 0
      let index = this.scanClock > 0 ? Y.findIndexSS(structs, this.scanClock) : 0
      let list = part.get(client)
      for (; index < structs.length && ranges < DELETE_RANGES && scanned < SCAN_STRUCTS; index++, scanned++) {
        const struct = structs[index]!
        const from = Math.max(struct.id.clock, this.scanClock)
        if (from >= until) break
        if (!struct.deleted) continue
        const end = Math.min(struct.id.clock + struct.length, until)
        if (!list) part.set(client, (list = []))
        const last = list[list.length - 1]
        if (last && last[0] + last[1] === from) last[1] += end - from
        else {
          list.push([from, end - from])
          ranges++
        }
      }
      const struct = structs[index]
      if (!struct || struct.id.clock >= until) {
        this.scanClients.shift()
        this.scanClock = 0
      } else this.scanClock = struct.id.clock
    }
    return assembleDeletes(part)
  }

  /** The receiver's state once it applied every chunk so far, as an encoded state vector. */
  sentStateVector(): Uint8Array {
    return Y.encodeStateVector(this.sent)
  }

  /** Emits `client`'s structs while what they build on is sent, up to `budget` bytes; returns the bytes written. */
  private emitRun(client: number, runs: Map<number, ClientRun>, budget: number): number {
    const structs = this.doc.store.clients.get(client) as Struct[] | undefined
    const until = this.until.get(client) ?? 0
    let clock = this.sent.get(client) ?? 0
    if (!structs || clock >= until) {
      this.active.delete(client)
      return 0
    }
    let run = runs.get(client)
    const before = run ? encoding.length(run.encoder.restEncoder) : 0
    let written = 0
    let index = Y.findIndexSS(structs, clock)
    while (clock < until && written < budget && index < structs.length) {
      const struct = structs[index]!
      const offset = clock - struct.id.clock
      if (!this.canSend(struct, offset)) break
      if (!run) {
        run = { encoder: new Y.UpdateEncoderV1(), startClock: clock, structs: 0 }
        runs.set(client, run)
      }
      struct.write(run.encoder, offset)
      run.structs++
      clock = struct.id.clock + struct.length
      this.sent.set(client, clock)
      index++
      written = encoding.length(run.encoder.restEncoder) - before
    }
    if (clock >= until || index >= structs.length) this.active.delete(client)
    return written
  }

  /** Whether the receiver holds what `struct` (written from `offset`) builds on. */
  private canSend(struct: Struct, offset: number): boolean {
    if (!(struct instanceof Y.Item)) return true
    // Written from an offset, its left origin is its own previous clock, sent already.
    if (offset === 0 && struct.origin && !this.has(struct.origin)) return false
    if (struct.rightOrigin && !this.has(struct.rightOrigin)) return false
    const parent = struct.parent
    if (parent instanceof Y.AbstractType) {
      const item = parent._item
      if (item && !this.has(item.id)) return false
    } else if (parent instanceof Y.ID && !this.has(parent)) return false
    return true
  }

  private has(id: Y.ID): boolean {
    return (this.sent.get(id.client) ?? 0) > id.clock
  }
}

/** One update of the runs: the struct section as Yjs writes it, and an empty delete set. */
function assembleStructs(runs: Map<number, ClientRun>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, runs.size)
  for (const [client, run] of runs) {
    encoding.writeVarUint(encoder, run.structs)
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, run.startClock)
    encoding.writeUint8Array(encoder, run.encoder.toUint8Array())
  }
  encoding.writeVarUint(encoder, 0)
  return encoding.toUint8Array(encoder)
}

/**
 * One update holding only `part` of a delete set: an empty struct section,
 * then the delete set section as Yjs writes it (v1: per client, its id, its
 * number of ranges, each range's clock and length).
 */
function assembleDeletes(part: Map<number, Array<[clock: number, len: number]>>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, part.size)
  for (const [client, ranges] of part) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, ranges.length)
    for (const [clock, len] of ranges) {
      encoding.writeVarUint(encoder, clock)
      encoding.writeVarUint(encoder, len)
    }
  }
  return encoding.toUint8Array(encoder)
}

/** The whole of `doc` as the updates of a `DocChunker` from nothing. */
export function docChunks(doc: Y.Doc, maxBytes = CHUNK_BYTES): Uint8Array[] {
  const chunker = new DocChunker(doc)
  const chunks: Uint8Array[] = []
  for (let chunk = chunker.next(maxBytes); chunk; chunk = chunker.next(maxBytes)) chunks.push(chunk)
  return chunks
}
