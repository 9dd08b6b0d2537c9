/**
 * `window.colist`: the open list's doc, provider and awareness, plus every
 * list-document function, for poking at a list from the browser console:
 *
 *   colist.list.addItem(colist.doc, { text: 'Milk', createdBy: colist.user.id })
 *   colist.list.listItems(colist.doc)
 *
 * and on every page the device sync engine, `colist.device` (every list's
 * state: `colist.device.getSnapshot()`, a list's sync:
 * `colist.device.list(id)`).
 *
 * Changes made this way are not the user's own tracked changes (undo ignores
 * them) but sync like any other.
 */
import * as Y from 'yjs'
import * as listDocument from '../../../shared/list-document.ts'
import type { DeviceSync } from '../sync/device-sync.ts'
import type { ListSync } from '../sync/list-sync.ts'

export interface ColistConsoleHandle {
  doc: Y.Doc
  provider: ListSync['provider']
  awareness: ListSync['awareness']
  server: ListSync['server']
  connection: ListSync['connection']
  pending: ListSync['pending']
  undo: ListSync['undo']
  replica: ListSync['replica']
  user: ListSync['user']
  listId: string
  sync: ListSync
  /** Every function of shared/list-document.ts. */
  list: typeof listDocument
  Y: typeof Y
  /** Resolves once the device copy (IndexedDB) has every change made so far. */
  flushDeviceStore: () => Promise<void>
  /** The device sync engine of the signed-in user. */
  device: DeviceSync | null
}

declare global {
  interface Window {
    colist?: ColistConsoleHandle | { list: typeof listDocument; Y: typeof Y; device: DeviceSync | null }
  }
}

let device: DeviceSync | null = null

/** The device sync engine, on every page (null once signed out). */
export function exposeDevice(engine: DeviceSync | null): void {
  device = engine
  if (window.colist) window.colist.device = engine
  else window.colist = { list: listDocument, Y, device }
}

export function exposeOnWindow(sync: ListSync | null): void {
  if (!sync) {
    window.colist = { list: listDocument, Y, device }
    return
  }
  window.colist = {
    device,
    doc: sync.doc,
    provider: sync.provider,
    awareness: sync.awareness,
    server: sync.server,
    connection: sync.connection,
    pending: sync.pending,
    undo: sync.undo,
    replica: sync.replica,
    user: sync.user,
    listId: sync.listId,
    sync,
    list: listDocument,
    Y,
    flushDeviceStore: () => sync.flushToDevice(),
  }
}
