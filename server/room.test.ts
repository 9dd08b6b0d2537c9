/**
 * The room driven directly, with no network: plain objects stand in for
 * sockets (the room only knows the RoomSocket interface), and storage is the
 * in-memory implementation of the same contract LevelDB passes.
 */
import * as decoding from 'lib0/decoding'
import { pino } from 'pino'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { addItem, getItem, listItems, removeItem, updateItem } from '../shared/list-document.ts'
import { CloseCode, MessageType, PROTOCOL_VERSION, SyncStep, decodePersisted, encodeHello, encodeSyncMessage, mergePersisted, type CloseCodeInfo } from '../shared/protocol.ts'
import { LocalFanoutHub } from './fanout.ts'
import { Metrics } from './metrics.ts'
import type { RoomSocket } from './connection.ts'
import { MaintenanceSchedule } from './maintenance.ts'
import { Room, type RoomOptions } from './room.ts'
import { RoomRegistry } from './room-registry.ts'
import { FaultyDocumentStore } from './storage/faulty-document-store.ts'
import { MemoryStorage } from './storage/memory-storage.ts'
import { loadStoredDoc } from './test-support/stored-doc.ts'

class FakeSocket implements RoomSocket {
  readonly sent: Uint8Array[] = []
  closedWith: number | null = null
  send(message: Uint8Array): void {
    this.sent.push(message)
  }
  close(close: CloseCodeInfo): void {
    this.closedWith = close.code
  }
  /** Messages of one type, each positioned after its type byte. */
  ofType(type: number): decoding.Decoder[] {
    return this.sent
      .map((m) => decoding.createDecoder(m))
      .filter((dec) => decoding.readVarUint(dec) === type)
  }
}

const silent = pino({ level: 'silent' })

function options(store: RoomOptions['store'] = new MemoryStorage(), overrides: Partial<RoomOptions> = {}): RoomOptions {
  return {
    store,
    fanout: new LocalFanoutHub().endpoint(),
    metrics: new Metrics(),
    log: silent,
    maxDocBytes: 1 << 20,
    compaction: { maxLogEntries: 1000, maxLogBytes: 1 << 20 },
    ...overrides,
  }
}

const updateMessage = (update: Uint8Array) => encodeSyncMessage(SyncStep.Update, update)
/** Lets the relay of this event-loop turn go out (e.g. the load's upgrade to layout v2, before anyone joins). */
const settle = () => new Promise((resolve) => setImmediate(resolve))
/** The updates relayed to a socket (sync messages of step Update), decoded. */
const relayedTo = (socket: FakeSocket) =>
  socket
    .ofType(MessageType.Sync)
    .filter((dec) => decoding.readVarUint(dec) === SyncStep.Update)
    .map((dec) => Y.decodeUpdate(decoding.readVarUint8Array(dec)))
/** The stored document's item texts. */
const storedTexts = async (store: MemoryStorage) => listItems(await loadStoredDoc(store, 'list')).items.map((item) => item.text)
const step1Message = (doc: Y.Doc) => encodeSyncMessage(SyncStep.Step1, Y.encodeStateVector(doc))

function clientChange(fn: (doc: Y.Doc) => void): { doc: Y.Doc; update: Uint8Array } {
  const doc = new Y.Doc()
  fn(doc)
  return { doc, update: Y.encodeStateAsUpdate(doc) }
}

