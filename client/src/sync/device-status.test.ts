import { describe, expect, it } from 'vitest'
import { deriveDeviceStatus, type DeviceStatusInput } from './device-status.ts'

const device = (patch: Partial<DeviceStatusInput> = {}): DeviceStatusInput => ({ online: true, pending: 0, listsWaiting: 0, updating: 0, stopped: 0, ...patch })

describe('deriveDeviceStatus', () => {
  it('says "All changes saved" once every list is in sync', () => {
    expect(deriveDeviceStatus(device())).toMatchObject({ kind: 'saved', text: 'All changes saved', detail: null })
  })

  it('sums the changes waiting over every list, and says where offline', () => {
    expect(deriveDeviceStatus(device({ online: false, pending: 3, listsWaiting: 2 }))).toMatchObject({
      kind: 'offline',
      text: '3 changes waiting — offline',
      detail: 'In 2 lists · sent when the network is back',
    })
    expect(deriveDeviceStatus(device({ online: false, pending: 1, listsWaiting: 1 })).text).toBe('1 change waiting — offline')
    expect(deriveDeviceStatus(device({ online: false })).text).toBe('Offline — all changes saved')
  })

  it('counts changes going up and lists still updating', () => {
    expect(deriveDeviceStatus(device({ pending: 2, listsWaiting: 1, updating: 1 }))).toMatchObject({ kind: 'syncing', text: 'Syncing 2 changes…' })
    expect(deriveDeviceStatus(device({ updating: 4 }))).toMatchObject({ kind: 'connecting', text: 'Updating 4 lists…' })
  })

  it('says when changes wait in lists that cannot sync', () => {
    expect(deriveDeviceStatus(device({ pending: 2, listsWaiting: 1, stopped: 1 }))).toMatchObject({
      kind: 'paused',
      text: '2 changes waiting',
      detail: "1 list can't sync — open it to see why",
    })
  })
})
