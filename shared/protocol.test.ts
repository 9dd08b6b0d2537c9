/**
 * Every Colist message codec round-trips, in the manner of lib0's
 * encoding.test.js: encode, decode what follows the message type, compare.
 * Decoders also refuse what they must refuse, since they read untrusted bytes.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import {
  CloseCode,
  LAYOUT_V1_PROTOCOL_VERSION,
  MessageType,
  PROTOCOL_VERSION,
  SyncStep,
  WRITE_RULE_CLOSE,
  WriteRule,
  decodeHello,
  decodePersisted,
  decodeConnectionInfo,
  decodeWriteRejected,
  describeClose,
  encodeAwarenessMessage,
  encodeHello,
  encodePersisted,
  encodeConnectionInfo,
  encodeSyncMessage,
  encodeWriteRejected,
  helloRefusal,
  isRetryableClose,
  writeRejection,
  type PersistedClocks,
  type ConnectionInfoMessage,
  type WriteRejectedMessage,
} from './protocol.ts'

/** Reads the message type and returns a decoder positioned after it. */
function open(message: Uint8Array, expectedType: number): decoding.Decoder {
  const dec = decoding.createDecoder(message)
  expect(decoding.readVarUint(dec)).toBe(expectedType)
  return dec
}

/** Asserts the decoder consumed the whole message: nothing trails a codec's output. */
function expectDone(dec: decoding.Decoder): void {
  expect(decoding.hasContent(dec)).toBe(false)
}

