import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { addItem, editItemText, removeItem, restoreItem, setChecked, setTitle } from '../shared/list-document.ts'
import { DocStatsTracker, UserChange, docStats, type DocStats } from './list-doc-stats.ts'
import { FROM_FANOUT } from './peer-sync.ts'

afterEach(() => {
  vi.useRealTimers()
})

function writers(doc: Y.Doc, owners: Record<number, string>): void {
  doc.transact(() => {
    for (const [clientId, u] of Object.entries(owners)) doc.getMap('writers').set(clientId, { u, at: 1 })
  })
}

describe('list document stats', () => {
  it('counts open and checked items that exist, and names the latest change by its clientID owner', () => {
    const doc = new Y.Doc()
    writers(doc, { [doc.clientID]: 'ana' })
    setTitle(doc, 'Groceries')
    const milk = addItem(doc, { text: 'Milk', createdBy: 'ana' })
    addItem(doc, { text: 'Eggs', createdBy: 'ana' })
    const gone = addItem(doc, { text: 'Gone', createdBy: 'ana' })
    setChecked(doc, milk, true)
    removeItem(doc, gone)
    const stats = docStats(doc)
    expect(stats).toMatchObject({ title: 'Groceries', open: 1, checked: 1, changedBy: 'ana' })
    expect(stats.changedAt).toBeGreaterThan(Date.now() - 10_000)
  })

  it('a tracker follows item by item, debounced, and agrees with a full read', () => {
    vi.useFakeTimers()
    const doc = new Y.Doc()
    writers(doc, { [doc.clientID]: 'ana' })
    const reported: DocStats[] = []
    const tracker = new DocStatsTracker(doc, (stats) => reported.push(stats), 150)
    const ids = ['a', 'b', 'c', 'd'].map((text) => addItem(doc, { text, createdBy: 'ana' }))
    setChecked(doc, ids[0]!, true)
    expect(reported).toEqual([])
    vi.advanceTimersByTime(150)
    expect(reported).toHaveLength(1)
    expect(reported[0]).toMatchObject({ open: 3, checked: 1 })

    removeItem(doc, ids[1]!)
    restoreItem(doc, ids[1]!)
    removeItem(doc, ids[2]!)
    setChecked(doc, ids[0]!, false)
    for (let i = 0; i < 20; i++) editItemText(doc, ids[3]!, (text) => text.insert(text.length, 'x'))
    vi.advanceTimersByTime(150)
    expect(reported).toHaveLength(2)
    expect(tracker.stats).toEqual(docStats(doc))
    expect(tracker.stats).toMatchObject({ open: 3, checked: 0 })
    tracker.destroy()
  })

  it('changes from other nodes are counted but not reported; a server change on a user’s behalf names the user', () => {
    vi.useFakeTimers()
    const doc = new Y.Doc()
    const reported: DocStats[] = []
    const tracker = new DocStatsTracker(doc, (stats) => reported.push(stats), 150)
    const peer = new Y.Doc()
    addItem(peer, { text: 'From a peer', createdBy: 'ben' })
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer), FROM_FANOUT)
    vi.advanceTimersByTime(1000)
    expect(reported).toEqual([])

    // The server's own clientID owns nothing a user does: the origin names who asked.
    writers(doc, { [doc.clientID]: '#server' })
    doc.transact(() => setTitle(doc, 'Renamed'), new UserChange('carol'))
    vi.advanceTimersByTime(150)
    expect(reported).toEqual([expect.objectContaining({ title: 'Renamed', open: 1, changedBy: 'carol' })])
    tracker.destroy()
  })

  it('reports a pending change when destroyed (the room unloads right after an HTTP change)', () => {
    vi.useFakeTimers()
    const doc = new Y.Doc()
    const reported: DocStats[] = []
    const tracker = new DocStatsTracker(doc, (stats) => reported.push(stats), 150)
    addItem(doc, { text: 'Milk', createdBy: 'ana' })
    tracker.destroy()
    expect(reported).toEqual([expect.objectContaining({ open: 1 })])
    vi.advanceTimersByTime(1000)
    expect(reported).toHaveLength(1)
  })
})
