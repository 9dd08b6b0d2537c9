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

/**
 * Bumped when a Colist-specific message changes shape or the list document
 * layout changes in a way an older client would corrupt. 2: list document
 * layout v2, `ConnectionInfo.serverTime`, structured `WriteRejected`.
 */
export const PROTOCOL_VERSION = 2

/** The version of clients that only know list document layout v1: told so with 4427, not 4426. */
export const LAYOUT_V1_PROTOCOL_VERSION = 1

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
  ConnectionInfo: 101,
  /** server → client: durable clocks per Yjs clientID (the whole state vector first, then what advanced). */
  Persisted: 102,
  /** server → client: the server refused this connection's write: `{code, rule, message}` (see `WriteRule`). */
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
  /** A write would take the bytes stored in the lists its list's owner owns past `MAX_STORED_BYTES_PER_USER`. */
  StorageQuota: closeCode(4414, false, "the list owner's storage quota is full"),
  /** A write broke the list document's layout rules (`WriteRule`s of 4422); nothing of it was applied. */
  WriteInvalid: closeCode(4422, false, 'write refused: it breaks the list document rules'),
  /** A write added content under a Yjs clientID another user owns on this list. */
  ClientIdTaken: closeCode(4423, false, 'write refused: that clientID belongs to another user'),
  /** A write used more new Yjs clientIDs than allowed (per update, per user or per list). */
  ClientIdLimit: closeCode(4424, false, 'write refused: too many new clientIDs'),
  /** A write carried a timestamp too far ahead of the server's clock. */
  ClockSkew: closeCode(4425, false, "write refused: a timestamp is too far ahead of the server's clock"),
  ProtocolVersion: closeCode(4426, false, 'unsupported protocol version'),
  /** The client only knows list document layout v1 (Hello with protocol 1, or a v1-style deletion). */
  LayoutOutdated: closeCode(4427, false, 'this app version is outdated: reload to get the new one'),
  /** A write created items or categories past the list's cap (`MAX_ITEMS_PER_LIST`, `MAX_CATEGORIES_PER_LIST`). */
  ListFull: closeCode(4428, false, 'write refused: the list holds as many items or categories as it may'),
  /**
   * Device socket only, for one list's channel: the socket has `MAX_CHANNELS_PER_DEVICE` lists open
   * already. Final for that `Open`: the client leaves a list it does not need before opening another.
   */
  TooManyChannels: closeCode(4429, false, 'too many lists open on this device socket'),
  /**
   * An awareness state over `MAX_AWARENESS_STATE_BYTES`, or one connection's states together over
   * `MAX_AWARENESS_CONNECTION_BYTES`: nothing of the message was kept.
   */
  AwarenessTooBig: closeCode(4431, false, 'awareness state exceeds the size limit'),
  /** One message took its connection past `MAX_AWARENESS_IDS_PER_CONNECTION` awareness clientIDs: nothing of it was kept. */
  AwarenessClientIdLimit: closeCode(4432, false, 'too many awareness clientIDs on one connection'),
  MessageTooBig: closeCode(1009, false, 'message too big'),
  InternalError: closeCode(4500, true, 'internal server error'),
  ServerBusy: closeCode(4503, true, 'server at connection capacity'),
  /**
   * A write referred to content the server does not have yet (e.g. a tab's edit of an item another
   * tab created, relayed over BroadcastChannel before that tab's own socket delivered it). Nothing
   * was applied; on reconnect the client's sync step 2 carries what was missing.
   */
  WriteUnresolvable: closeCode(4509, true, 'write refers to content the server has not received yet'),
  ServerRestarting: closeCode(4512, true, 'server restarting'),
  RateLimited: closeCode(4529, true, 'too many messages'),
  /**
   * The user already holds `MAX_SOCKETS_PER_USER` open sockets (list and device sockets, a device
   * socket counting once) on this server. Retryable: it gets in once some of them close.
   */
  TooManySockets: closeCode(4530, true, 'too many open sockets for this user'),
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

