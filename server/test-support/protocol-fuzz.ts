/**
 * Seeded generator of hostile frames for the list WebSocket, with what the
 * server must do with each one. Everything comes from one lib0 PRNG, so a
 * seed reproduces the exact same frames in the same order.
 *
 * Frames go to one of two lists. The bystander list, where a well-behaved
 * client works, only ever receives frames that cannot change a document: the
 * generator decodes every frame the way the server does and sends anything
 * that could (a sync update Yjs can decode, however corrupt) to the sandbox
 * list instead. So the bystander's stored document must stay exactly what its
 * honest client wrote, while the sandbox shows the server survives whatever
 * a decodable-but-broken update does to a room.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import { CloseCode, MessageType, PROTOCOL_VERSION, SyncStep, WRITE_RULE_CLOSE, encodeHello, helloRefusal } from '../../shared/protocol.ts'
import { awarenessMessage, awarenessUpdate, queryAwarenessMessage, syncMessage } from './wire-messages.ts'

export type FuzzTarget = 'bystander' | 'sandbox'

/** What the server must do with one frame, sent alone on an open socket. */
export type Expectation =
  /** Keep the connection open. */
  | { kind: 'survives' }
  /** Close this sender with one of these codes. */
  | { kind: 'closes'; codes: number[] }
  /** Either; but if it closes, only with one of these codes. */
  | { kind: 'either'; codes: number[] }

export interface FuzzFrame {
  /** Generator that made it, for reports. */
  kind: string
  target: FuzzTarget
  bytes: Uint8Array
  /** Sent as a text frame instead of binary. */
  text?: boolean
  expect: Expectation
  /** The server answers it with a ConnectionInfo message (a Hello for our protocol version), as it answers the probe. */
  answersWithSession: boolean
}

export interface FuzzContext {
  /** Real Yjs updates to corrupt, from `realUpdates`. */
  updates: Uint8Array[]
  /** Updates whose dependencies are in no document: they stay pending wherever they are applied. */
  orphans: Uint8Array[]
  /** Awareness clientIDs of the honest clients: the attacker must not be able to speak for them. */
  victimIds: number[]
  maxMessageBytes: number
}

/**
 * A sender may always be closed for sending too fast. On the sandbox, a frame
 * may also grow the list past MAX_DOC_BYTES, fail to integrate because of
 * junk an earlier frame left pending (the server says 4500, retry), or break
 * a write rule of the list document (44xx, 4509: random updates mostly do).
 * None of these is a failure; a valid update blamed with 4400 would be.
 */
export const ALWAYS_ALLOWED_CLOSES = [CloseCode.RateLimited.code]
const WRITE_RULE_CLOSES = [...new Set(Object.values(WRITE_RULE_CLOSE).map((info) => info.code))]
const SANDBOX_ALLOWED_CLOSES = [CloseCode.DocumentTooBig.code, CloseCode.InternalError.code, ...WRITE_RULE_CLOSES]

const MALFORMED = CloseCode.MalformedMessage.code
const survives: Expectation = { kind: 'survives' }
const closes = (...codes: number[]): Expectation => ({ kind: 'closes', codes })
const either = (...codes: number[]): Expectation => ({ kind: 'either', codes })

/**
 * Real updates of the kinds a list produces (map sets, arrays, text with
 * formatting, nested types, deletions), one per transaction, from documents
 * whose clientIDs come from the PRNG.
 */
