/**
 * The awareness entry codec round-trips, in the manner of lib0's
 * encoding.test.js (encode, decode, compare), and agrees with y-protocols
 * both ways, as y-protocols' awareness tests exchange updates between two
 * Awareness instances: what y-protocols encodes we decode, what we encode
 * y-protocols applies, byte for byte the same as its own encoder.
 */
import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { decodeAwarenessEntries, encodeAwarenessEntries, type AwarenessEntry } from './awareness-entries.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'))

function awarenessOf(clientId: number): awarenessProtocol.Awareness {
  const doc = new Y.Doc()
  doc.clientID = clientId
  const awareness = new awarenessProtocol.Awareness(doc)
  // Destroyed at once only to stop its 30 s timer (it sets the local state to null); it still encodes and applies.
  awareness.destroy()
  return awareness
}

describe('round trip', () => {
  const cases: Array<[string, AwarenessEntry[]]> = [
    ['no entries', []],
    ['one state', [{ clientId: 1, clock: 0, stateJson: '{}' }]],
    ['a removal', [{ clientId: 7, clock: 3, stateJson: 'null' }]],
    ['an empty state text (not JSON; the codec does not parse)', [{ clientId: 0, clock: 0, stateJson: '' }]],
    ['largest clientID and a 53-bit clock', [{ clientId: 2 ** 32 - 1, clock: Number.MAX_SAFE_INTEGER, stateJson: '{"a":1}' }]],
    ['unicode', [{ clientId: 42, clock: 9, stateJson: JSON.stringify({ user: { name: 'Zoë 🛒' }, text: '\u0000\u2028' }) }]],
    [
      'several, order kept',
      [
        { clientId: 3, clock: 1, stateJson: '{"x":3}' },
        { clientId: 1, clock: 200, stateJson: 'null' },
        { clientId: 2, clock: 17, stateJson: '{"x":2}' },
      ],
    ],
  ]
  for (const [name, entries] of cases) {
    it(name, () => {
      expect(decodeAwarenessEntries(encodeAwarenessEntries(entries))).toEqual(entries)
    })
  }

  it('random entries (seeded)', () => {
    const gen = prng.create(0x5eed)
    for (let run = 0; run < 200; run++) {
      const entries: AwarenessEntry[] = []
      const count = prng.uint32(gen, 0, 8)
      for (let i = 0; i < count; i++) {
        entries.push({
          clientId: prng.uint32(gen, 0, 2 ** 32 - 1),
          clock: prng.uint53(gen, 0, Number.MAX_SAFE_INTEGER),
          stateJson: prng.bool(gen) ? 'null' : JSON.stringify({ s: prng.utf16String(gen, 20) }),
        })
      }
      expect(decodeAwarenessEntries(encodeAwarenessEntries(entries))).toEqual(entries)
    }
  })
})

describe('agrees with y-protocols', () => {
  it('decodes an update y-protocols encoded: states, clocks and a removal', () => {
    const ana = awarenessOf(101)
    const bob = awarenessOf(202)
    ana.setLocalState({ user: { id: 'u1', name: 'Ana' }, typing: true })
    ana.setLocalStateField('typing', false)
    bob.setLocalState({ user: { id: 'u2', name: 'Bob' } })
    awarenessProtocol.applyAwarenessUpdate(ana, awarenessProtocol.encodeAwarenessUpdate(bob, [202]), 'test')
    bob.setLocalState(null)
    awarenessProtocol.applyAwarenessUpdate(ana, awarenessProtocol.encodeAwarenessUpdate(bob, [202]), 'test')

    const update = awarenessProtocol.encodeAwarenessUpdate(ana, [101, 202])
    expect(decodeAwarenessEntries(update)).toEqual([
      { clientId: 101, clock: ana.meta.get(101)!.clock, stateJson: JSON.stringify(ana.getLocalState()) },
      { clientId: 202, clock: ana.meta.get(202)!.clock, stateJson: 'null' },
    ])
    expect(ana.meta.get(202)!.clock).toBeGreaterThan(0)
  })

  it('encodes the bytes y-protocols encodes for the same states', () => {
    const ana = awarenessOf(101)
    ana.setLocalState({ user: { id: 'u1', name: 'Ana' }, focus: 'item-1' })
    const theirs = awarenessProtocol.encodeAwarenessUpdate(ana, [101])
    const ours = encodeAwarenessEntries([{ clientId: 101, clock: ana.meta.get(101)!.clock, stateJson: JSON.stringify(ana.getLocalState()) }])
    expect(hex(ours)).toBe(hex(theirs))
  })

  it('what we encode, y-protocols applies: new states, a newer clock, then a removal', () => {
    const receiver = awarenessOf(1)
    awarenessProtocol.applyAwarenessUpdate(
      receiver,
      encodeAwarenessEntries([
        { clientId: 500, clock: 1, stateJson: '{"user":{"id":"u5","name":"Eve"}}' },
        { clientId: 600, clock: 4, stateJson: '{"typing":true}' },
      ]),
      'test',
    )
    expect(receiver.getStates().get(500)).toEqual({ user: { id: 'u5', name: 'Eve' } })
    expect(receiver.getStates().get(600)).toEqual({ typing: true })
    expect(receiver.meta.get(600)!.clock).toBe(4)

    awarenessProtocol.applyAwarenessUpdate(
      receiver,
      encodeAwarenessEntries([
        { clientId: 500, clock: 2, stateJson: 'null' },
        { clientId: 600, clock: 3, stateJson: '{"typing":false}' }, // older than what it holds: ignored
      ]),
      'test',
    )
    expect(receiver.getStates().has(500)).toBe(false)
    expect(receiver.getStates().get(600)).toEqual({ typing: true })
  })
})