/**
 * How the server answers a Hello of `protocolVersion`: null to accept it,
 * else the code to close with. A client of protocol 1 only knows layout v1
 * and would corrupt a v2 document, so it is told that plainly (4427); any
 * other version gets the generic 4426.
 */
export function helloRefusal(protocolVersion: number): CloseCodeInfo | null {
  if (protocolVersion === PROTOCOL_VERSION) return null
  return protocolVersion === LAYOUT_V1_PROTOCOL_VERSION ? CloseCode.LayoutOutdated : CloseCode.ProtocolVersion
}

// ---------------------------------------------------------------------------
// Write rules: why the server refused a write
// ---------------------------------------------------------------------------

/**
 * Every reason the server refuses a client's write, by name. `WriteRejected`
 * carries one of these, and so does the HTTP sync error's `code`; clients
 * compare against these constants, never against message text.
 * docs/protocol.md lists what each means.
 */
export const WriteRule = {
  /** The connection's role is viewer (the socket stays open; nothing it writes is kept). */
  ReadOnly: 'read-only',
  /** A root type the list document does not have. */
  UnknownRoot: 'unknown-root',
  /** A root only the server writes (`meta`, `writers`). */
  ServerOnly: 'server-only',
  /** A key an item, category or register does not have. */
  UnknownField: 'unknown-field',
  /** A value of the wrong type (or a Y type where a plain value belongs, or vice versa). */
  FieldType: 'field-type',
  /** A string or text longer than the API allows. */
  FieldTooLong: 'field-too-long',
  /** An item's `createdBy` that is not the writer. */
  CreatedBy: 'created-by',
  /** A register entry under a key or timestamp that is not the writing clientID's, or a late creation-only field. */
  RegisterKey: 'register-key',
  /** Deleting something only a v1 client deletes (an item or category key, its text, a nested register). */
  RemovedEntry: 'removed-entry',
  /** Deleting anything else a writer may not delete (another writer's entry it did not supersede…). */
  RemovedEntryOther: 'removed-entry-other',
  /** Refers to content (parent, origin, deleted range) the server does not have. */
  Unresolvable: 'unresolvable',
  /** One update advancing a clientID's clock by more than 2^26. */
  ClockRange: 'clock-range',
  /** Content under a clientID another user (or the server) owns on this list. */
  ClientIdOwned: 'client-id-owned',
  /** Too many new clientIDs in one update. */
  ClientIdsPerUpdate: 'client-ids-per-update',
  /** Too many new clientIDs by one user on this list in 24 hours. */
  ClientIdsPerUser: 'client-ids-per-user',
  /** Too many new clientIDs on this list in 24 hours. */
  ClientIdsPerList: 'client-ids-per-list',
  /** A register timestamp too far ahead of the server's clock. */
  ClockSkew: 'clock-skew',
  /** More items than a list may hold (`MAX_ITEMS_PER_LIST`). */
  ItemsPerList: 'items-per-list',
  /** More categories than a list may hold (`MAX_CATEGORIES_PER_LIST`). */
  CategoriesPerList: 'categories-per-list',
} as const
export type WriteRule = (typeof WriteRule)[keyof typeof WriteRule]

const WRITE_RULES: ReadonlySet<string> = new Set(Object.values(WriteRule))