export function realUpdates(gen: prng.PRNG, count: number): { updates: Uint8Array[]; orphans: Uint8Array[] } {
  const updates: Uint8Array[] = []
  const orphans: Uint8Array[] = []
  while (updates.length < count) {
    const doc = new Y.Doc()
    doc.clientID = prng.uint32(gen, 1, 0x7fffffff)
    const fromThisDoc: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => fromThisDoc.push(update))
    const map = doc.getMap('items')
    const array = doc.getArray<unknown>('order')
    const text = doc.getText('notes')
    for (let i = 0; i < 12; i++) {
      doc.transact(() => {
        switch (prng.int32(gen, 0, 5)) {
          case 0:
            map.set(prng.word(gen, 1, 8), prng.oneOf(gen, [prng.word(gen), prng.int32(gen, -1e6, 1e6), true, null, { nested: prng.word(gen) }]))
            break
          case 1:
            array.insert(prng.int32(gen, 0, array.length), [prng.word(gen), prng.real53(gen)])
            break
          case 2:
            text.insert(prng.int32(gen, 0, text.length), prng.utf16String(gen, 12), prng.bool(gen) ? { bold: true } : undefined)
            break
          case 3:
            if (text.length > 0) text.delete(prng.int32(gen, 0, text.length - 1), 1)
            else map.delete(prng.word(gen, 1, 8))
            break
          case 4: {
            const sub = new Y.Map<unknown>()
            sub.set('text', new Y.Text(prng.word(gen)))
            map.set(`sub-${i}`, sub)
            break
          }
          default:
            if (array.length > 0) array.delete(0, 1)
            else array.push([new Uint8Array(prng.uint8Array(gen, prng.int32(gen, 1, 16)))])
        }
      })
    }
    updates.push(...fromThisDoc, Y.encodeStateAsUpdate(doc))
    // The second half of this document's history, without the first: it depends on structs nobody has.
    const half = Math.floor(fromThisDoc.length / 2)
    orphans.push(Y.mergeUpdates(fromThisDoc.slice(half)))
    doc.destroy()
  }
  return { updates: updates.slice(0, count), orphans }
}

