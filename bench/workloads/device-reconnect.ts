/**
 * A device with many lists (issue 9): how much a connected device costs the
 * server, and how fast a device that was offline gets everything saved.
 *
 * 1. Memory: `devices` devices, each syncing every one of `lists` lists, are
 *    connected; server RSS (settled) before and after, per device. Colist
 *    carries a device on one socket; the peer servers need a socket per list.
 * 2. Reconnect: a partner has every list open; the device goes offline,
 *    makes `edits` edits spread evenly over the lists (one transaction
 *    each), and reconnects. Timed until the partner holds every edit of
 *    every list (Colist relays an update only once stored, so that is "all
 *    saved"; the reference server relays before its write queue has stored
 *    it). Also: the bytes the device sent, the server CPU until quiet, and
 *    the latency of a bystander's edits on another list meanwhile (one every
 *    20 ms), to compare with the fan-out row's p99.
 */
import * as Y from 'yjs'
import { benchNow, itemsOf, writeItem, writtenAt } from '../bench-doc.ts'
import { socketPerList, type DeviceConnection } from '../clients/connection.ts'
import { closeClients, openClients } from '../open-clients.ts'
import { summarize } from '../percentiles.ts'
import type { Figures } from '../row.ts'
import type { RunningServer } from '../servers/server-kind.ts'
import { docsUntil, settledRss, sleep, waitForQuietCpu, withTimeout } from '../waiting.ts'

export interface DeviceReconnectSizes {
  lists: number
  edits: number
  /** Devices connected at once for the memory figure. */
  devices: number
  settleMs: number
}

const SYNC_TIMEOUT_MS = 60_000
const BYSTANDER_INTERVAL_MS = 20

export async function runDeviceReconnect(server: RunningServer, sizes: DeviceReconnectSizes): Promise<Figures> {
  const names = await server.createDocs(sizes.lists)
  const connectDevice = server.connectDevice ?? socketPerList(server.connect)
  const openDevice = async (docs: Y.Doc[], onSend?: (bytes: number) => void): Promise<DeviceConnection> => {
    const device = connectDevice(names, { docs, onSend })
    try {
      await withTimeout(Promise.all(device.lists.map((list) => list.whenSynced)), SYNC_TIMEOUT_MS, `a device's ${names.length} lists to sync`)
    } catch (err) {
      device.destroy()
      throw err
    }
    return device
  }

  // 1. Memory per connected device.
  const rssBefore = await settledRss(server, sizes.settleMs)
  const devices: DeviceConnection[] = []
  let rssPerDeviceMb: number
  try {
    for (let d = 0; d < sizes.devices; d++) devices.push(await openDevice(names.map(() => new Y.Doc())))
    rssPerDeviceMb = ((await settledRss(server, sizes.settleMs)) - rssBefore) / sizes.devices / 2 ** 20
  } finally {
    for (const device of devices) {
      device.destroy()
      for (const list of device.lists) list.doc.destroy()
    }
  }

  // 2. Reconnect after offline edits.
  const partner = await openClients(server.connect, names)
  const [bystanderList] = await server.createDocs(1)
  const bystanders = await openClients(server.connect, [bystanderList!, bystanderList!])
  const docs = names.map(() => new Y.Doc())
  try {
    const first = await openDevice(docs)
    const userId = first.lists[0]!.userId
    first.destroy()
    for (let edit = 0; edit < sizes.edits; edit++) writeItem(docs[edit % names.length]!, `d${edit}`, 0, edit, userId)
    const expected = names.map((_, i) => itemsOf(docs[i]!).size)

    // The bystander writes on its own list throughout; its reader notes each delivery's latency.
    const latencies: number[] = []
    const [writer, reader] = bystanders as [typeof bystanders[0], typeof bystanders[0]]
    itemsOf(reader.doc).observe((event) => {
      const now = benchNow()
      for (const key of event.keysChanged) {
        const item = itemsOf(reader.doc).get(key)
        if (item) latencies.push(now - writtenAt(item))
      }
    })
    let writing = true
    let seq = 0
    const bystanderLoop = (async () => {
      while (writing) {
        writeItem(writer.doc, `b${seq}`, 1, seq, writer.userId)
        seq++
        await sleep(BYSTANDER_INTERVAL_MS)
      }
    })()

    let bytesSent = 0
    const cpuBefore = server.process.stats().cpuSeconds
    const started = performance.now()
    const second = connectDevice(names, { docs, onSend: (bytes) => (bytesSent += bytes) })
    try {
      await docsUntil(
        partner.map((p) => p.doc),
        () => partner.every((p, i) => itemsOf(p.doc).size >= expected[i]!),
        SYNC_TIMEOUT_MS,
        'the partner to hold every offline edit',
      )
      const savedMs = performance.now() - started
      writing = false
      await bystanderLoop
      const quiet = await waitForQuietCpu(() => server.process.stats().cpuSeconds, 1000, 30_000)
      const bystander = summarize(latencies)
      return {
        lists: sizes.lists,
        edits: sizes.edits,
        devices: sizes.devices,
        reconnectToSavedMs: savedMs,
        bytesSent,
        serverCpuSeconds: quiet.cpuSeconds - cpuBefore,
        bystanderP50Ms: bystander.p50,
        bystanderP99Ms: bystander.p99,
        rssPerDeviceMb,
      }
    } finally {
      writing = false
      second.destroy()
    }
  } finally {
    closeClients([...partner, ...bystanders])
    for (const doc of docs) doc.destroy()
  }
}
