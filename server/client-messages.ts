/**
 * One message from a client, decoded and dispatched: y-websocket's sync
 * (step 1, step 2, update), awareness and query-awareness, and Colist's
 * Hello. Whatever a message changes goes through its room
 * (`ClientMessageRoom`); refused input throws a `ProtocolError` before the
 * document is touched, and closes only the sender.
 */
import * as decoding from 'lib0/decoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import {
  CloseCode,
  MessageType,
  PROTOCOL_VERSION,
  SyncStep,
  WriteRule,
  canWrite,
  decodeHello,
  encodeAwarenessMessage,
  encodePersisted,
  encodeConnectionInfo,
  encodeWriteRejected,
  helloRefusal,
  writeRejection,
} from '../shared/protocol.ts'
import { AwarenessRefusal, AwarenessRefused, type AwarenessLimits } from './awareness-limits.ts'
import type { AwarenessOwners } from './awareness-owners.ts'
import { stampAwarenessUpdate } from './awareness-stamp.ts'
import { refusedAsRemoved, removalNotice } from './presence-revival.ts'
import type { Connection } from './connection.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { ProtocolError, WriteRefused } from './protocol-error.ts'
import { TokenBucket } from './rate-limit.ts'
import { answerSyncStep1 } from './sync-answer.ts'

/** What handling a client's message needs from the room it arrived in. */
export interface ClientMessageRoom {
  readonly id: string
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  readonly awarenessOwners: AwarenessOwners
  readonly awarenessLimits: AwarenessLimits
  /** Every present awareness state, as one Awareness message shared by all who ask (presence-snapshot.ts). */
  presence(): Uint8Array
  readonly metrics: Metrics
  readonly log: Logger
  /** What storage holds for sure, per clientID: told to a client that says Hello. */
  persistedClocks(): Map<number, number>
  /**
   * Checks and applies a client's update as the connection's user writes it
   * (`Room.applyUpdate`); throws a `ProtocolError` (a `WriteRefused` for a
   * broken write rule) to refuse it. `lenient` for a sync step 2.
   */
  applyUpdate(update: Uint8Array, origin: Connection, lenient: boolean): void
  /** Runs `fn` once everything the room applied so far is stored (DurableWriter.afterStored). */
  afterStored(fn: () => void): void
  /** The user's presence was refused and their connection closed (the room tells its owner: presence-penalty.ts). */
  presenceRefused(userId: string): void
}

/** Handles one message from `conn`; a protocol violation closes only this connection. */
export function receiveClientMessage(room: ClientMessageRoom, conn: Connection, message: Uint8Array): void {
  if (conn.isClosed) return
  try {
    dispatch(room, conn, message)
  } catch (err) {
    const close = err instanceof ProtocolError ? err.close : CloseCode.MalformedMessage
    room.log.debug({ list: room.id, user: conn.identity.userId, err: String(err) }, 'closing connection after bad message')
    if (err instanceof AwarenessRefused) {
      room.metrics.awarenessRefused.inc({ reason: err.reason })
      room.presenceRefused(conn.identity.userId)
    }
    room.metrics.closes.inc({ code: String(close.code) })
    conn.close(close)
  }
}

function dispatch(room: ClientMessageRoom, conn: Connection, message: Uint8Array): void {
  const dec = decoding.createDecoder(message)
  const type = decoding.readVarUint(dec)
  switch (type) {
    case MessageType.Sync:
      return receiveSync(room, conn, dec)
    case MessageType.Awareness:
      return receiveAwareness(room, conn, decoding.readVarUint8Array(dec))
    case MessageType.Auth:
      return // y-websocket's auth message is server → client only; a client sending one is harmless.
    case MessageType.QueryAwareness:
      return answerQuery(room, conn)
    case MessageType.Hello:
      return receiveHello(room, conn, dec)
    default:
      throw new ProtocolError(CloseCode.MalformedMessage, `unknown message type ${type}`)
  }
}

function receiveSync(room: ClientMessageRoom, conn: Connection, dec: decoding.Decoder): void {
  const step = decoding.readVarUint(dec)
  switch (step) {
    case SyncStep.Step1: {
      // Sent once stored, in chunks when the client lacks much (sync-answer.ts).
      answerSyncStep1(room, conn, decoding.readVarUint8Array(dec))
      return
    }
    case SyncStep.Step2:
    case SyncStep.Update:
      // A step 2 may hold what others wrote that the server lost; see write-check.ts.
      receiveUpdate(room, conn, decoding.readVarUint8Array(dec), step === SyncStep.Step2)
      return
    default:
      throw new ProtocolError(CloseCode.MalformedMessage, `unknown sync step ${step}`)
  }
}

function receiveHello(room: ClientMessageRoom, conn: Connection, dec: decoding.Decoder): void {
  const hello = decodeHello(dec)
  const refusal = helloRefusal(hello.protocolVersion)
  if (refusal) throw new ProtocolError(refusal, `protocol ${hello.protocolVersion} not supported (server speaks ${PROTOCOL_VERSION})`)
  conn.colistClient = true
  conn.send(encodeConnectionInfo({ role: conn.identity.role, user: { id: conn.identity.userId, name: conn.identity.name } }))
  conn.send(encodePersisted(room.persistedClocks()))
}

