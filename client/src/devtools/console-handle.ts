/**
 * `window.colist`: the open list's doc, provider and awareness, plus every
 * list-document function, for poking at a list from the browser console:
 *
 *   colist.list.addItem(colist.doc, { text: 'Milk', createdBy: colist.user.id })
 *   colist.list.listItems(colist.doc)
 *
 * and on every page the device sync engine, `colist.device` (every list's
 * state: `colist.device.getSnapshot()`, a list's session:
 * `colist.device.session(id)`).
 *
 * Changes made this way are not the user's own tracked changes (undo ignores
 * them) but sync like any other.
 */
import * as Y from 'yjs'
import * as listDocument from '../../../shared/list-document.ts'
import type { DeviceSync } from '../sync/device-sync.ts'
import type { ListSession } from '../sync/list-session.ts'

export interface ColistConsoleHandle {
  doc: Y.Doc
  provider: ListSession['provider']
  awareness: ListSession['awareness']
  server: ListSession['server']
  connection: ListSession['connection']
  pending: ListSession['pending']
  undo: ListSession['undo']
  replica: ListSession['replica']
  user: ListSession['user']
  listId: string
  session: ListSession
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

export function exposeOnWindow(session: ListSession | null): void {
  if (!session) {
    window.colist = { list: listDocument, Y, device }
    return
  }
  window.colist = {
    device,
    doc: session.doc,
    provider: session.provider,
    awareness: session.awareness,
    server: session.server,
    connection: session.connection,
    pending: session.pending,
    undo: session.undo,
    replica: session.replica,
    user: session.user,
    listId: session.listId,
    session,
    list: listDocument,
    Y,
    flushDeviceStore: () => session.flushToDevice(),
  }
}
