/**
 * A presence the room holds as removed comes back when its client is still
 * there: driven on a room with plain sockets, each client a real y-protocols
 * Awareness that, like y-websocket's provider, sends every awareness change
 * it sees (its own, and others' echoed) to the server.
 */
import * as decoding from 'lib0/decoding'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'
import { decodeAwarenessEntries } from '../shared/awareness-entries.ts'
import { MessageType, encodeAwarenessMessage } from '../shared/protocol.ts'
import type { Connection, RoomSocket } from './connection.ts'
import { LocalFanoutHub } from './fanout.ts'
import { Metrics } from './metrics.ts'
import { noticeForOwnClient, refusedAsRemoved, removalNotice } from './presence-revival.ts'
import { Room } from './room.ts'
import { MemoryStorage } from './storage/memory-storage.ts'

/** A y-websocket-like client: its Awareness sends every change to the room, and applies what the room sends. */
class Client implements RoomSocket {
  readonly doc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  /** Awareness updates the room sent this client, decoded. */
  readonly received: Array<Array<{ clientId: number; clock: number; state: unknown }>> = []
  conn: Connection | null = null

  constructor(
    private readonly room: Room,
    readonly name: string,
  ) {
    this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      if (this.conn) this.room.receive(this.conn, encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, added.concat(updated, removed))))
    })
  }

  get clientId(): number {
    return this.doc.clientID
  }

  /** Joins; like y-websocket on open, announces its own state first. */
  connect(): void {
    this.conn = this.room.join(this, { userId: this.name, name: this.name, role: 'editor' })
    if (this.awareness.getLocalState() !== null) this.room.receive(this.conn, encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.clientId])))
  }

  /** The socket drops (no goodbye); like y-websocket, forgets everyone else's presence. */
  drop(): void {
    const conn = this.conn!
    this.conn = null
    this.room.leave(conn)
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.clientId)
    awarenessProtocol.removeAwarenessStates(this.awareness, others, 'closed')
  }

  sees(other: Client): boolean {
    return this.awareness.getStates().has(other.clientId)
  }

  send(message: Uint8Array): void {
    const dec = decoding.createDecoder(message)
    if (decoding.readVarUint(dec) !== MessageType.Awareness) return
    const update = decoding.readVarUint8Array(dec)
    this.received.push(decodeAwarenessEntries(update).map((e) => ({ clientId: e.clientId, clock: e.clock, state: JSON.parse(e.stateJson) })))
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, 'server')
  }

  close(): void {}

  destroy(): void {
    this.awareness.destroy()
    this.doc.destroy()
  }
}

const rooms: Room[] = []
const clients: Client[] = []

async function room(): Promise<Room> {
  const r = await Room.load('list', {
    store: new MemoryStorage(),
    fanout: new LocalFanoutHub().endpoint(),
    metrics: new Metrics(),
    log: pino({ level: 'silent' }),
    maxDocBytes: 1 << 20,
    compaction: { maxLogEntries: 1000, maxLogBytes: 1 << 20 },
  })
  rooms.push(r)
  return r
}

function client(r: Room, name: string, state: Record<string, unknown>): Client {
  const c = new Client(r, name)
  clients.push(c)
  c.awareness.setLocalState(state)
  c.connect()
  return c
}

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy()
  for (const r of rooms.splice(0)) r.destroy()
})

