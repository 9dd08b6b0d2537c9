/**
 * The Colist wire protocol: every message type and close code the server and
 * client exchange over a list's WebSocket, with the encode/decode pairs for
 * Colist's own messages.
 *
 * Messages 0–3 are the standard y-websocket ones (sync, awareness, auth,
 * query-awareness), so an unmodified y-websocket client works as-is. Colist's
 * own messages start at 100, far above them, and the server sends them only
 * to a client that opened with `Hello`, so unmodified clients never see one.
 *
 * Nothing else in the project hard-codes one of these numbers.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** Bumped when a Colist-specific message changes shape. */
export const PROTOCOL_VERSION = 1

export const MessageType = {
  // --- y-websocket (y-protocols) ---
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  // --- Colist ---
  /** client → server: "I speak Colist at this protocol version; send me Colist messages". */
  Hello: 100,
  /** server → client: {role, user} of this connection; sent after Hello and whenever the role changes. */
  Session: 101,
  /** server → client: durable clocks per Yjs clientID (the whole state vector first, then what advanced). */
  Persisted: 102,
  /** server → client: the server refused this connection's write (e.g. the user is a viewer). */
  WriteRejected: 103,
} as const
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

/** Sub-types inside a `Sync` message, as y-protocols' sync.js numbers them. */
export const SyncStep = {
  Step1: 0,
  Step2: 1,
  Update: 2,
} as const

export interface CloseCodeInfo {
  readonly code: number
  /** Whether a client should reconnect (with backoff) after this close. */
  readonly retryable: boolean
  readonly reason: string
}

function closeCode(code: number, retryable: boolean, reason: string): CloseCodeInfo {
  return { code, retryable, reason }
}

/**
 * WebSocket close codes. 4000–4999 is the range RFC 6455 leaves to
 * applications. Beyond the three codes every Colist client knows (4001,
 * 4003, 4004), ours follow the convention the y-websocket client itself
 * applies by default: 44xx is a final "don't retry" (like HTTP 4xx), 45xx a
 * "try again later" — so even an unmodified client backs off correctly.
 * 1009 is the standard "message too big" the `ws` library sends when a frame
 * exceeds the configured maximum.
 */
export const CloseCode = {
  Unauthorized: closeCode(4001, false, 'invalid or expired token'),
  Forbidden: closeCode(4003, false, 'no access to this list'),
  NotFound: closeCode(4004, false, 'no such list'),
  MalformedMessage: closeCode(4400, false, 'malformed message'),
  DocumentTooBig: closeCode(4413, false, 'list document exceeds the size limit'),
  ProtocolVersion: closeCode(4426, false, 'unsupported protocol version'),
  MessageTooBig: closeCode(1009, false, 'message too big'),
  InternalError: closeCode(4500, true, 'internal server error'),
  ServerBusy: closeCode(4503, true, 'server at connection capacity'),
  ServerRestarting: closeCode(4512, true, 'server restarting'),
  RateLimited: closeCode(4529, true, 'too many messages'),
} as const satisfies Record<string, CloseCodeInfo>
export type CloseCodeName = keyof typeof CloseCode

const closeCodesByNumber = new Map<number, CloseCodeInfo>(
  Object.values(CloseCode).map((info) => [info.code, info]),
)

/**
 * Whether a client should try again after the socket closed with `code`.
 * Codes that are not ours (network drops, 1006, 1001…) are retryable.
 */
export function isRetryableClose(code: number): boolean {
  return closeCodesByNumber.get(code)?.retryable ?? true
}

export function describeClose(code: number): CloseCodeInfo | undefined {
  return closeCodesByNumber.get(code)
}

// ---------------------------------------------------------------------------
// Colist messages: one encode/decode pair each. Decoders take untrusted bytes
// positioned after the message type and throw on anything malformed.
// ---------------------------------------------------------------------------

export type Role = 'owner' | 'editor' | 'viewer'
export const ROLES: readonly Role[] = ['owner', 'editor', 'viewer']

export function canWrite(role: Role): boolean {
  return role !== 'viewer'
}

