import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { undoStateStore } from './use-undo-state.ts'

describe('the undo state store', () => {
  it('tells its reader only when canUndo or canRedo changes, keeping one snapshot between: every edit adds a stack item', () => {
    const doc = new Y.Doc()
    const text = doc.getText('t')
    // captureTimeout 0: each edit is a stack item of its own, as edits a moment apart are.
    const undo = new Y.UndoManager(text, { captureTimeout: 0 })
    const store = undoStateStore(undo)
    let told = 0
    const unsubscribe = store.subscribe(() => told++)
    const first = store.getSnapshot()
    expect(first).toEqual({ canUndo: false, canRedo: false })

    text.insert(0, 'a')
    expect(told).toBe(1)
    const afterOne = store.getSnapshot()
    expect(afterOne).toEqual({ canUndo: true, canRedo: false })
    text.insert(1, 'b')
    text.insert(2, 'c')
    expect(undo.undoStack.length).toBe(3)
    // Nothing the buttons show changed: the same snapshot, no render.
    expect(told).toBe(1)
    expect(store.getSnapshot()).toBe(afterOne)

    undo.undo()
    expect(store.getSnapshot()).toEqual({ canUndo: true, canRedo: true })
    expect(told).toBe(2)
    undo.undo()
    undo.undo()
    expect(store.getSnapshot()).toEqual({ canUndo: false, canRedo: true })
    expect(told).toBe(3)
    undo.clear()
    expect(store.getSnapshot()).toEqual({ canUndo: false, canRedo: false })
    expect(told).toBe(4)

    unsubscribe()
    text.insert(0, 'd')
    expect(told).toBe(4)
  })
})
