import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, attachClock, getItem, listItems, removeItem, restoreItem, setChecked, updateItem } from '../shared/list-document.ts'
import { DELETION_HORIZON_MS } from '../shared/list-maintenance.ts'
import { ClientIds, SERVER_OWNER } from './client-ids.ts'
import { MaintenanceSchedule, maintainDocument } from './maintenance.ts'

describe('maintainDocument', () => {
  it('folds deletions older than the horizon and prunes superseded entries in one server change that every replica applies alike', async () => {
    let ms = 1_700_000_000_000
    const client = new Y.Doc()
    attachClock(client, { now: () => ms })
    const old = addItem(client, { text: 'old', createdBy: 'u' })
    const kept = addItem(client, { text: 'kept', createdBy: 'u' })
    removeItem(client, old)
    const server = new Y.Doc()
    Y.applyUpdate(server, Y.encodeStateAsUpdate(client))
    // Another replica's quantity, then a later one of the client's: the first can never win again.
    const other = new Y.Doc()
    attachClock(other, { now: () => ms })
    Y.applyUpdate(other, Y.encodeStateAsUpdate(client))
    updateItem(other, kept, { quantity: '1' })
    Y.applyUpdate(server, Y.encodeStateAsUpdate(other))
    Y.applyUpdate(client, Y.encodeStateAsUpdate(other))
    ms += 1_000
    updateItem(client, kept, { quantity: '2' })
    setChecked(client, kept, true)
    Y.applyUpdate(server, Y.encodeStateAsUpdate(client))

    const owners = new ClientIds(server, undefined, ms)
    const updates: Uint8Array[] = []
    server.on('update', (update: Uint8Array, origin: unknown) => origin === 'maintenance' && updates.push(update))
    ms += DELETION_HORIZON_MS + 1
    expect(await maintainDocument(server, owners, { now: ms, origin: 'maintenance' })).toEqual({ folded: 1, pruned: 1 })
    expect(updates).toHaveLength(1)
    expect(server.getMap('items').has(old)).toBe(false)
    expect(owners.ownerOf(server.clientID)).toBe(SERVER_OWNER)

    Y.applyUpdate(client, updates[0]!)
    expect(listItems(client)).toEqual(listItems(server))
    expect(getItem(client, kept)).toMatchObject({ quantity: '2', checked: true })
    expect(await maintainDocument(server, owners, { now: ms, origin: 'maintenance' })).toEqual({ folded: 0, pruned: 0 })
  })
})

describe('maintainDocument on a large list', () => {
  it('reads it across event-loop turns, and does not fold an item restored, nor touch one changed, while it reads', async () => {
    let ms = 1_700_000_000_000
    const doc = new Y.Doc()
    attachClock(doc, { now: () => ms })
    const ids = doc.transact(() => Array.from({ length: 3000 }, (_, i) => addItem(doc, { text: `item ${i}`, createdBy: 'u', last: null })))
    const [first, last] = [ids[0]!, ids[ids.length - 1]!]
    for (const id of [first, ids[1]!, last]) removeItem(doc, id)
    const owners = new ClientIds(doc, undefined, ms)
    ms += DELETION_HORIZON_MS + 1
    let turns = 0
    const counting = setInterval(() => turns++, 0)
    const running = maintainDocument(doc, owners, { now: ms, origin: 'maintenance' })
    // While the walk runs: the last item (not read yet) and the first (read already) are restored.
    await new Promise((resolve) => setImmediate(resolve))
    restoreItem(doc, last)
    restoreItem(doc, first)
    const result = await running
    clearInterval(counting)
    expect(turns).toBeGreaterThan(1)
    expect(result.folded).toBe(1)
    expect(doc.getMap('items').has(ids[1]!)).toBe(false)
    expect(getItem(doc, first)).not.toBeNull()
    expect(getItem(doc, last)).not.toBeNull()
  })

  it('stops without writing once cancelled', async () => {
    let ms = 1_700_000_000_000
    const doc = new Y.Doc()
    attachClock(doc, { now: () => ms })
    const gone = addItem(doc, { text: 'gone', createdBy: 'u' })
    removeItem(doc, gone)
    ms += DELETION_HORIZON_MS + 1
    const result = await maintainDocument(doc, new ClientIds(doc, undefined, ms), { now: ms, origin: 'maintenance', cancelled: () => true })
    expect(result).toEqual({ folded: 0, pruned: 0 })
    expect(doc.getMap('items').has(gone)).toBe(true)
  })
})

describe('MaintenanceSchedule', () => {
  it('is due at most once per interval per list, counted from its first load in this process', () => {
    let ms = 0
    const schedule = new MaintenanceSchedule(10_000, () => ms)
    schedule.loaded('a')
    expect(schedule.claim('a')).toBe(false)
    ms = 9_999
    schedule.loaded('a') // loaded again (unloaded meanwhile): the interval still counts from the first load
    expect(schedule.claim('a')).toBe(false)
    ms = 10_000
    expect(schedule.claim('a')).toBe(true)
    expect(schedule.claim('a')).toBe(false)
    ms = 20_000
    expect(schedule.claim('a')).toBe(true)
    // A list never seen is due at once; a forgotten one starts over.
    expect(schedule.claim('b')).toBe(true)
    schedule.forget('a')
    schedule.loaded('a')
    expect(schedule.claim('a')).toBe(false)
  })

  it('with an interval of 0, is due at every compaction', () => {
    const schedule = new MaintenanceSchedule(0, () => 5)
    schedule.loaded('a')
    expect([schedule.claim('a'), schedule.claim('a')]).toEqual([true, true])
  })
})
