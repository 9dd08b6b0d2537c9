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
  canWrite,
  decodeHello,
  encodeAwarenessMessage,
  encodePersisted,
  encodeSession,
  encodeSyncMessage,
  encodeWriteRejected,
} from '../shared/protocol.ts'
import type { AwarenessOwners } from './awareness-owners.ts'
import { stampAwarenessUpdate } from './awareness-stamp.ts'
import type { Connection } from './connection.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { ProtocolError } from './protocol-error.ts'

/** What handling a client's message needs from the room it arrived in. */
export interface ClientMessageRoom {
  readonly id: string
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  readonly awarenessOwners: AwarenessOwners
  readonly metrics: Metrics
  readonly log: Logger
  /** What storage holds for sure, per clientID: told to a client that says Hello. */
  persistedClocks(): Map<number, number>
  /** Validates and applies an update (`Room.applyUpdate`); throws a `ProtocolError` to refuse it. */
  applyUpdate(update: Uint8Array, origin: Connection): void
}

/** Handles one message from `conn`; a protocol violation closes only this connection. */
export function receiveClientMessage(room: ClientMessageRoom, conn: Connection, message: Uint8Array): void {
  if (conn.isClosed) return
  try {
    dispatch(room, conn, message)
  } catch (err) {
    const close = err instanceof ProtocolError ? err.close : CloseCode.MalformedMessage
    room.log.debug({ list: room.id, user: conn.identity.userId, err: String(err) }, 'closing connection after bad message')
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
      conn.send(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(room.awareness, [...room.awareness.getStates().keys()])))
      return
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
      const stateVector = decoding.readVarUint8Array(dec)
      conn.send(encodeSyncMessage(SyncStep.Step2, Y.encodeStateAsUpdate(room.doc, stateVector)))
      return
    }
    case SyncStep.Step2:
    case SyncStep.Update:
      receiveUpdate(room, conn, decoding.readVarUint8Array(dec))
      return
    default:
      throw new ProtocolError(CloseCode.MalformedMessage, `unknown sync step ${step}`)
  }
}

function receiveHello(room: ClientMessageRoom, conn: Connection, dec: decoding.Decoder): void {
  const hello = decodeHello(dec)
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    throw new ProtocolError(CloseCode.ProtocolVersion, `protocol ${hello.protocolVersion} not supported (server speaks ${PROTOCOL_VERSION})`)
  }
  conn.colistClient = true
  conn.send(encodeSession({ role: conn.identity.role, user: { id: conn.identity.userId, name: conn.identity.name } }))
  conn.send(encodePersisted(room.persistedClocks()))
}

function receiveUpdate(room: ClientMessageRoom, conn: Connection, update: Uint8Array): void {
  if (isEmptyUpdate(update)) return // every sync exchange carries one; nothing to apply or refuse
  if (!canWrite(conn.identity.role)) {
    // A viewer's sync step 2 repeats the whole delete set even when it adds nothing: not a write.
    if (Y.snapshotContainsUpdate(Y.snapshot(room.doc), update)) return
    room.metrics.writesRejected.inc()
    if (conn.colistClient) conn.send(encodeWriteRejected({ reason: 'read-only access: changes are not saved' }))
    return
  }
  room.applyUpdate(update, conn)
}

/** Stamps the update with the connection's user and applies the states it may speak for. */
function receiveAwareness(room: ClientMessageRoom, conn: Connection, update: Uint8Array): void {
  const stamped = stampAwarenessUpdate(update, { id: conn.identity.userId, name: conn.identity.name }, (clientId) =>
    // The server's own clientID is nobody's to speak for.
    clientId !== room.doc.clientID && room.awarenessOwners.mayUse(conn, clientId),
  )
  if (!stamped.update) return
  room.awarenessOwners.claim(conn, stamped.clientIds)
  awarenessProtocol.applyAwarenessUpdate(room.awareness, stamped.update, conn)
}

/** An update with no structs and no deletions, as Yjs encodes "nothing new". */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0
}