describe('a client back after its socket dropped', () => {
  it('is told its state is held removed, answers with a newer clock, and everyone sees it again', async () => {
    const r = await room()
    const ana = client(r, 'ana', { here: 'ana' })
    const ben = client(r, 'ben', { here: 'ben' })
    expect(ben.sees(ana)).toBe(true)
    const clock = ana.awareness.meta.get(ana.clientId)!.clock

    ana.drop()
    expect(ben.sees(ana)).toBe(false)
    ana.connect()
    // Ana announced her state at the clock the room removed it at: refused, and Ana told so…
    expect(ana.received.flat()).toContainEqual({ clientId: ana.clientId, clock, state: null })
    // …so her Awareness moved to the next clock, which the room took and relayed.
    expect(ana.awareness.meta.get(ana.clientId)!.clock).toBe(clock + 1)
    expect(ben.sees(ana)).toBe(true)
    expect(ben.awareness.getStates().get(ana.clientId)).toMatchObject({ here: 'ana', user: { id: 'ana' } })
    // Her own state is untouched, and her next change goes through as usual.
    expect(ana.awareness.getLocalState()).toEqual({ here: 'ana' })
    ana.awareness.setLocalStateField('typing', true)
    expect(ben.awareness.getStates().get(ana.clientId)).toMatchObject({ typing: true })
  })

  it('announced again and again, it asks for one newer clock, not one per announcement', async () => {
    const r = await room()
    const ana = client(r, 'ana', { here: 'ana' })
    const ben = client(r, 'ben', { here: 'ben' })
    const clock = ana.awareness.meta.get(ana.clientId)!.clock
    ana.drop()
    // Reconnecting, Ana's announcement is sent three times before she reads anything the room sends.
    const queued: Uint8Array[] = []
    const send = ana.send.bind(ana)
    ana.send = (message) => void queued.push(message)
    ana.connect()
    const again = encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(ana.awareness, [ana.clientId]))
    r.receive(ana.conn!, again)
    r.receive(ana.conn!, again)
    ana.send = send
    for (const message of queued) ana.send(message)
    expect(ana.awareness.meta.get(ana.clientId)!.clock).toBe(clock + 1)
    expect(r.awareness.meta.get(ana.clientId)!.clock).toBe(clock + 1)
    expect(ben.sees(ana)).toBe(true)
  })

  it("another client's echo of her leaving, or of her old state, does not take her clientID: she gets it back", async () => {
    const r = await room()
    const ana = client(r, 'ana', { here: 'ana' })
    const ben = client(r, 'ben', { here: 'ben' })
    const oldState = awarenessProtocol.encodeAwarenessUpdate(ben.awareness, [ana.clientId])
    // Ben's client echoed the removal already (its Awareness sends every change); and now her old state too.
    ana.drop()
    r.receive(ben.conn!, encodeAwarenessMessage(oldState))
    ana.connect()
    expect(ben.sees(ana)).toBe(true)
    expect(ben.awareness.getStates().get(ana.clientId)).toMatchObject({ user: { id: 'ana' } })
    // The clientID is Ana's: when Ben leaves, her presence stays.
    const carl = client(r, 'carl', {})
    ben.drop()
    expect(carl.sees(ana)).toBe(true)
  })
})

describe('presence-revival', () => {
  it('refusedAsRemoved: only a state refused because the awareness holds that client removed at a clock as new or newer', () => {
    const holder = new awarenessProtocol.Awareness(new Y.Doc())
    const other = new awarenessProtocol.Awareness(new Y.Doc())
    other.setLocalState({ a: 1 })
    const atOne = awarenessProtocol.encodeAwarenessUpdate(other, [other.clientID])
    awarenessProtocol.applyAwarenessUpdate(holder, atOne, 'peer')
    expect(refusedAsRemoved(holder, atOne)).toEqual([]) // held, present: a duplicate
    awarenessProtocol.removeAwarenessStates(holder, [other.clientID], 'dropped')
    expect(refusedAsRemoved(holder, atOne)).toEqual([{ clientId: other.clientID, clock: 1 }])
    const removal = awarenessProtocol.encodeAwarenessUpdate(other, [other.clientID], new Map())
    expect(refusedAsRemoved(holder, removal)).toEqual([]) // a removal is never refused as removed
    other.setLocalState({ a: 2 })
    const atTwo = awarenessProtocol.encodeAwarenessUpdate(other, [other.clientID])
    awarenessProtocol.applyAwarenessUpdate(holder, atTwo, 'peer')
    expect(refusedAsRemoved(holder, atTwo)).toEqual([])
    holder.destroy()
    other.destroy()
  })

  it('removalNotice: y-protocols bytes of a removal at that clock', () => {
    const aw = new awarenessProtocol.Awareness(new Y.Doc())
    aw.setLocalState({ x: 1 })
    const clock = aw.meta.get(aw.clientID)!.clock
    expect(Buffer.from(removalNotice([{ clientId: aw.clientID, clock }]))).toEqual(Buffer.from(awarenessProtocol.encodeAwarenessUpdate(aw, [aw.clientID], new Map())))
    aw.destroy()
  })

  it('noticeForOwnClient: nothing once the client has a newer clock or left', () => {
    const own = new awarenessProtocol.Awareness(new Y.Doc())
    own.setLocalState({ x: 1 }) // clock 1
    expect(noticeForOwnClient(own, { clientId: own.clientID, clock: 1 })).toEqual({ clientId: own.clientID, clock: 1 })
    expect(noticeForOwnClient(own, { clientId: own.clientID, clock: 5 })).toEqual({ clientId: own.clientID, clock: 5 })
    own.setLocalState({ x: 2 }) // clock 2: announced already, and it reaches the peer on its own
    expect(noticeForOwnClient(own, { clientId: own.clientID, clock: 1 })).toBeNull()
    expect(noticeForOwnClient(own, { clientId: 12345, clock: 1 })).toBeNull()
    own.setLocalState(null)
    expect(noticeForOwnClient(own, { clientId: own.clientID, clock: 3 })).toBeNull()
    own.destroy()
  })
})
