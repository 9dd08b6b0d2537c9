/**
 * Pure: the whole device's sync state → the status line of the lists page's
 * header ("All changes saved", "3 changes waiting — offline"). A list's own
 * page shows that list's status instead (status.ts).
 */
import type { DeviceState } from './device-sync.ts'
import { SAVED_TEXT, changesText, type SyncStatus } from './status.ts'

export type DeviceStatusInput = Pick<DeviceState, 'online' | 'pending' | 'listsWaiting' | 'updating' | 'stopped'>

const lists = (count: number) => `${count} ${count === 1 ? 'list' : 'lists'}`

export function deriveDeviceStatus(device: DeviceStatusInput): SyncStatus {
  const where = device.listsWaiting > 1 ? `In ${lists(device.listsWaiting)}` : null
  const paused = device.stopped > 0 ? `${lists(device.stopped)} can't sync — open ${device.stopped === 1 ? 'it' : 'them'} to see why` : null
  const detail = (...parts: Array<string | null>) => parts.filter((part) => part !== null).join(' · ') || null

  if (!device.online) {
    if (device.pending > 0) {
      return { kind: 'offline', text: `${changesText(device.pending)} waiting — offline`, detail: detail(where, 'sent when the network is back'), overHttp: false }
    }
    return { kind: 'offline', text: 'Offline — all changes saved', detail: 'Lists kept on this device still open', overHttp: false }
  }
  if (device.pending > 0) {
    if (device.stopped > 0 && device.updating === 0) return { kind: 'paused', text: `${changesText(device.pending)} waiting`, detail: paused, overHttp: false }
    return { kind: 'syncing', text: `Syncing ${changesText(device.pending)}…`, detail: detail(where, paused), overHttp: false }
  }
  if (device.updating > 0) return { kind: 'connecting', text: `Updating ${lists(device.updating)}…`, detail: paused, overHttp: false }
  return { kind: device.stopped > 0 ? 'paused' : 'saved', text: SAVED_TEXT, detail: paused, overHttp: false }
}