/** The close code each rule refuses with (a viewer's write is refused without closing). */
export const WRITE_RULE_CLOSE: Readonly<Record<WriteRule, CloseCodeInfo>> = {
  [WriteRule.ReadOnly]: CloseCode.Forbidden,
  [WriteRule.UnknownRoot]: CloseCode.WriteInvalid,
  [WriteRule.ServerOnly]: CloseCode.WriteInvalid,
  [WriteRule.UnknownField]: CloseCode.WriteInvalid,
  [WriteRule.FieldType]: CloseCode.WriteInvalid,
  [WriteRule.FieldTooLong]: CloseCode.WriteInvalid,
  [WriteRule.CreatedBy]: CloseCode.WriteInvalid,
  [WriteRule.RegisterKey]: CloseCode.WriteInvalid,
  [WriteRule.RemovedEntry]: CloseCode.LayoutOutdated,
  [WriteRule.RemovedEntryOther]: CloseCode.WriteInvalid,
  [WriteRule.Unresolvable]: CloseCode.WriteUnresolvable,
  [WriteRule.ClockRange]: CloseCode.WriteInvalid,
  [WriteRule.ClientIdOwned]: CloseCode.ClientIdTaken,
  [WriteRule.ClientIdsPerUpdate]: CloseCode.ClientIdLimit,
  [WriteRule.ClientIdsPerUser]: CloseCode.ClientIdLimit,
  [WriteRule.ClientIdsPerList]: CloseCode.ClientIdLimit,
  [WriteRule.ClockSkew]: CloseCode.ClockSkew,
  [WriteRule.ItemsPerList]: CloseCode.ListFull,
  [WriteRule.CategoriesPerList]: CloseCode.ListFull,
}

export function isWriteRule(value: unknown): value is WriteRule {
  return typeof value === 'string' && WRITE_RULES.has(value)
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

export interface ConnectionInfoMessage {
  role: Role
  user: { id: string; name: string }
  /**
   * The server's clock (ms since the epoch) when it sent this message. A client
   * runs its HLC on `Date.now() + (serverTime - Date.now() at receipt)`, so a
   * device whose clock is off still writes timestamps the server accepts.
   */
  serverTime: number
}

/** `serverTime` defaults to the moment of encoding, which is the moment of sending. */
export function encodeConnectionInfo(msg: Omit<ConnectionInfoMessage, 'serverTime'> & { serverTime?: number }): Uint8Array {
  const session: ConnectionInfoMessage = { role: msg.role, user: msg.user, serverTime: msg.serverTime ?? Date.now() }
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.ConnectionInfo)
  encoding.writeVarString(enc, JSON.stringify(session))
  return encoding.toUint8Array(enc)
}

export function decodeConnectionInfo(dec: decoding.Decoder): ConnectionInfoMessage {
  const parsed: unknown = JSON.parse(decoding.readVarString(dec))
  if (typeof parsed !== 'object' || parsed === null) throw new Error('session is not an object')
  const { role, user, serverTime } = parsed as Record<string, unknown>
  if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new Error('session role is invalid')
  if (typeof user !== 'object' || user === null) throw new Error('session user is invalid')
  const { id, name } = user as Record<string, unknown>
  if (typeof id !== 'string' || typeof name !== 'string') throw new Error('session user is invalid')
  if (typeof serverTime !== 'number' || !Number.isFinite(serverTime)) throw new Error('session serverTime is invalid')
  return { role: role as Role, user: { id, name }, serverTime }
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

/**
 * Why the server refused a write: the close code that follows it (for
 * `read-only`, the socket stays open), the rule broken, and a sentence for
 * people. The same triple is the HTTP sync error (`{error: {code: rule, message}}`).
 */
export interface WriteRejectedMessage {
  code: number
  rule: WriteRule
  message: string
}

/** The refusal for `rule`, with its close code. */
export function writeRejection(rule: WriteRule, message: string): WriteRejectedMessage {
  return { code: WRITE_RULE_CLOSE[rule].code, rule, message }
}

export function encodeWriteRejected(msg: WriteRejectedMessage): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, MessageType.WriteRejected)
  encoding.writeVarUint(enc, msg.code)
  encoding.writeVarString(enc, msg.rule)
  encoding.writeVarString(enc, msg.message)
  return encoding.toUint8Array(enc)
}

export function decodeWriteRejected(dec: decoding.Decoder): WriteRejectedMessage {
  const code = decoding.readVarUint(dec)
  const rule = decoding.readVarString(dec)
  if (!isWriteRule(rule)) throw new Error(`unknown write rule ${JSON.stringify(rule)}`)
  return { code, rule, message: decoding.readVarString(dec) }
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
