/** Whether undo and redo have anything to do, for the toolbar buttons. */
import { useMemo, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'

const EVENTS = ['stack-item-added', 'stack-item-popped', 'stack-cleared'] as const

export interface UndoState {
  canUndo: boolean
  canRedo: boolean
}

/**
 * A store of `undo`'s state whose snapshot changes only when canUndo or
 * canRedo does: every edit adds a stack item, and a new snapshot each time
 * would render its reader inside the key that made the edit.
 */
export function undoStateStore(undo: Y.UndoManager): { subscribe(listener: () => void): () => void; getSnapshot(): UndoState } {
  let snapshot: UndoState = { canUndo: undo.canUndo(), canRedo: undo.canRedo() }
  return {
    subscribe(listener) {
      const onChange = () => {
        const canUndo = undo.canUndo()
        const canRedo = undo.canRedo()
        if (canUndo === snapshot.canUndo && canRedo === snapshot.canRedo) return
        snapshot = { canUndo, canRedo }
        listener()
      }
      for (const event of EVENTS) undo.on(event, onChange)
      return () => {
        for (const event of EVENTS) undo.off(event, onChange)
      }
    },
    getSnapshot: () => snapshot,
  }
}

export function useUndoState(undo: Y.UndoManager): UndoState {
  const store = useMemo(() => undoStateStore(undo), [undo])
  return useSyncExternalStore(store.subscribe, store.getSnapshot)
}
