/**
 * A client with nothing (an empty state vector) opening a list the server
 * has not loaded gets the stored document as soon as it is read, before the
 * room is built from it (stored-answer.ts); the room's sync step 2 then
 * brings only what came after. Real server on 127.0.0.1, real LevelDB,
 * restarted between writing and reading; raw sockets, so the order of what
 * the server sends is seen as it is.
 */
import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, listItems } from '../shared/list-document.ts'
import { MessageType, SyncStep } from '../shared/protocol.ts'
import { Api, connectClient, saved, startTestServer, synced, type TestServer } from './test-support/harness.ts'
import { openRawListSocket } from './test-support/raw-list-socket.ts'
import { syncMessage } from './test-support/wire-messages.ts'

const ITEMS = 3000

interface Received {
  /** Each sync message in order: its step and payload. */
  sync: Array<{ step: number; payload: Uint8Array }>
}

/** Opens a raw socket, sends a sync step 1 with `stateVector`, and collects sync messages until the server's step 2. */
async function openAndSync(ts: TestServer, listId: string, token: string, stateVector: Uint8Array, transport: 'list' | 'device'): Promise<Received> {
  const socket = await openRawListSocket(ts.server.url, listId, token, transport)
  const received: Received = { sync: [] }
  const done = new Promise<void>((resolve, reject) => {
    socket.ws.on('message', (data: Buffer) => {
      const dec = decoding.createDecoder(new Uint8Array(data))
      if (decoding.readVarUint(dec) !== MessageType.Sync) return
      const step = decoding.readVarUint(dec)
      received.sync.push({ step, payload: decoding.readVarUint8Array(dec) })
      if (step === SyncStep.Step2) resolve()
    })
    void socket.closed.then(({ code }) => reject(new Error(`closed with ${code}`)))
  })
  socket.ws.send(syncMessage(SyncStep.Step1, stateVector))
  await done
  socket.ws.close()
  return received
}

describe('a fresh client answered from storage while the room loads', () => {
  let ts: TestServer | undefined
  afterEach(async () => {
    await ts?.cleanup()
    ts = undefined
  })

  /** A list of ITEMS items, written through the server, which is then restarted (the list not loaded). */
  async function storedList(): Promise<{ listId: string; token: string; written: Y.Doc }> {
    ts = await startTestServer()
    const api = new Api(ts.server.url)
    const owner = await api.signup('Owner')
    const { id: listId } = await api.createList(owner.token, 'Big shop')
    const writer = connectClient(ts.server.url, listId, owner.token)
    await synced(writer.provider)
    for (let start = 0; start < ITEMS; start += 500) {
      writer.doc.transact(() => {
        for (let i = start; i < start + 500; i++) addItem(writer.doc, { text: `Item ${i + 1}`, createdBy: owner.user.id })
      })
    }
    await saved(writer, 20_000)
    const written = new Y.Doc()
    Y.applyUpdate(written, Y.encodeStateAsUpdate(writer.doc))
    writer.destroy()
    await ts.stop()
    ts = await startTestServer({ DATA_DIR: ts.dataDir })
    return { listId, token: owner.token, written }
  }

  for (const transport of ['list', 'device'] as const) {
    it(`gets the stored updates before the room's own sync step 1, then a step 2 of what came after (${transport} socket)`, async () => {
      const { listId, token, written } = await storedList()
      const { sync } = await openAndSync(ts!, listId, token, Y.encodeStateVector(new Y.Doc()), transport)
      // Before the fix the first sync message was the room's step 1, sent when it joined the client.
      const firstStep1 = sync.findIndex((message) => message.step === SyncStep.Step1)
      expect(firstStep1).toBeGreaterThan(0)
      const early = sync.slice(0, firstStep1)
      expect(early.every((message) => message.step === SyncStep.Update)).toBe(true)
      const fromStorage = new Y.Doc()
      for (const { payload } of early) Y.applyUpdate(fromStorage, payload)
      expect(listItems(fromStorage).items).toHaveLength(ITEMS)
      // The room's step 2 holds only what the client lacks beyond the stored document: no items again.
      const step2 = sync.at(-1)!
      expect(step2.step).toBe(SyncStep.Step2)
      const totalEarly = early.reduce((sum, message) => sum + message.payload.byteLength, 0)
      expect(step2.payload.byteLength).toBeLessThan(totalEarly / 20)
      const client = new Y.Doc()
      for (const { step, payload } of sync) if (step !== SyncStep.Step1) Y.applyUpdate(client, payload)
      expect(listItems(client)).toEqual(listItems(written))
    })
  }

  it('a client that has part of the list is answered by the room, as before', async () => {
    const { listId, token, written } = await storedList()
    const part = new Y.Doc()
    Y.applyUpdate(part, Y.encodeStateAsUpdate(written))
    const { sync } = await openAndSync(ts!, listId, token, Y.encodeStateVector(part), 'list')
    expect(sync.filter((message) => message.step === SyncStep.Update)).toEqual([])
    expect(sync[0]!.step).toBe(SyncStep.Step1)
  })
})