describe('message codecs round-trip', () => {
  it('Hello', () => {
    for (const protocolVersion of [0, LAYOUT_V1_PROTOCOL_VERSION, PROTOCOL_VERSION, 127, 128, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      const dec = open(encodeHello({ protocolVersion }), MessageType.Hello)
      expect(decodeHello(dec)).toEqual({ protocolVersion })
      expectDone(dec)
    }
  })

  it('Session, with the server time', () => {
    const sessions: ConnectionInfoMessage[] = [
      { role: 'owner', user: { id: 'u-1', name: 'Ana' }, serverTime: 1_764_590_400_000 },
      { role: 'editor', user: { id: '', name: '' }, serverTime: 0 },
      { role: 'viewer', user: { id: 'ü-☃', name: 'Zoë "quoted" \n name' }, serverTime: 1.5 },
    ]
    for (const session of sessions) {
      const dec = open(encodeConnectionInfo(session), MessageType.ConnectionInfo)
      expect(decodeConnectionInfo(dec)).toEqual(session)
      expectDone(dec)
    }
  })

  it('Session stamps serverTime at encoding when the caller gives none', () => {
    const before = Date.now()
    const decoded = decodeConnectionInfo(open(encodeConnectionInfo({ role: 'editor', user: { id: 'u', name: 'U' } }), MessageType.ConnectionInfo))
    expect(decoded.serverTime).toBeGreaterThanOrEqual(before)
    expect(decoded.serverTime).toBeLessThanOrEqual(Date.now())
  })

  it('Persisted', () => {
    const cases: PersistedClocks[] = [
      new Map(),
      new Map([[1, 1]]),
      // Yrs clientIDs reach 2^53; clocks are unbounded varuints too.
      new Map([
        [0, 0],
        [2 ** 32 - 1, 2 ** 26],
        [Number.MAX_SAFE_INTEGER, 123_456_789],
      ]),
    ]
    for (const clocks of cases) {
      const dec = open(encodePersisted(clocks), MessageType.Persisted)
      expect(decodePersisted(dec)).toEqual(clocks)
      expectDone(dec)
    }
  })

  it('WriteRejected, for every rule', () => {
    for (const rule of Object.values(WriteRule)) {
      const msg: WriteRejectedMessage = writeRejection(rule, `refused because of ${rule} — ünïcödé`)
      expect(msg.code).toBe(WRITE_RULE_CLOSE[rule].code)
      const dec = open(encodeWriteRejected(msg), MessageType.WriteRejected)
      expect(decodeWriteRejected(dec)).toEqual(msg)
      expectDone(dec)
    }
  })

  it('Sync, for every step', () => {
    for (const step of Object.values(SyncStep)) {
      for (const payload of [new Uint8Array(), Uint8Array.of(0, 0), Uint8Array.from({ length: 300 }, (_, i) => i & 255)]) {
        const dec = open(encodeSyncMessage(step, payload), MessageType.Sync)
        expect(decoding.readVarUint(dec)).toBe(step)
        expect(decoding.readVarUint8Array(dec)).toEqual(payload)
        expectDone(dec)
      }
    }
  })

  it('Awareness', () => {
    for (const payload of [new Uint8Array(), Uint8Array.of(1, 2, 3)]) {
      const dec = open(encodeAwarenessMessage(payload), MessageType.Awareness)
      expect(decoding.readVarUint8Array(dec)).toEqual(payload)
      expectDone(dec)
    }
  })
})

describe('decoders refuse malformed input', () => {
  const sessionBytes = (json: string) => {
    const enc = encoding.createEncoder()
    encoding.writeVarString(enc, json)
    return decoding.createDecoder(encoding.toUint8Array(enc))
  }

  it('Session without a valid serverTime (a protocol 1 server) or with a bad role', () => {
    expect(() => decodeConnectionInfo(sessionBytes(JSON.stringify({ role: 'owner', user: { id: 'u', name: 'U' } })))).toThrow(/serverTime/)
    expect(() => decodeConnectionInfo(sessionBytes(JSON.stringify({ role: 'owner', user: { id: 'u', name: 'U' }, serverTime: '1' })))).toThrow(/serverTime/)
    expect(() => decodeConnectionInfo(sessionBytes(JSON.stringify({ role: 'admin', user: { id: 'u', name: 'U' }, serverTime: 1 })))).toThrow(/role/)
    expect(() => decodeConnectionInfo(sessionBytes('null'))).toThrow()
  })

  it('WriteRejected naming a rule nobody defined', () => {
    const enc = encoding.createEncoder()
    encoding.writeVarUint(enc, 4422)
    encoding.writeVarString(enc, 'made-up')
    encoding.writeVarString(enc, 'message')
    expect(() => decodeWriteRejected(decoding.createDecoder(encoding.toUint8Array(enc)))).toThrow(/unknown write rule/)
  })

  it('truncated messages', () => {
    const truncated = (message: Uint8Array, type: number) => open(message.subarray(0, message.byteLength - 1), type)
    expect(() => decodeWriteRejected(truncated(encodeWriteRejected(writeRejection(WriteRule.FieldType, 'x')), MessageType.WriteRejected))).toThrow()
    expect(() => decodePersisted(truncated(encodePersisted(new Map([[5, 7]])), MessageType.Persisted))).toThrow()
  })
})

describe('close codes', () => {
  it('the write refusal codes are final, the unresolvable one retryable', () => {
    for (const info of [CloseCode.WriteInvalid, CloseCode.ClientIdTaken, CloseCode.ClientIdLimit, CloseCode.ClockSkew, CloseCode.LayoutOutdated]) {
      expect(info.code).toBeGreaterThanOrEqual(4400)
      expect(info.code).toBeLessThan(4500)
      expect(isRetryableClose(info.code)).toBe(false)
    }
    expect([CloseCode.WriteInvalid, CloseCode.ClientIdTaken, CloseCode.ClientIdLimit, CloseCode.ClockSkew, CloseCode.LayoutOutdated].map((c) => c.code)).toEqual([
      4422, 4423, 4424, 4425, 4427,
    ])
    expect(isRetryableClose(CloseCode.WriteUnresolvable.code)).toBe(true)
  })

  it('every code is defined once', () => {
    const codes = Object.values(CloseCode).map((info) => info.code)
    expect(new Set(codes).size).toBe(codes.length)
    for (const code of codes) expect(describeClose(code)?.code).toBe(code)
  })

  it('a Hello of protocol 1 is told its layout is outdated; other versions are unsupported', () => {
    expect(helloRefusal(PROTOCOL_VERSION)).toBeNull()
    expect(helloRefusal(LAYOUT_V1_PROTOCOL_VERSION)).toBe(CloseCode.LayoutOutdated)
    expect(helloRefusal(0)).toBe(CloseCode.ProtocolVersion)
    expect(helloRefusal(PROTOCOL_VERSION + 1)).toBe(CloseCode.ProtocolVersion)
  })
})
