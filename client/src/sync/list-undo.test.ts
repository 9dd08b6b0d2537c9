import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addCategory, addItem, attachClock, getItem, listCategories, setChecked } from '../../../shared/list-document.ts'
import { itemsMap } from '../../../shared/list-layout.ts'
import { ListUndoManager } from './list-undo.ts'

const LOCAL = Symbol('local')

function sync(from: Y.Doc, to: Y.Doc): void {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)))
}

describe('ListUndoManager', () => {
  it('undoes an item creation by marking it deleted, never by deleting its key; redo brings it back', () => {
    const doc = new Y.Doc()
    const undo = new ListUndoManager(doc, LOCAL)
    let id = ''
    doc.transact(() => {
      id = addItem(doc, { text: 'Milk', createdBy: 'u1' })
    }, LOCAL)
    undo.undo()
    expect(getItem(doc, id)).toBeNull()
    expect(itemsMap(doc).has(id)).toBe(true)
    expect(getItem(doc, id)).toBeNull()
    undo.redo()
    expect(getItem(doc, id)?.text).toBe('Milk')
    undo.undo()
    expect(getItem(doc, id)).toBeNull()
  })

  it('lets a partner’s later edit bring back an item whose creation was undone', () => {
    const mine = new Y.Doc()
    const theirs = new Y.Doc()
    let now = 1_700_000_000_000
    attachClock(mine, { now: () => now })
    attachClock(theirs, { now: () => now })
    const undo = new ListUndoManager(mine, LOCAL)
    let id = ''
    mine.transact(() => {
      id = addItem(mine, { text: 'Milk', createdBy: 'u1' })
    }, LOCAL)
    sync(mine, theirs)
    now += 1000
    undo.undo()
    // The partner checks it afterwards (by clock), not having seen the undo.
    now += 1000
    setChecked(theirs, id, true)
    sync(mine, theirs)
    sync(theirs, mine)
    expect(getItem(mine, id)?.checked).toBe(true)
    expect(getItem(theirs, id)?.checked).toBe(true)
  })

  it('undoes other changes as usual, and category creations like item creations', () => {
    const doc = new Y.Doc()
    const id = addItem(doc, { text: 'Bread', createdBy: 'u1' })
    const undo = new ListUndoManager(doc, LOCAL)
    doc.transact(() => setChecked(doc, id, true), LOCAL)
    undo.stopCapturing()
    let categoryId = ''
    doc.transact(() => {
      categoryId = addCategory(doc, { name: 'Bakery' })
    }, LOCAL)
    undo.undo()
    expect(listCategories(doc)).toEqual([])
    expect(doc.getMap('categories').has(categoryId)).toBe(true)
    expect(getItem(doc, id)?.checked).toBe(true)
    undo.undo()
    expect(getItem(doc, id)?.checked).toBe(false)
    undo.redo()
    undo.redo()
    expect(listCategories(doc).map((category) => category.name)).toEqual(['Bakery'])
    expect(getItem(doc, id)?.checked).toBe(true)
  })
})
