/**
 * kill -9 of a real server process in the middle of a burst of edits: every
 * update the server acknowledged as durable is there after a restart on the
 * same DATA_DIR, and the writing client reconnects and converges on its own.
 */
import { rm } from 'node:fs/promises'
import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, listItems } from '../shared/list-document.ts'
import { CloseCode, isRetryableClose } from '../shared/protocol.ts'
import { Api, connectClient, docUntil, saved, spawnServer, synced, tempDir, type ServerProcess, type TestClient } from './test-support/harness.ts'

const BURST = 1000
const KILL_AFTER_ACKS = 100

let server: ServerProcess | null = null
let dataDir = ''
const clients: TestClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGKILL')
    await server.exited
  }
  await rm(dataDir, { recursive: true, force: true })
})

/** A server child process on a fresh DATA_DIR, an owner, a list, and the owner's synced Colist client on it. */
async function serverWithWriter() {
  dataDir = await tempDir()
  server = await spawnServer(dataDir)
  const api = new Api(server.url)
  const owner = await api.signup()
  const list = await api.createList(owner.token)
  const writer = connectClient(server.url, list.id, owner.token)
  clients.push(writer)
  await synced(writer.provider)
  return { owner, list, writer, first: server }
}

it('kill -9 mid-burst loses no acknowledged update; the client reconnects and converges', async () => {
  const { owner, list, writer, first } = await serverWithWriter()

  // Each item goes in its own transaction; remember the clock that makes it durable.
  const durableAt = new Map<string, number>()
  const acknowledged = () => {
    const clock = writer.server.persisted.get(writer.doc.clientID) ?? 0
    return [...durableAt].filter(([, end]) => end <= clock).map(([text]) => text)
  }
  let written = 0
  let writtenAtKill = -1
  const killed = new Promise<void>((resolve) => {
    const onAck = () => {
      if (acknowledged().length < KILL_AFTER_ACKS) return
      writer.server.off('change', onAck)
      first.child.kill('SIGKILL')
      writtenAtKill = written
      resolve()
    }
    writer.server.on('change', onAck)
  })
  // Write in small steps so acknowledgements and the kill interleave with the burst.
  await new Promise<void>((resolve) => {
    const step = () => {
      for (let i = 0; i < 10 && written < BURST; i++, written++) {
        const text = `item ${written}`
        addItem(writer.doc, { text, createdBy: owner.user.id })
        durableAt.set(text, Y.decodeStateVector(Y.encodeStateVector(writer.doc)).get(writer.doc.clientID)!)
      }
      if (written < BURST && writtenAtKill < 0) setTimeout(step, 1)
      else resolve()
    }
    step()
  })
  await killed
  await first.exited
  const acked = acknowledged()
  expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS)
  // The kill really landed mid-burst: updates were in flight, written but not yet acknowledged.
  expect(writtenAtKill).toBeLessThan(BURST)
  expect(written).toBeGreaterThan(acked.length)
  // Keep editing while the server is down, as a user would.
  addItem(writer.doc, { text: 'written while down', createdBy: owner.user.id })

  // Restart on the same port and data: the client finds it by itself.
  server = await spawnServer(dataDir, { PORT: String(first.port) })
  const reader = connectClient(server.url, list.id, owner.token)
  clients.push(reader)
  await synced(reader.provider)
  const afterRestart = new Set(listItems(reader.doc).items.map((item) => item.text))
  const lost = acked.filter((text) => !afterRestart.has(text))
  expect(lost).toEqual([])

  // The writer reconnects on its own and both replicas converge on everything it wrote.
  const total = written + 1
  await docUntil(reader.doc, () => listItems(reader.doc).items.length === total, `reader has all ${total} items`, 15_000)
  await saved(writer, 15_000)
  expect(listItems(reader.doc)).toEqual(listItems(writer.doc))
}, 60_000)

it('SIGTERM flushes every write, closes sockets with a retryable code and exits 0', async () => {
  const { owner, list, writer, first } = await serverWithWriter()
  const observer = connectClient(first.url, list.id, owner.token, { colist: false })
  clients.push(observer)
  await synced(observer.provider)
  const closed = writer.nextClose()
  for (let i = 0; i < 200; i++) addItem(writer.doc, { text: `late ${i}`, createdBy: owner.user.id })
  // The server has applied them all (it relayed them) — some may not be on disk yet.
  await docUntil(observer.doc, () => listItems(observer.doc).items.length === 200, 'observer sees all writes')
  first.child.kill('SIGTERM')
  expect(await closed).toBe(CloseCode.ServerRestarting.code)
  expect(isRetryableClose(CloseCode.ServerRestarting.code)).toBe(true)
  expect(await first.exited).toBe(0)

  writer.provider.shouldConnect = false
  server = await spawnServer(dataDir)
  const reader = connectClient(server.url, list.id, owner.token)
  clients.push(reader)
  await synced(reader.provider)
  expect(listItems(reader.doc).items).toHaveLength(200)
}, 30_000)