const generators: Array<[weight: number, kind: string, make: (gen: prng.PRNG, ctx: FuzzContext) => Omit<FuzzFrame, 'kind' | 'answersWithSession'>]> = [
  [15, 'random bytes', (gen) => {
    // Often led by a real message type, so the bytes get past the first varint.
    const prefix = prng.bool(gen) ? [prng.oneOf(gen, [0, 1, 2, 3, 100])] : []
    const bytes = Uint8Array.from([...prefix, ...prng.uint8Array(gen, prng.int32(gen, 0, 48))])
    return { target: 'bystander', bytes, expect: either(MALFORMED, CloseCode.ProtocolVersion.code) }
  }],
  [8, 'truncated varint', (gen) => {
    const bytes = prng.oneOf(gen, [
      [0x80],
      [MessageType.Sync, 0xff],
      [MessageType.Sync, SyncStep.Update, 0xc8],
      [MessageType.Sync, SyncStep.Update, 0xff, 0xff, 0xff],
      [MessageType.Awareness, 0x80, 0x80],
      [MessageType.Hello, 0x81],
      [MessageType.Sync, SyncStep.Step1, 0x02, 0x01, 0x85],
    ])
    return { target: 'bystander', bytes: Uint8Array.from(bytes), expect: closes(MALFORMED) }
  }],
  [8, 'over-long varint', (gen) => {
    if (prng.bool(gen)) {
      // Past 2^53: lib0 refuses it.
      const bytes = Uint8Array.from([...Array.from({ length: prng.int32(gen, 8, 12) }, () => 0xff), 0x01, 0x00])
      return { target: 'bystander', bytes, expect: closes(MALFORMED) }
    }
    // A small number padded with continuation bytes: the same value, so the message behind it counts.
    const padded = (n: number, extra: number) => [...Array.from({ length: extra }, (_, i) => (i === 0 ? 0x80 | n : 0x80)), 0x00]
    const extra = prng.int32(gen, 1, 9)
    return prng.oneOf(gen, [
      { target: 'bystander' as const, bytes: Uint8Array.from(padded(MessageType.QueryAwareness, extra)), expect: survives },
      { target: 'bystander' as const, bytes: Uint8Array.from([...padded(MessageType.Hello, extra), PROTOCOL_VERSION]), expect: survives },
      { target: 'bystander' as const, bytes: Uint8Array.from([...padded(MessageType.Sync, extra), SyncStep.Step1, 1, 0]), expect: survives },
      { target: 'bystander' as const, bytes: Uint8Array.from(padded(77, extra)), expect: closes(MALFORMED) },
    ])
  }],
  [20, 'corrupt update', (gen, ctx) => {
    const bytes = syncMessage(prng.oneOf(gen, [SyncStep.Step2, SyncStep.Update]), corrupt(gen, prng.oneOf(gen, ctx.updates)))
    return { target: 'bystander', bytes, expect: closes(MALFORMED) }
  }],
  // Valid, so never blamed (4400); but the sandbox is full of junk they may trip over (see SANDBOX_ALLOWED_CLOSES).
  [4, 'valid update', (gen, ctx) => ({ target: 'sandbox', bytes: syncMessage(SyncStep.Update, prng.oneOf(gen, ctx.updates)), expect: either() })],
  [3, 'update with missing dependencies', (gen, ctx) => ({ target: 'sandbox', bytes: syncMessage(SyncStep.Update, prng.oneOf(gen, ctx.orphans)), expect: either() })],
  [8, 'huge declared length', (gen) => {
    const huge = prng.oneOf(gen, [2 ** 31, 2 ** 32 + 7, 2 ** 40, Number.MAX_SAFE_INTEGER])
    const enc = encoding.createEncoder()
    switch (prng.int32(gen, 0, 3)) {
      case 0: // the sync payload claims more bytes than the frame holds
        encoding.writeVarUint(enc, MessageType.Sync)
        encoding.writeVarUint(enc, prng.oneOf(gen, [SyncStep.Step1, SyncStep.Step2, SyncStep.Update]))
        encoding.writeVarUint(enc, huge)
        break
      case 1: // so does the awareness payload
        encoding.writeVarUint(enc, MessageType.Awareness)
        encoding.writeVarUint(enc, huge)
        break
      case 2: { // a state vector claiming a huge number of entries
        const sv = encoding.createEncoder()
        encoding.writeVarUint(sv, huge)
        encoding.writeVarUint(sv, 1)
        encoding.writeVarUint(enc, MessageType.Sync)
        encoding.writeVarUint(enc, SyncStep.Step1)
        encoding.writeVarUint8Array(enc, encoding.toUint8Array(sv))
        break
      }
      default: { // a Yjs update claiming a huge number of structs, then a string longer than the frame
        const update = encoding.createEncoder()
        encoding.writeVarUint(update, 1)
        encoding.writeVarUint(update, huge)
        encoding.writeVarUint(update, 1)
        encoding.writeVarUint(update, 0)
        encoding.writeUint8(update, 4)
        encoding.writeVarUint(update, huge)
        encoding.writeVarUint(enc, MessageType.Sync)
        encoding.writeVarUint(enc, SyncStep.Update)
        encoding.writeVarUint8Array(enc, encoding.toUint8Array(update))
      }
    }
    encoding.writeUint8Array(enc, prng.uint8Array(gen, prng.int32(gen, 0, 16)))
    return { target: 'bystander', bytes: encoding.toUint8Array(enc), expect: closes(MALFORMED) }
  }],
  [10, 'awareness for other clients', (gen, ctx) => {
    // Remove or overwrite an honest client's presence, maybe alongside a state of our own.
    const entries = [{ clientId: prng.oneOf(gen, ctx.victimIds), clock: prng.uint32(gen, 0, 2 ** 31), stateJson: prng.bool(gen) ? 'null' : JSON.stringify({ user: { id: 'spoof', name: 'Spoof' }, cursor: 'attacker' }) }]
    if (prng.bool(gen)) entries.push({ clientId: prng.uint32(gen, 1, 0x7fffffff), clock: 1, stateJson: JSON.stringify({ cursor: prng.word(gen) }) })
    return { target: 'bystander', bytes: awarenessMessage(awarenessUpdate(prng.bool(gen) ? entries : entries.reverse())), expect: survives }
  }],
  [5, 'malformed awareness', (gen) => {
    const own = prng.uint32(gen, 1, 0x7fffffff)
    switch (prng.int32(gen, 0, 3)) {
      case 0:
        return { target: 'bystander', bytes: awarenessMessage(awarenessUpdate([{ clientId: own, clock: 1, stateJson: prng.oneOf(gen, ['{', '{"a":', 'undefined', '', '\u0000']) }])), expect: closes(MALFORMED) }
      case 1:
        return { target: 'bystander', bytes: awarenessMessage(awarenessUpdate([{ clientId: own, clock: 1, stateJson: prng.oneOf(gen, ['5', '"text"', '[1,2]', 'true']) }])), expect: closes(MALFORMED) }
      case 2: {
        const many = Array.from({ length: 65 }, (_, i) => ({ clientId: own + i, clock: 1, stateJson: '{}' }))
        return { target: 'bystander', bytes: awarenessMessage(awarenessUpdate(many)), expect: closes(MALFORMED) }
      }
      default: {
        const update = awarenessUpdate([{ clientId: own, clock: 1, stateJson: '{}' }])
        return { target: 'bystander', bytes: awarenessMessage(Uint8Array.from([...update, ...prng.uint8Array(gen, prng.int32(gen, 1, 4))])), expect: closes(MALFORMED) }
      }
    }
  }],
  [6, 'hello', (gen) => {
    const version = prng.oneOf(gen, [PROTOCOL_VERSION, PROTOCOL_VERSION, 0, PROTOCOL_VERSION + 1, 255, 2 ** 31, Number.MAX_SAFE_INTEGER, prng.uint32(gen, 2, 2 ** 31)])
    if (prng.int32(gen, 0, 9) === 0) return { target: 'bystander', bytes: Uint8Array.of(MessageType.Hello), expect: closes(MALFORMED) }
    const refusal = helloRefusal(version)
    return { target: 'bystander', bytes: encodeHello({ protocolVersion: version }), expect: refusal ? closes(refusal.code) : survives }
  }],
  [3, 'unknown message type', (gen) => {
    const type = prng.oneOf(gen, [4, 5, 99, 101, 102, 103, 127, 128, 4096, prng.uint32(gen, 104, 2 ** 31)])
    const enc = encoding.createEncoder()
    encoding.writeVarUint(enc, type)
    encoding.writeUint8Array(enc, prng.uint8Array(gen, prng.int32(gen, 0, 8)))
    return { target: 'bystander', bytes: encoding.toUint8Array(enc), expect: closes(MALFORMED) }
  }],
  [2, 'unknown sync step', (gen) => ({ target: 'bystander', bytes: syncMessage(prng.int32(gen, 3, 200), prng.uint8Array(gen, 4)), expect: closes(MALFORMED) })],
  [3, 'sync step 1', (gen, ctx) => {
    const sv = prng.bool(gen) ? Y.encodeStateVector(new Y.Doc()) : Y.encodeStateVectorFromUpdate(prng.oneOf(gen, ctx.updates))
    return { target: 'bystander', bytes: syncMessage(SyncStep.Step1, sv), expect: survives }
  }],
  [1, 'auth or query-awareness', (gen) => ({
    target: 'bystander',
    bytes: prng.bool(gen) ? Uint8Array.of(MessageType.Auth, 0, 0) : queryAwarenessMessage(),
    expect: survives,
  })],
  [1, 'text frame', (gen) => {
    if (prng.bool(gen)) return { target: 'bystander', bytes: new TextEncoder().encode(prng.utf16String(gen, 20)), text: true, expect: closes(MALFORMED) }
    // Not UTF-8 at all: the WebSocket layer itself refuses it (1007).
    return { target: 'bystander', bytes: Uint8Array.of(0xc3, 0x28, 0xff, 0xfe), text: true, expect: closes(1007) }
  }],
  [1, 'oversized frame', (gen, ctx) => ({
    target: 'bystander',
    bytes: syncMessage(SyncStep.Update, new Uint8Array(ctx.maxMessageBytes + prng.int32(gen, 1, 4096))),
    expect: closes(CloseCode.MessageTooBig.code),
  })],
]
const totalWeight = generators.reduce((sum, [weight]) => sum + weight, 0)