describe('wire compatibility', () => {
  // Produced by the hand-written encoder this module replaced (server/test-support/wire-messages.ts at
  // 8aa1ed0) and identical to awareness-stamp.ts's: a node or client built before it must read ours, and we theirs.
  const OLD_BYTES = '02d209032f7b2275736572223a7b226964223a227531222c226e616d65223a22416e61227d2c22747970696e67223a747275657dffffffff0fac02046e756c6c'
  const ENTRIES: AwarenessEntry[] = [
    { clientId: 1234, clock: 3, stateJson: '{"user":{"id":"u1","name":"Ana"},"typing":true}' },
    { clientId: 2 ** 32 - 1, clock: 300, stateJson: 'null' },
  ]

  it('decodes bytes of the old encoder and encodes the same bytes', () => {
    expect(decodeAwarenessEntries(fromHex(OLD_BYTES))).toEqual(ENTRIES)
    expect(hex(encodeAwarenessEntries(ENTRIES))).toBe(OLD_BYTES)
  })
})

describe('refuses malformed input', () => {
  const one = encodeAwarenessEntries([{ clientId: 1, clock: 1, stateJson: '{}' }])

  it('more entries than maxEntries, before reading any', () => {
    const entries = Array.from({ length: 65 }, (_, i) => ({ clientId: i, clock: 1, stateJson: '{}' }))
    const update = encodeAwarenessEntries(entries)
    expect(decodeAwarenessEntries(update, { maxEntries: 65 })).toHaveLength(65)
    expect(() => decodeAwarenessEntries(update, { maxEntries: 64 })).toThrow(/65 entries \(at most 64\)/)
    // A forged count is refused even when the entries after it are garbage.
    expect(() => decodeAwarenessEntries(Uint8Array.of(65, 0xff), { maxEntries: 64 })).toThrow(/65 entries/)
  })

  it('a count the bytes cannot hold, without looping over it', () => {
    // varuint 2^40 followed by one entry: would be a trillion iterations.
    const forged = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x20, ...one.subarray(1))
    expect(() => decodeAwarenessEntries(forged)).toThrow(/cannot hold/)
    expect(() => decodeAwarenessEntries(Uint8Array.of(2, ...one.subarray(1)))).toThrow(/cannot hold/)
  })

  it('truncated input and trailing bytes', () => {
    expect(() => decodeAwarenessEntries(new Uint8Array(0))).toThrow()
    // A subarray: its buffer goes on past the cut, and nothing past it is read.
    expect(() => decodeAwarenessEntries(one.subarray(0, one.byteLength - 1))).toThrow()
    expect(() => decodeAwarenessEntries(one.slice(0, one.byteLength - 1))).toThrow()
    expect(() => decodeAwarenessEntries(Uint8Array.of(...one, 0))).toThrow(/trailing/)
  })
})
