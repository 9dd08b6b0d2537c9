/**
 * Every message between nodes round-trips (encode, decode, compare, as in
 * lib0's encoding.test.js), and encodes and decodes the bytes nodes sent
 * before the codecs moved here (pinned below, produced by the encoders of
 * 8aa1ed0 in redis-fanout.ts, room-registry.ts, node-protocol.ts and
 * shared/protocol.ts): during a rolling deploy an old node and a new one
 * share the fan-out, so these bytes must not move.
 */
import * as awarenessProtocol from 'y-protocols/awareness'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeAwarenessEntries } from '../shared/awareness-entries.ts'
import { activityId, type ActivityEvent } from '../shared/activity.ts'
import { encodePersisted } from '../shared/protocol.ts'
import {
  decodeAccessChange,
  decodeBeat,
  decodeEnvelope,
  decodeListsFeedChange,
  decodeNodeActivity,
  decodeNodePersisted,
  decodeNodeSync,
  decodeSessionChange,
  encodeAccessChange,
  encodeBeat,
  encodeEnvelope,
  encodeListsFeedChange,
  encodeNodeActivity,
  encodeNodePersisted,
  encodeNodeSync,
  encodeSessionChange,
  nodeAwarenessClientIds,
  topics,
  type AccessChange,
  type ListsFeedChange,
  type NodeSyncMessage,
} from './node-protocol.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'))
const utf8 = (text: string) => new TextEncoder().encode(text)

describe('topics', () => {
  it('per list and per node, as every node names them', () => {
    expect([topics.doc('l1'), topics.awareness('l1'), topics.persisted('l1'), topics.sync('l1'), topics.access, topics.lists, topics.nodes]).toEqual([
      'doc:l1',
      'awareness:l1',
      'persisted:l1',
      'sync:l1',
      'access',
      'lists',
      'nodes',
    ])
  })
})

describe('envelope (RedisFanout)', () => {
  it('round-trips, empty and binary payloads included', () => {
    for (const payload of [new Uint8Array(0), Uint8Array.of(0, 255, 1), new Uint8Array(70_000).fill(7)]) {
      for (const node of ['n', '3f1c0c9e-7a57-4b0e-9d1a-2b4d2b7d9e10', 'nœud', 'x'.repeat(300)]) {
        const decoded = decodeEnvelope(encodeEnvelope(node, payload))
        expect(decoded.fromNode).toBe(node)
        expect(hex(decoded.payload)).toBe(hex(payload))
      }
    }
  })

  it('decodes a payload inside a larger buffer (as ioredis hands it over) without reading past it', () => {
    const framed = encodeEnvelope('node-a', Uint8Array.of(1, 2, 3))
    const pooled = new Uint8Array(64).fill(9)
    pooled.set(framed, 10)
    const view = pooled.subarray(10, 10 + framed.byteLength)
    expect(decodeEnvelope(view)).toEqual({ fromNode: 'node-a', payload: Uint8Array.of(1, 2, 3) })
  })

  it('old bytes', () => {
    expect(hex(encodeEnvelope('node-a', Uint8Array.of(1, 2, 3)))).toBe('066e6f64652d61010203')
    expect(decodeEnvelope(fromHex('066e6f64652d61010203'))).toEqual({ fromNode: 'node-a', payload: Uint8Array.of(1, 2, 3) })
  })

  it('refuses a node id longer than the message', () => {
    expect(() => decodeEnvelope(Uint8Array.of(9, 0x61))).toThrow()
  })
})

describe('doc', () => {
  it('is the Yjs update itself', () => {
    // Nothing to encode: peers apply the payload as a Yjs update, and a doc that applies it converges.
    const doc = new Y.Doc()
    doc.getMap('m').set('k', 'v')
    const peer = new Y.Doc()
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
    expect(peer.getMap('m').get('k')).toBe('v')
  })
})