describe('Room', () => {
  it('answers sync step 1 from the stored document loaded before it joins anyone', async () => {
    const store = new MemoryStorage()
    const { update } = clientChange((doc) => addItem(doc, { text: 'stored', createdBy: 'u' }))
    await store.appendUpdates('list', [update])
    const room = await Room.load('list', options(store))
    const socket = new FakeSocket()
    const conn = room.join(socket, { userId: 'u', name: 'U', role: 'editor' })
    room.receive(conn, step1Message(new Y.Doc()))
    const [step2] = socket.ofType(MessageType.Sync).filter((dec) => decoding.readVarUint(dec) === SyncStep.Step2)
    const replica = new Y.Doc()
    Y.applyUpdate(replica, decoding.readVarUint8Array(step2!))
    expect(listItems(replica).items.map((i) => i.text)).toEqual(['stored'])
  })

  it('stores an update, then relays it to the other connections and acknowledges it to Colist clients only', async () => {
    const memory = new MemoryStorage()
    const store = new FaultyDocumentStore(memory)
    const room = await Room.load('list', options(store))
    await room.whenFlushed()
    await settle()
    const writerSocket = new FakeSocket()
    const plainSocket = new FakeSocket()
    const writer = room.join(writerSocket, { userId: 'a', name: 'A', role: 'editor' })
    room.join(plainSocket, { userId: 'b', name: 'B', role: 'editor' })
    room.receive(writer, encodeHello({ protocolVersion: PROTOCOL_VERSION }))

    store.hold()
    const { doc, update } = clientChange((d) => addItem(d, { text: 'milk', createdBy: 'a' }))
    room.receive(writer, updateMessage(update))
    await settle()
    await settle()
    // Not stored yet, so not relayed: no client may hold what a crash could still take back.
    expect(store.held).toBe(1)
    expect(room.hasUnrelayed).toBe(true)
    expect(relayedTo(plainSocket)).toEqual([])
    expect(relayedTo(writerSocket)).toEqual([])
    const told = () => {
      const persisted = new Map<number, number>()
      for (const dec of writerSocket.ofType(MessageType.Persisted)) mergePersisted(persisted, decodePersisted(dec))
      return persisted
    }
    expect(told().has(doc.clientID)).toBe(false)

    store.open()
    await room.whenFlushed()
    expect(await storedTexts(memory)).toEqual(['milk'])
    // Relayed at the end of the turn in which its append was stored.
    await settle()
    expect(room.hasUnrelayed).toBe(false)
    // The update, then the server's record that its clientID is A's (client-ids.ts), which goes to everyone.
    expect(relayedTo(plainSocket)).toHaveLength(2)
    const toWriter = relayedTo(writerSocket)
    expect(toWriter).toHaveLength(1)
    // Never its own update echoed back: only the server's record.
    expect(toWriter[0]!.structs.every((struct) => struct.id.client === room.doc.clientID)).toBe(true)
    expect(told().get(doc.clientID)).toBe(Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID))
    expect(plainSocket.ofType(MessageType.Persisted)).toHaveLength(0)
  })

  it('relays a burst stored in one batch as one merged message per origin, never back to the sender', async () => {
    const store = new FaultyDocumentStore(new MemoryStorage())
    const room = await Room.load('list', options(store))
    await room.whenFlushed()
    await settle()
    const writerSocket = new FakeSocket()
    const readerSocket = new FakeSocket()
    const writer = room.join(writerSocket, { userId: 'a', name: 'A', role: 'editor' })
    room.join(readerSocket, { userId: 'b', name: 'B', role: 'editor' })
    const source = new Y.Doc()
    source.on('update', (update: Uint8Array) => room.receive(writer, updateMessage(update)))
    store.hold()
    for (let i = 0; i < 20; i++) addItem(source, { text: `item ${i}`, createdBy: 'a' })
    await settle()
    // All of it waits for one append (group commit), and nothing is relayed before it is stored.
    expect(store.held).toBe(1)
    expect(relayedTo(readerSocket)).toEqual([])
    store.open()
    await room.whenFlushed()
    await settle()
    // The sender's updates merged, around the server's record of its new clientID after the first.
    const fromWriter = (update: ReturnType<typeof Y.decodeUpdate>) => update.structs.some((struct) => struct.id.client === source.clientID)
    const relayed = relayedTo(readerSocket)
    expect(relayed.filter(fromWriter)).toHaveLength(2)
    expect(relayed).toHaveLength(3)
    const replica = new Y.Doc()
    for (const message of readerSocket.ofType(MessageType.Sync)) {
      if (decoding.readVarUint(message) !== SyncStep.Step1) Y.applyUpdate(replica, decoding.readVarUint8Array(message))
    }
    expect(listItems(replica).items).toHaveLength(20)
    expect(relayedTo(writerSocket).filter(fromWriter)).toEqual([]) // never back to the sender
  })

  it('drops a viewer write and tells the viewer', async () => {
    const store = new MemoryStorage()
    const room = await Room.load('list', options(store))
    await settle()
    const viewerSocket = new FakeSocket()
    const otherSocket = new FakeSocket()
    const viewer = room.join(viewerSocket, { userId: 'v', name: 'V', role: 'viewer' })
    room.join(otherSocket, { userId: 'o', name: 'O', role: 'owner' })
    room.receive(viewer, encodeHello({ protocolVersion: PROTOCOL_VERSION }))
    room.receive(viewer, updateMessage(clientChange((d) => addItem(d, { text: 'nope', createdBy: 'v' })).update))
    await room.whenFlushed()
    expect(viewerSocket.ofType(MessageType.WriteRejected)).toHaveLength(1)
    expect(otherSocket.ofType(MessageType.Sync)).toHaveLength(1) // only its own step 1
    expect(listItems(room.doc).items).toEqual([])
    expect(await storedTexts(store)).toEqual([])
    expect(viewerSocket.closedWith).toBeNull()
  })

  it("does not count a viewer's sync that adds nothing (a repeated delete set) as a refused write", async () => {
    const room = await Room.load('list', options())
    const editor = room.join(new FakeSocket(), { userId: 'e', name: 'E', role: 'editor' })
    const source = new Y.Doc()
    const id = addItem(source, { text: 'gone soon', createdBy: 'e' })
    removeItem(source, id)
    room.receive(editor, updateMessage(Y.encodeStateAsUpdate(source)))
    // The viewer already has all of it; its step 2 still carries the delete set.
    const viewerDoc = new Y.Doc()
    Y.applyUpdate(viewerDoc, Y.encodeStateAsUpdate(room.doc))
    const viewerSocket = new FakeSocket()
    const viewer = room.join(viewerSocket, { userId: 'v', name: 'V', role: 'viewer' })
    room.receive(viewer, encodeHello({ protocolVersion: PROTOCOL_VERSION }))
    const step2 = Y.encodeStateAsUpdate(viewerDoc, Y.encodeStateVector(room.doc))
    expect(step2.byteLength).toBeGreaterThan(2)
    room.receive(viewer, encodeSyncMessage(SyncStep.Step2, step2))
    expect(viewerSocket.ofType(MessageType.WriteRejected)).toHaveLength(0)
    // A real write is still refused.
    addItem(viewerDoc, { text: 'sneaky', createdBy: 'v' })
    room.receive(viewer, updateMessage(Y.encodeStateAsUpdate(viewerDoc, Y.encodeStateVector(room.doc))))
    expect(viewerSocket.ofType(MessageType.WriteRejected)).toHaveLength(1)
  })

  it('compacts the log into a snapshot once it passes the entry limit', async () => {
    const store = new MemoryStorage()
    const room = await Room.load('list', options(store, { compaction: { maxLogEntries: 10, maxLogBytes: 1 << 20 } }))
    const conn = room.join(new FakeSocket(), { userId: 'a', name: 'A', role: 'editor' })
    const doc = new Y.Doc()
    doc.on('update', (update: Uint8Array) => room.receive(conn, updateMessage(update)))
    for (let i = 0; i < 25; i++) {
      addItem(doc, { text: `item ${i}`, createdBy: 'a' })
      await room.whenFlushed()
    }
    const stored = await store.loadDoc('list')
    expect(stored.snapshot).not.toBeNull()
    expect(stored.updates.length).toBeLessThanOrEqual(10)
    const reloaded = await Room.load('list', options(store))
    expect(listItems(reloaded.doc).items).toHaveLength(25)
  })

  it('prunes superseded entries at a compaction only once its maintenance interval has passed', async () => {
    let ms = Date.now()
    const maintenance = new MaintenanceSchedule(60_000, () => ms)
    const room = await Room.load('list', options(new MemoryStorage(), { compaction: { maxLogEntries: 4, maxLogBytes: 1 << 20 }, maintenance }))
    const conn = room.join(new FakeSocket(), { userId: 'a', name: 'A', role: 'editor' })
    // Two replicas of one user, so the item's quantity has an entry per clientID and one is superseded.
    const docs = [new Y.Doc(), new Y.Doc()]
    for (const doc of docs) doc.on('update', (update: Uint8Array, origin: unknown) => origin !== room && room.receive(conn, updateMessage(update)))
    const entriesOf = (id: string) => [...(room.doc.getMap('items').get(id) as Y.Map<unknown>).keys()].filter((key) => key.startsWith('quantity:'))
    const id = addItem(docs[0]!, { text: 'milk', createdBy: 'a' })
    Y.applyUpdate(docs[1]!, Y.encodeStateAsUpdate(docs[0]!), room)
    updateItem(docs[0]!, id, { quantity: '1' })
    Y.applyUpdate(docs[1]!, Y.encodeStateAsUpdate(docs[0]!), room)
    updateItem(docs[1]!, id, { quantity: '2' })
    const fill = async (n: number) => {
      for (let i = 0; i < n; i++) {
        addItem(docs[0]!, { text: `filler ${i}`, createdBy: 'a' })
        await room.whenFlushed()
      }
    }
    await fill(10) // compacts twice, within the interval of the load: nothing pruned
    expect(entriesOf(id)).toHaveLength(2)
    ms += 60_000
    await fill(5) // the next compaction is due for housekeeping, which reads the list across event-loop turns
    await vi.waitFor(() => expect(entriesOf(id)).toEqual([`quantity:${docs[1]!.clientID}`]))
    expect(getItem(room.doc, id)?.quantity).toBe('2')
  })

  it("compaction keeps another node's stored entries that have not reached this node's memory yet", async () => {
    const store = new MemoryStorage()
    // Two nodes on one shared store whose fan-out has not delivered anything yet.
    const nodeA = await Room.load('list', options(store, { compaction: { maxLogEntries: 3, maxLogBytes: 1 << 20 } }))
    const nodeB = await Room.load('list', options(store))
    const a = nodeA.join(new FakeSocket(), { userId: 'a', name: 'A', role: 'editor' })
    const b = nodeB.join(new FakeSocket(), { userId: 'b', name: 'B', role: 'editor' })
    nodeB.receive(b, updateMessage(clientChange((d) => addItem(d, { text: 'from B', createdBy: 'b' })).update))
    await nodeB.whenFlushed()
    for (let i = 0; i < 5; i++) {
      nodeA.receive(a, updateMessage(clientChange((d) => addItem(d, { text: `from A ${i}`, createdBy: 'a' })).update))
      await nodeA.whenFlushed()
    }
    expect((await store.loadDoc('list')).snapshot).not.toBeNull()
    const reloaded = await Room.load('list', options(store))
    expect(listItems(reloaded.doc).items.map((i) => i.text)).toContain('from B')
    expect(listItems(reloaded.doc).items).toHaveLength(6)
  })

  it('a failed append closes every socket with a retryable code and acknowledges nothing', async () => {
    const store = new MemoryStorage()
    const room = await Room.load('list', options(store))
    store.appendUpdates = async () => {
      throw new Error('disk full')
    }
    const socket = new FakeSocket()
    const conn = room.join(socket, { userId: 'a', name: 'A', role: 'editor' })
    room.receive(conn, encodeHello({ protocolVersion: PROTOCOL_VERSION }))
    const persistedBefore = socket.ofType(MessageType.Persisted).length
    room.receive(conn, updateMessage(clientChange((d) => addItem(d, { text: 'x', createdBy: 'a' })).update))
    await expect(room.whenFlushed()).rejects.toThrow('disk full')
    expect(socket.closedWith).toBe(CloseCode.InternalError.code)
    expect(CloseCode.InternalError.retryable).toBe(true)
    expect(socket.ofType(MessageType.Persisted)).toHaveLength(persistedBefore)
    expect(room.isIdle).toBe(true)
  })
})

