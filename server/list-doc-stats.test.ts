import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { addItem, editItemText, listItems, moveItem, removeItem, restoreItem, setChecked, setTitle } from '../shared/list-document.ts'
import { PREVIEW_ITEMS, PREVIEW_TEXT_CHARS } from '../shared/lists-feed.ts'
import { DocStatsTracker, UserChange, docStats, previewText, type DocStats } from './list-doc-stats.ts'
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

  it('a second destroy does nothing (the lists feed closes, then the room’s document goes): no report, no Yjs warning', () => {
    const doc = new Y.Doc()
    const reported: DocStats[] = []
    const tracker = new DocStatsTracker(doc, (stats) => reported.push(stats), 150)
    addItem(doc, { text: 'Milk', createdBy: 'ana' })
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      tracker.destroy()
      doc.once('destroy', () => tracker.destroy())
      doc.destroy()
      expect(errors).not.toHaveBeenCalled()
    } finally {
      errors.mockRestore()
    }
    expect(reported).toHaveLength(1)
  })
})

describe('the preview of the first open items', () => {
  /** What a reader of the whole list sees: the first open items in list order. */
  const expected = (doc: Y.Doc) =>
    listItems(doc)
      .items.filter((item) => !item.checked)
      .slice(0, PREVIEW_ITEMS)
      .map(({ id, text }) => ({ id, text: previewText(text) }))

  it('is the first open items in list order, at most PREVIEW_ITEMS, texts cut to PREVIEW_TEXT_CHARS', () => {
    const doc = new Y.Doc()
    const [tent, stove, matches, rope] = ['Tent', 'Stove', 'Matches', 'Rope'].map((text) => addItem(doc, { text, createdBy: 'ana' }))
    setChecked(doc, tent!, true)
    removeItem(doc, stove!)
    const long = addItem(doc, { text: 'x'.repeat(PREVIEW_TEXT_CHARS - 1) + '😀 and more', createdBy: 'ana' })
    addItem(doc, { text: 'Last', createdBy: 'ana' })
    moveItem(doc, rope!, { after: null })
    const { preview } = docStats(doc)
    expect(preview).toHaveLength(PREVIEW_ITEMS)
    expect(preview.map((item) => item.id)).toEqual([rope, matches, long])
    // Never half of a surrogate pair.
    expect(preview[2]!.text).toBe('x'.repeat(PREVIEW_TEXT_CHARS - 1))
    expect(preview).toEqual(expected(doc))
    expect(docStats(new Y.Doc()).preview).toEqual([])
  })

  it('a tracker keeps it item by item through checks, deletions, moves and text edits, as a full read would', () => {
    vi.useFakeTimers()
    const doc = new Y.Doc()
    const reported: DocStats[] = []
    const tracker = new DocStatsTracker(doc, (stats) => reported.push(stats), 150)
    const ids = Array.from({ length: 12 }, (_, i) => addItem(doc, { text: `Item ${i}`, createdBy: 'ana' }))
    vi.advanceTimersByTime(150)
    expect(tracker.stats.preview).toEqual(expected(doc))
    // A fixed pseudo-random walk (a linear congruential generator), so a failure repeats.
    let seed = 7
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
    for (let step = 0; step < 300; step++) {
      const id = ids[next(ids.length)]!
      const alive = listItems(doc).items.some((item) => item.id === id)
      switch (next(5)) {
        case 0:
          if (alive) setChecked(doc, id, next(2) === 0)
          break
        case 1:
          if (alive) removeItem(doc, id)
          else restoreItem(doc, id)
          break
        case 2: {
          const items = listItems(doc).items
          if (alive) moveItem(doc, id, { after: next(3) === 0 ? null : (items[next(items.length)]?.id ?? null) })
          break
        }
        case 3:
          if (alive) editItemText(doc, id, (text) => text.insert(0, 'x'))
          break
        default:
          ids.push(addItem(doc, { text: `New ${step}`, createdBy: 'ana', after: next(2) === 0 ? null : undefined }))
      }
      if (step % 7 === 0) {
        vi.advanceTimersByTime(150)
        expect(tracker.stats.preview, `step ${step}`).toEqual(expected(doc))
      }
    }
    vi.advanceTimersByTime(150)
    expect(tracker.stats).toEqual(docStats(doc))
    expect(reported.at(-1)).toEqual(tracker.stats)
    tracker.destroy()
  })

  it('a text edit of a previewed item changes the preview; one of an item further down does not', () => {
    vi.useFakeTimers()
    const doc = new Y.Doc()
    const reported: DocStats[] = []
    const tracker = new DocStatsTracker(doc, (stats) => reported.push(stats), 150)
    const ids = ['Milk', 'Eggs', 'Bread', 'Jam'].map((text) => addItem(doc, { text, createdBy: 'ana' }))
    vi.advanceTimersByTime(150)
    editItemText(doc, ids[3]!, (text) => text.insert(3, '!'))
    vi.advanceTimersByTime(150)
    expect(tracker.stats.preview.map((item) => item.text)).toEqual(['Milk', 'Eggs', 'Bread'])
    editItemText(doc, ids[0]!, (text) => text.insert(4, ' (oat)'))
    vi.advanceTimersByTime(150)
    expect(reported.at(-1)!.preview.map((item) => item.text)).toEqual(['Milk (oat)', 'Eggs', 'Bread'])
    tracker.destroy()
  })
})