export interface HelloMessage {
  protocolVersion: number
}

export function encodeHello(msg: HelloMessage): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.Hello)
  encoding.writeVarUint(enc, msg.protocolVersion)
  return encoding.toUint8Array(enc)
}

export function decodeHello(dec: decoding.Decoder): HelloMessage {
  return { protocolVersion: decoding.readVarUint(dec) }
}

export interface SessionMessage {
  role: Role
  user: { id: string; name: string }
}

export function encodeSession(msg: SessionMessage): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.Session)
  encoding.writeVarString(enc, JSON.stringify(msg))
  return encoding.toUint8Array(enc)
}

export function decodeSession(dec: decoding.Decoder): SessionMessage {
  const parsed: unknown = JSON.parse(decoding.readVarString(dec))
  if (typeof parsed !== 'object' || parsed === null) throw new Error('session is not an object')
  const { role, user } = parsed as Record<string, unknown>
  if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new Error('session role is invalid')
  if (typeof user !== 'object' || user === null) throw new Error('session user is invalid')
  const { id, name } = user as Record<string, unknown>
  if (typeof id !== 'string' || typeof name !== 'string') throw new Error('session user is invalid')
  return { role: role as Role, user: { id, name } }
}

/**
 * Durable clocks: for each Yjs clientID, every update of that client with a
 * clock below the given one is stored durably. The first Persisted message
 * after Hello holds the whole stored state vector; later ones only the
 * entries that advanced, so a client merges them by taking the maximum.
 * Encoded in Yjs's state-vector format.
 */
export type PersistedClocks = Map<number, number>

const MAX_PERSISTED_ENTRIES = 1_000_000

export function encodePersisted(clocks: PersistedClocks): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.Persisted)
  encoding.writeVarUint(enc, clocks.size)
  for (const [clientId, clock] of clocks) {
    encoding.writeVarUint(enc, clientId)
    encoding.writeVarUint(enc, clock)
  }
  return encoding.toUint8Array(enc)
}

export function decodePersisted(dec: decoding.Decoder): PersistedClocks {
  const count = decoding.readVarUint(dec)
  if (count > MAX_PERSISTED_ENTRIES) throw new Error(`persisted message names ${count} clients`)
  const clocks: PersistedClocks = new Map()
  for (let i = 0; i < count; i++) clocks.set(decoding.readVarUint(dec), decoding.readVarUint(dec))
  return clocks
}

/** Merges durable clocks into `into` (keeping the larger clock); returns whether anything advanced. */
export function mergePersisted(into: PersistedClocks, from: PersistedClocks): boolean {
  let advanced = false
  for (const [clientId, clock] of from) {
    if (clock > (into.get(clientId) ?? 0)) {
      into.set(clientId, clock)
      advanced = true
    }
  }
  return advanced
}

export interface WriteRejectedMessage {
  reason: string
}

export function encodeWriteRejected(msg: WriteRejectedMessage): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.WriteRejected)
  encoding.writeVarString(enc, msg.reason)
  return encoding.toUint8Array(enc)
}

export function decodeWriteRejected(dec: decoding.Decoder): WriteRejectedMessage {
  return { reason: decoding.readVarString(dec) }
}

/** A y-websocket Sync message: `step` (SyncStep) followed by its payload. */
export function encodeSyncMessage(step: number, payload: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.Sync)
  encoding.writeVarUint(enc, step)
  encoding.writeVarUint8Array(enc, payload)
  return encoding.toUint8Array(enc)
}

/** A y-websocket Awareness message carrying an encoded awareness update. */
export function encodeAwarenessMessage(update: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.Awareness)
  encoding.writeVarUint8Array(enc, update)
  return encoding.toUint8Array(enc)
}

/** Header carrying the durable state vector (base64) on HTTP sync responses. */
export const PERSISTED_STATE_VECTOR_HEADER = 'x-colist-persisted-state-vector'

/** Where a list's socket lives: `${WS_PATH_PREFIX}/${listId}`. */
export const WS_PATH_PREFIX = '/ws/lists'