/** The next frame: a weighted pick among the generators, then routed and labelled as the server would read it. */
export function nextFrame(gen: prng.PRNG, ctx: FuzzContext): FuzzFrame {
  let pick = prng.int32(gen, 0, totalWeight - 1)
  const [, kind, make] = generators.find(([weight]) => (pick -= weight) < 0)!
  const frame = make(gen, ctx)
  // Text and oversized frames never reach a room: the socket layer refuses them first.
  const reachesRoom = !frame.text && frame.bytes.byteLength <= ctx.maxMessageBytes
  const update = reachesRoom ? syncUpdatePayload(frame.bytes) : null
  if (update && !isEmptyUpdate(update) && decodes(update)) {
    // It could change a document: only the sandbox may receive it, where Yjs may apply it or choke on it.
    frame.target = 'sandbox'
    frame.expect = frame.expect.kind === 'either' && frame.expect.codes.length === 0 ? frame.expect : either(MALFORMED)
  } else if (update && isEmptyUpdate(update)) {
    frame.expect = survives
  }
  if (frame.target === 'sandbox') frame.expect = withCodes(frame.expect, SANDBOX_ALLOWED_CLOSES)
  return { ...frame, kind, answersWithSession: !frame.text && isHelloForOurVersion(frame.bytes) }
}