/**
 * Updates a connection may hold back while a sync step 2 is still to come:
 * far more than a person types in the round trip that step 2 takes, and
 * little beside what every socket may queue (MAX_BUFFERED_BYTES).
 */
const MAX_HELD_UPDATES = 32
const MAX_HELD_BYTES = 64 * 1024

function receiveUpdate(room: ClientMessageRoom, conn: Connection, update: Uint8Array, isStep2: boolean): void {
  const answeredLast = isStep2 && conn.answeredStep1()
  // Every sync exchange carries an empty one: nothing to apply or refuse.
  if (!isEmptyUpdate(update)) receiveWrite(room, conn, update, isStep2)
  if (answeredLast) {
    // What waited for this step 2 now finds what it builds on; what still does not is refused.
    const held = conn.heldUpdates.splice(0)
    for (const early of held) receiveWrite(room, conn, early, false)
  }
}

function receiveWrite(room: ClientMessageRoom, conn: Connection, update: Uint8Array, isStep2: boolean): void {
  if (canWrite(conn.identity.role)) applyClientUpdate(room, conn, update, isStep2)
  else refuseViewerWrite(room, conn, update)
}

function refuseViewerWrite(room: ClientMessageRoom, conn: Connection, update: Uint8Array): void {
  // A viewer's sync step 2 repeats the whole delete set even when it adds nothing: not a write.
  if (Y.snapshotContainsUpdate(Y.snapshot(room.doc), update)) return
  room.metrics.writesRejected.inc({ rule: WriteRule.ReadOnly })
  if (conn.colistClient) conn.send(encodeWriteRejected(writeRejection(WriteRule.ReadOnly, 'read-only access: changes are not saved')))
}

/**
 * Applies a writer's update, or refuses it: the client is told why before the
 * socket closes with the rule's code (receiveClientMessage closes it). An
 * update that would be `unresolvable` while a sync step 2 the room asked for
 * is still to come is held until that step 2 has been applied: y-websocket
 * sends live updates as soon as its socket opens, before its step 2, and
 * they may build on offline edits only that step 2 carries; and a user
 * promoted from viewer writes on top of what the room refused before, which
 * the step 2 the room asks for on promotion (Room.changeAccess) carries.
 */
function applyClientUpdate(room: ClientMessageRoom, conn: Connection, update: Uint8Array, isStep2: boolean): void {
  try {
    room.applyUpdate(update, conn, isStep2)
  } catch (err) {
    if (err instanceof WriteRefused) {
      if (err.rejection.rule === WriteRule.Unresolvable && conn.awaitingStep2 && mayHold(conn, update)) {
        conn.heldUpdates.push(update)
        return
      }
      room.metrics.writesRejected.inc({ rule: err.rejection.rule })
      if (conn.colistClient) conn.send(encodeWriteRejected(err.rejection))
    }
    throw err
  }
}

function mayHold(conn: Connection, update: Uint8Array): boolean {
  const bytes = conn.heldUpdates.reduce((sum, held) => sum + held.byteLength, update.byteLength)
  return conn.heldUpdates.length < MAX_HELD_UPDATES && bytes <= MAX_HELD_BYTES
}

/**
 * Answers a QueryAwareness with the presence every asker shares, at most
 * `queriesPerMinute` times per connection; past that the query is dropped
 * (counted), the socket stays open. Clients never need to ask: a join and
 * every change bring the states.
 */
function answerQuery(room: ClientMessageRoom, conn: Connection): void {
  const perMinute = room.awarenessLimits.queriesPerMinute
  conn.awarenessQueries ??= new TokenBucket(perMinute / 60, perMinute)
  if (conn.awarenessQueries.take()) conn.send(room.presence())
  else room.metrics.awarenessRefused.inc({ reason: AwarenessRefusal.QueryRate })
}

/**
 * Stamps the update with the connection's user and applies the states it may
 * speak for; throws `AwarenessRefused` (nothing applied) past the limits of
 * awareness-limits.ts.
 */
function receiveAwareness(room: ClientMessageRoom, conn: Connection, update: Uint8Array): void {
  const identity = { id: conn.identity.userId, name: conn.identity.name }
  const stamped = stampAwarenessUpdate(update, identity, room.awarenessLimits.maxStateBytes, (clientId, clock, leaving) =>
    // The server's own clientID is nobody's to speak for.
    clientId !== room.doc.clientID && room.awarenessOwners.mayUse(conn, clientId, { clock, leaving, held: room.awareness.meta.get(clientId)?.clock }),
  )
  if (!stamped.update) return
  room.awarenessOwners.claim(conn, stamped.states)
  awarenessProtocol.applyAwarenessUpdate(room.awareness, stamped.update, conn)
  // A state refused because the room holds it removed at that clock (the client reconnected after
  // its socket, or its node, was dropped): the client is told, and announces it with a newer clock.
  const refused = refusedAsRemoved(room.awareness, stamped.update)
  if (refused.length > 0) conn.send(encodeAwarenessMessage(removalNotice(refused)))
}

/** An update with no structs and no deletions, as Yjs encodes "nothing new". */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0
}