describe('awareness', () => {
  it('names the clientIDs of a y-protocols update, however many', () => {
    const doc = new Y.Doc()
    const awareness = new awarenessProtocol.Awareness(doc)
    awareness.destroy() // stops its timer; it still encodes
    const ids: number[] = []
    for (let id = 1; id <= 100; id++) {
      ids.push(id)
      awarenessProtocol.applyAwarenessUpdate(awareness, encodeAwarenessEntries([{ clientId: id, clock: 1, stateJson: '{}' }]), 'test')
    }
    expect(nodeAwarenessClientIds(awarenessProtocol.encodeAwarenessUpdate(awareness, ids))).toEqual(ids)
  })

  it('refuses a malformed update', () => {
    expect(() => nodeAwarenessClientIds(Uint8Array.of(1, 5))).toThrow()
  })
})

describe('persisted', () => {
  const cases = [new Map<number, number>(), new Map([[1234, 3]]), new Map([[1234, 3], [2 ** 32 - 1, 300]])]

  it('round-trips', () => {
    for (const clocks of cases) expect(decodeNodePersisted(encodeNodePersisted(clocks))).toEqual(clocks)
  })

  it('is the Persisted client message, byte for byte (the room publishes what it sent its sockets)', () => {
    for (const clocks of cases) expect(hex(encodeNodePersisted(clocks))).toBe(hex(encodePersisted(clocks)))
  })

  it('old bytes', () => {
    expect(decodeNodePersisted(fromHex('6602d20903ffffffff0fac02'))).toEqual(new Map([[1234, 3], [2 ** 32 - 1, 300]]))
  })

  it('refuses another message type and a truncated message', () => {
    expect(() => decodeNodePersisted(Uint8Array.of(0, 0))).toThrow(/message type 0/)
    expect(() => decodeNodePersisted(fromHex('6602d20903'))).toThrow()
  })
})

describe('sync', () => {
  const messages: NodeSyncMessage[] = [
    { kind: 'request', askBack: true, stateVector: Uint8Array.of(1, 200, 5, 7) },
    { kind: 'request', askBack: false, stateVector: Uint8Array.of(0) },
    { kind: 'reply', to: 'node-b', update: Uint8Array.of(0, 0), awareness: Uint8Array.of(1, 9, 1, 2, 123, 125) },
    { kind: 'reply', to: 'node-b', update: Uint8Array.of(0, 0), awareness: null },
  ]

  it('round-trips', () => {
    for (const msg of messages) expect(decodeNodeSync(encodeNodeSync(msg))).toEqual(msg)
  })

  it('round-trips a real state vector and update', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'hello')
    const request = decodeNodeSync(encodeNodeSync({ kind: 'request', askBack: true, stateVector: Y.encodeStateVector(doc) }))
    expect(request.kind === 'request' && Y.decodeStateVector(request.stateVector)).toEqual(Y.decodeStateVector(Y.encodeStateVector(doc)))
    const reply = decodeNodeSync(encodeNodeSync({ kind: 'reply', to: 'x', update: Y.encodeStateAsUpdate(doc), awareness: null }))
    const peer = new Y.Doc()
    if (reply.kind === 'reply') Y.applyUpdate(peer, reply.update)
    expect(peer.getText('t').toString()).toBe('hello')
  })

  it('old bytes', () => {
    const old = ['00010401c80507', '00000100', '01066e6f64652d6202000006010901027b7d', '01066e6f64652d6202000000']
    for (const [i, bytes] of old.entries()) {
      expect(hex(encodeNodeSync(messages[i]!))).toBe(bytes)
      expect(decodeNodeSync(fromHex(bytes))).toEqual(messages[i])
    }
  })

  it('refuses an unknown kind and a truncated message', () => {
    expect(() => decodeNodeSync(Uint8Array.of(3))).toThrow(/unknown node sync kind 3/)
    expect(() => decodeNodeSync(fromHex('01066e6f64652d620200'))).toThrow()
    expect(() => decodeNodeSync(fromHex('02066e6f64652d620201'))).toThrow()
  })

  describe('revive (a peer holds these clients of the addressee as removed, at these clocks)', () => {
    const revives: NodeSyncMessage[] = [
      { kind: 'revive', to: 'node-b', clients: [{ clientId: 7, clock: 1 }] },
      { kind: 'revive', to: 'node-b', clients: [] },
      // Yjs clientIDs are up to 2^32 - 1 (53 bits from older clients); clocks grow every 15 s per client.
      { kind: 'revive', to: '3f1c0c9e-7a57-4b0e-9d1a-2b4d2b7d9e10', clients: [{ clientId: 0xffffffff, clock: 0 }, { clientId: 2 ** 53 - 1, clock: 1_000_000 }] },
    ]

    it('round-trips', () => {
      for (const msg of revives) expect(decodeNodeSync(encodeNodeSync(msg))).toEqual(msg)
    })

    it('bytes: varuint 2, addressee, count, then clientID and clock per client', () => {
      expect(hex(encodeNodeSync(revives[0]!))).toBe('02066e6f64652d62010701')
      expect(decodeNodeSync(fromHex('02066e6f64652d62010701'))).toEqual(revives[0])
    })

    it('refuses a count the bytes cannot hold before reading it', () => {
      expect(() => decodeNodeSync(fromHex('02066e6f64652d62ffffffff0f0701'))).toThrow(/cannot name/)
    })
  })
})

