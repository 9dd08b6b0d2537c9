import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, attachClock, getItem, listItems, removeItem, setChecked, updateItem } from '../shared/list-document.ts'
import { DELETION_HORIZON_MS } from '../shared/list-maintenance.ts'
import { ClientIds, SERVER_OWNER } from './client-ids.ts'
import { maintainDocument } from './maintenance.ts'

describe('maintainDocument', () => {
  it('folds deletions older than the horizon and prunes superseded entries in one server change that every replica applies alike', () => {
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
    expect(maintainDocument(server, owners, { now: ms, origin: 'maintenance' })).toEqual({ folded: 1, pruned: 1 })
    expect(updates).toHaveLength(1)
    expect(server.getMap('items').has(old)).toBe(false)
    expect(owners.ownerOf(server.clientID)).toBe(SERVER_OWNER)

    Y.applyUpdate(client, updates[0]!)
    expect(listItems(client)).toEqual(listItems(server))
    expect(getItem(client, kept)).toMatchObject({ quantity: '2', checked: true })
    expect(maintainDocument(server, owners, { now: ms, origin: 'maintenance' })).toEqual({ folded: 0, pruned: 0 })
  })
})