describe('RoomRegistry', () => {
  it('shares one room per list and unloads it when the last holder leaves and writes are flushed', async () => {
    const metrics = new Metrics()
    const store = new MemoryStorage()
    const registry = new RoomRegistry({ store, fanout: new LocalFanoutHub().endpoint(), metrics, log: silent, maxDocBytes: 1 << 20, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 } })
    const [a, b] = await Promise.all([registry.acquire('list'), registry.acquire('list')])
    expect(a).toBe(b)
    const conn = a.join(new FakeSocket(), { userId: 'u', name: 'U', role: 'editor' })
    registry.release(a)
    registry.release(b)
    expect(registry.loadedCount).toBe(1) // a connection still holds it
    a.receive(conn, updateMessage(clientChange((d) => addItem(d, { text: 'x', createdBy: 'u' })).update))
    a.leave(conn)
    await a.whenFlushed()
    expect(registry.loadedCount).toBe(0)
    expect((await metrics.docsLoaded.get()).values[0]!.value).toBe(0)
    expect(await storedTexts(store)).toEqual(['x'])
  })

  it('keeps an unused room loaded for idleMs: requests one after another share one load, and it unloads after the grace', async () => {
    let loads = 0
    const store = new (class extends MemoryStorage {
      override loadDoc(id: string) {
        loads++
        return super.loadDoc(id)
      }
    })()
    const registry = new RoomRegistry({ store, fanout: new LocalFanoutHub().endpoint(), metrics: new Metrics(), log: silent, maxDocBytes: 1 << 20, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 }, idleMs: 200 })
    for (let i = 0; i < 5; i++) {
      await registry.withRoom('list', (room) => room.change((doc) => addItem(doc, { text: `item ${i}`, createdBy: 'u' })))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(loads).toBe(1)
    expect(registry.loadedCount).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(registry.loadedCount).toBe(0)
    await registry.withRoom('list', () => {})
    expect(loads).toBe(2)
    expect(await storedTexts(store)).toEqual(['item 0', 'item 1', 'item 2', 'item 3', 'item 4'])
    await registry.closeAll(CloseCode.ServerRestarting)
  })

  it('a graceful shutdown folds each long stored log into its snapshot; a short log stays; nothing is lost', async () => {
    const store = new MemoryStorage()
    const registry = new RoomRegistry({ store, fanout: new LocalFanoutHub().endpoint(), metrics: new Metrics(), log: silent, maxDocBytes: 1 << 20, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 }, idleMs: 60_000, logFold: { minEntries: 16, shutdownBudgetMs: 2000 } })
    // One append per change (each flushed before the next): 20 log entries on one list, 3 on the other.
    for (const [list, changes] of [['long', 20], ['short', 3]] as const) {
      for (let i = 0; i < changes; i++) {
        await registry.withRoom(list, async (room) => {
          room.change((doc) => addItem(doc, { text: `${list} ${i}`, createdBy: 'u' }))
          await room.whenFlushed()
        })
      }
    }
    expect((await store.loadDoc('long')).updates.length).toBeGreaterThanOrEqual(20)
    const shortLog = (await store.loadDoc('short')).updates.length
    expect(shortLog).toBeLessThan(16)
    await registry.closeAll(CloseCode.ServerRestarting)
    const long = await store.loadDoc('long')
    expect(long.updates).toHaveLength(0)
    expect(long.snapshot).not.toBeNull()
    expect((await store.loadDoc('short')).updates).toHaveLength(shortLog)
    expect(listItems(await loadStoredDoc(store, 'long')).items.map((item) => item.text)).toEqual(Array.from({ length: 20 }, (_, i) => `long ${i}`))
    expect(listItems(await loadStoredDoc(store, 'short')).items).toHaveLength(3)
  })

  it('a room that unloads with a long stored log folds it into the snapshot first, then unloads; with a short one it unloads at once', async () => {
    const store = new MemoryStorage()
    const registry = new RoomRegistry({ store, fanout: new LocalFanoutHub().endpoint(), metrics: new Metrics(), log: silent, maxDocBytes: 1 << 20, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 }, logFold: { minEntries: 16, shutdownBudgetMs: 2000 } })
    const write = async (list: string, count: number) => {
      const room = await registry.acquire(list)
      for (let i = 0; i < count; i++) {
        room.change((doc) => addItem(doc, { text: `${list} ${i}`, createdBy: 'u' }))
        await room.whenFlushed()
      }
      return room
    }
    const short = await write('short', 3)
    registry.release(short)
    expect(registry.loadedCount).toBe(0)
    const shortLog = (await store.loadDoc('short')).updates.length
    expect(shortLog).toBeGreaterThanOrEqual(3)

    const long = await write('long', 20)
    expect((await store.loadDoc('long')).updates.length).toBeGreaterThanOrEqual(20)
    registry.release(long)
    // Loaded while it folds: a socket or request coming now gets this room, not a second load.
    expect(registry.loadedCount).toBe(1)
    await vi.waitFor(() => expect(registry.loadedCount).toBe(0))
    const stored = await store.loadDoc('long')
    expect(stored.updates).toHaveLength(0)
    expect(stored.snapshot).not.toBeNull()
    expect(listItems(await loadStoredDoc(store, 'long')).items.map((item) => item.text)).toEqual(Array.from({ length: 20 }, (_, i) => `long ${i}`))
    expect((await store.loadDoc('short')).updates).toHaveLength(shortLog)
    await registry.closeAll(CloseCode.ServerRestarting)
  })

  it('a shutdown whose fold budget is spent leaves the remaining logs as stored', async () => {
    const store = new MemoryStorage()
    const registry = new RoomRegistry({ store, fanout: new LocalFanoutHub().endpoint(), metrics: new Metrics(), log: silent, maxDocBytes: 1 << 20, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 }, idleMs: 60_000, logFold: { minEntries: 2, shutdownBudgetMs: 0 } })
    for (let i = 0; i < 4; i++) {
      await registry.withRoom('list', async (room) => {
        room.change((doc) => addItem(doc, { text: `item ${i}`, createdBy: 'u' }))
        await room.whenFlushed()
      })
    }
    const log = (await store.loadDoc('list')).updates.length
    expect(log).toBeGreaterThanOrEqual(4)
    await registry.closeAll(CloseCode.ServerRestarting)
    expect((await store.loadDoc('list')).updates).toHaveLength(log)
    expect(await storedTexts(store)).toEqual(['item 0', 'item 1', 'item 2', 'item 3'])
  })

  it("after a failed append, the failed room takes no joins and unloads once its holder lets go; the next socket gets a fresh room that stores what the failed one relayed", async () => {
    const store = new MemoryStorage()
    const registry = new RoomRegistry({ store, fanout: new LocalFanoutHub().endpoint(), metrics: new Metrics(), log: silent, maxDocBytes: 1 << 20, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 } })
    const failed = await registry.acquire('list') // an HTTP request, say, still holds it
    const append = store.appendUpdates.bind(store)
    store.appendUpdates = async () => {
      throw new Error('disk full')
    }
    const writer = new FakeSocket()
    const reader = new FakeSocket()
    const writerConn = failed.join(writer, { userId: 'w', name: 'W', role: 'editor' })
    failed.join(reader, { userId: 'r', name: 'R', role: 'editor' })
    // Relayed to the reader, never stored; its author may never come back to re-send it.
    failed.receive(writerConn, updateMessage(clientChange((d) => addItem(d, { text: 'relayed', createdBy: 'w' })).update))
    await expect(failed.whenFlushed()).rejects.toThrow('disk full')
    expect([writer.closedWith, reader.closedWith]).toEqual([CloseCode.InternalError.code, CloseCode.InternalError.code])
    expect(() => failed.join(new FakeSocket(), { userId: 'r', name: 'R', role: 'editor' })).toThrow('storage failed')
    store.appendUpdates = append
    // The reader reconnects while the failed room is still held: a fresh room, loaded from storage.
    const fresh = await registry.acquire('list')
    expect(fresh).not.toBe(failed)
    const again = new FakeSocket()
    fresh.join(again, { userId: 'r', name: 'R', role: 'editor' })
    registry.release(fresh)
    expect(listItems(fresh.doc).items.map((i) => i.text)).toEqual(['relayed'])
    await fresh.whenFlushed()
    expect(await storedTexts(store)).toEqual(['relayed'])
    expect(registry.loadedCount).toBe(1)
    let unloaded = false
    failed.events.on('became-idle', () => (unloaded = true))
    registry.release(failed)
    expect(unloaded).toBe(true)
    expect(again.closedWith).toBeNull()
  })

  it('a list deleted while updates wait behind an append in flight: the room stores nothing more and unloads', async () => {
    const store = new MemoryStorage()
    const registry = new RoomRegistry({ store, fanout: new LocalFanoutHub().endpoint(), metrics: new Metrics(), log: silent, maxDocBytes: 1 << 20, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 } })
    const room = await registry.acquire('list')
    const append = store.appendUpdates.bind(store)
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    store.appendUpdates = async (listId, updates) => {
      await gate
      return append(listId, updates)
    }
    const socket = new FakeSocket()
    const conn = room.join(socket, { userId: 'u', name: 'U', role: 'editor' })
    registry.release(room)
    room.receive(conn, updateMessage(clientChange((d) => addItem(d, { text: 'first', createdBy: 'u' })).update))
    await settle() // the first append is in flight
    room.receive(conn, updateMessage(clientChange((d) => addItem(d, { text: 'second', createdBy: 'u' })).update))
    const deleted = registry.listDeleted('list')
    expect(socket.closedWith).toBe(CloseCode.NotFound.code)
    room.leave(conn) // the socket's close reaches the room
    release()
    await deleted
    expect(room.isIdle).toBe(true)
    expect(registry.loadedCount).toBe(0)
    expect(await storedTexts(store)).toEqual(['first'])
  })

  it('an access change made on one node reaches sockets on another through the fan-out', async () => {
    const hub = new LocalFanoutHub()
    const store = new MemoryStorage()
    const make = () => new RoomRegistry({ store, fanout: hub.endpoint(), metrics: new Metrics(), log: silent, maxDocBytes: 1 << 20, compaction: { maxLogEntries: 100, maxLogBytes: 1 << 20 } })
    const node1 = make()
    const node2 = make()
    const room = await node2.acquire('list')
    const socket = new FakeSocket()
    room.join(socket, { userId: 'bob', name: 'Bob', role: 'editor' })
    node1.roleChanged('list', 'bob', null)
    // The hub delivers on a microtask, like a network; this one runs after it.
    await new Promise<void>((resolve) => queueMicrotask(resolve))
    expect(socket.closedWith).toBe(CloseCode.Forbidden.code)
  })
})