describe('access', () => {
  const changes: AccessChange[] = [
    { kind: 'role', listId: 'l1', userId: 'u1', role: 'viewer' },
    { kind: 'role', listId: 'l1', userId: 'u1', role: null },
    { kind: 'role', listId: 'l1', userId: 'u1', role: 'owner' },
    { kind: 'deleted', listId: 'l1' },
  ]

  it('round-trips', () => {
    for (const change of changes) expect(decodeAccessChange(encodeAccessChange(change))).toEqual(change)
  })

  it('old bytes: the JSON of the change object, keys in this order', () => {
    const old = [
      '{"kind":"role","listId":"l1","userId":"u1","role":"viewer"}',
      '{"kind":"role","listId":"l1","userId":"u1","role":null}',
      '{"kind":"role","listId":"l1","userId":"u1","role":"owner"}',
      '{"kind":"deleted","listId":"l1"}',
    ]
    for (const [i, json] of old.entries()) {
      expect(new TextDecoder().decode(encodeAccessChange(changes[i]!))).toBe(json)
      expect(decodeAccessChange(utf8(json))).toEqual(changes[i])
    }
  })

  it('keeps only the fields it knows', () => {
    expect(decodeAccessChange(utf8('{"kind":"deleted","listId":"l1","userId":"u1","extra":1}'))).toEqual({ kind: 'deleted', listId: 'l1' })
  })

  it('refuses anything else', () => {
    for (const json of ['null', '5', '{"kind":"deleted"}', '{"kind":"role","listId":"l1","userId":"u1","role":"admin"}', '{"kind":"role","listId":"l1","role":"owner"}', '{"kind":"moved","listId":"l1"}', '{']) {
      expect(() => decodeAccessChange(utf8(json)), json).toThrow()
    }
  })
})

describe('lists', () => {
  const changes: ListsFeedChange[] = [
    { kind: 'stats', listId: 'l1', stats: { title: 'Camping', open: 3, checked: 0, changedAt: 1_700_000_000_000, changedBy: 'u1', preview: [{ id: 'i1', text: 'Tent' }] } },
    { kind: 'stats', listId: 'l1', stats: { title: '', open: 0, checked: 0, changedAt: null, changedBy: null, preview: [] } },
    { kind: 'created', listId: 'l2', userId: 'u1' },
    { kind: 'placed', userId: 'u1', listIds: ['l1', 'l2'] },
  ]

  it('round-trips', () => {
    for (const change of changes) expect(decodeListsFeedChange(encodeListsFeedChange(change))).toEqual(change)
  })

  it('pins the JSON: keys in this order', () => {
    expect(new TextDecoder().decode(encodeListsFeedChange(changes[0]!))).toBe(
      '{"kind":"stats","listId":"l1","stats":{"title":"Camping","open":3,"checked":0,"changedAt":1700000000000,"changedBy":"u1","preview":[{"id":"i1","text":"Tent"}]}}',
    )
    expect(new TextDecoder().decode(encodeListsFeedChange(changes[2]!))).toBe('{"kind":"created","listId":"l2","userId":"u1"}')
    expect(new TextDecoder().decode(encodeListsFeedChange(changes[3]!))).toBe('{"kind":"placed","userId":"u1","listIds":["l1","l2"]}')
  })

  it('reads stats without a preview (from a node of the version before previews) as an empty preview', () => {
    const json = '{"kind":"stats","listId":"l1","stats":{"title":"t","open":1,"checked":0,"changedAt":null,"changedBy":null}}'
    expect(decodeListsFeedChange(utf8(json))).toEqual({ kind: 'stats', listId: 'l1', stats: { title: 't', open: 1, checked: 0, changedAt: null, changedBy: null, preview: [] } })
  })

  it('refuses anything else', () => {
    const stats = (patch: Record<string, unknown>) => JSON.stringify({ kind: 'stats', listId: 'l1', stats: { title: 't', open: 0, checked: 0, changedAt: null, changedBy: null, ...patch } })
    expect(() => decodeListsFeedChange(utf8(stats({})))).not.toThrow()
    for (const json of ['null', '{"kind":"created","listId":"l1"}', '{"kind":"stats","listId":"l1"}', stats({ open: -1 }), stats({ checked: 'x' }), stats({ changedBy: 5 }), stats({ preview: [{ id: 'i1' }] }), stats({ preview: 'Tent' }), '{"kind":"placed","userId":"u1"}', '{"kind":"placed","userId":"u1","listIds":[5]}', '{"kind":"gone","listId":"l1"}', '{']) {
      expect(() => decodeListsFeedChange(utf8(json)), json).toThrow()
    }
  })
})