/** Returns the update a sync step-2/update message carries, read as the server reads it; null for anything else. */
export function syncUpdatePayload(message: Uint8Array): Uint8Array | null {
  try {
    const dec = decoding.createDecoder(message)
    if (decoding.readVarUint(dec) !== MessageType.Sync) return null
    const step = decoding.readVarUint(dec)
    if (step !== SyncStep.Step2 && step !== SyncStep.Update) return null
    return decoding.readVarUint8Array(dec)
  } catch {
    return null
  }
}

function isHelloForOurVersion(message: Uint8Array): boolean {
  try {
    const dec = decoding.createDecoder(message)
    return decoding.readVarUint(dec) === MessageType.Hello && decoding.readVarUint(dec) === PROTOCOL_VERSION
  } catch {
    return false
  }
}

function decodes(update: Uint8Array): boolean {
  try {
    Y.decodeUpdate(update)
    return true
  } catch {
    return false
  }
}

function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0
}

function withCodes(expect: Expectation, extra: number[]): Expectation {
  return expect.kind === 'survives' ? expect : { ...expect, codes: [...expect.codes, ...extra] }
}

/** Flips bits, truncates, extends or splices a real update. */
function corrupt(gen: prng.PRNG, update: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(update)
  switch (prng.int32(gen, 0, 4)) {
    case 0:
      for (let i = prng.int32(gen, 1, 3); i > 0; i--) bytes[prng.int32(gen, 0, bytes.length - 1)]! ^= 1 << prng.int32(gen, 0, 7)
      return bytes
    case 1:
      return bytes.slice(0, prng.int32(gen, 0, bytes.length - 1))
    case 2:
      return Uint8Array.from([...bytes, ...prng.uint8Array(gen, prng.int32(gen, 1, 32))])
    case 3: {
      const at = prng.int32(gen, 0, bytes.length - 1)
      return Uint8Array.from([...bytes.slice(0, at), ...prng.uint8Array(gen, prng.int32(gen, 1, 8)), ...bytes.slice(at + prng.int32(gen, 0, 4))])
    }
    default:
      bytes[prng.int32(gen, 0, bytes.length - 1)] = prng.oneOf(gen, [0x00, 0x7f, 0x80, 0xff])
      return bytes
  }
}