describe('activity', () => {
  it('round-trips an event as its JSON, the topic per list', () => {
    const event: ActivityEvent = {
      id: activityId(1_700_000_000_000, 7, 'ab12'),
      listId: 'l1',
      at: 1_700_000_000_000,
      actor: { id: 'u1', name: 'Ben' },
      type: 'items_bulk_deleted',
      count: 3,
      items: [{ id: 'i1', name: 'Milk' }],
    }
    expect(topics.activity('l1')).toBe('activity:l1')
    const bytes = encodeNodeActivity(event)
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual(event)
    expect(decodeNodeActivity(bytes)).toEqual(event)
  })

  it('refuses what is not an event', () => {
    for (const payload of ['{}', 'null', '{"type":"joined"}', 'not json']) expect(() => decodeNodeActivity(utf8(payload))).toThrow()
  })
})

describe('nodes', () => {
  it('round-trips', () => {
    for (const beat of ['alive', 'leaving'] as const) expect(decodeBeat(encodeBeat(beat))).toBe(beat)
  })

  it('old bytes: one byte, 1 alive and 0 leaving; anything else reads as alive', () => {
    expect([...encodeBeat('alive')]).toEqual([1])
    expect([...encodeBeat('leaving')]).toEqual([0])
    expect(decodeBeat(new Uint8Array(0))).toBe('alive')
    expect(decodeBeat(Uint8Array.of(7))).toBe('alive')
  })
})

describe('sessions', () => {
  it('pins the JSON of both kinds and round-trips them', () => {
    expect(topics.sessions).toBe('sessions')
    const ended = encodeSessionChange({ kind: 'ended', sessionIds: ['s1', 's2'] })
    expect(new TextDecoder().decode(ended)).toBe('{"kind":"ended","sessionIds":["s1","s2"]}')
    expect(decodeSessionChange(ended)).toEqual({ kind: 'ended', sessionIds: ['s1', 's2'] })
    const rotated = encodeSessionChange({ kind: 'rotated', sessionId: 's1' })
    expect(new TextDecoder().decode(rotated)).toBe('{"kind":"rotated","sessionId":"s1"}')
    expect(decodeSessionChange(rotated)).toEqual({ kind: 'rotated', sessionId: 's1' })
    expect(decodeSessionChange(utf8('{"kind":"rotated","sessionId":"s1","later":true}'))).toEqual({ kind: 'rotated', sessionId: 's1' })
  })

  it('refuses malformed changes', () => {
    for (const text of ['null', '[]', '{"kind":"ended"}', '{"kind":"ended","sessionIds":[1]}', '{"kind":"rotated"}', '{"kind":"other","sessionId":"s"}', 'not json']) {
      expect(() => decodeSessionChange(utf8(text)), text).toThrow()
    }
  })
})
