/** Whether undo and redo have anything to do, for the toolbar buttons. */
import { useMemo, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'

const EVENTS = ['stack-item-added', 'stack-item-popped', 'stack-cleared'] as const

export function useUndoState(undo: Y.UndoManager): { canUndo: boolean; canRedo: boolean } {
  const store = useMemo(() => {
    let snapshot = { canUndo: undo.canUndo(), canRedo: undo.canRedo() }
    return {
      subscribe(listener: () => void) {
        const onChange = () => {
          snapshot = { canUndo: undo.canUndo(), canRedo: undo.canRedo() }
          listener()
        }
        for (const event of EVENTS) undo.on(event, onChange)
        return () => {
          for (const event of EVENTS) undo.off(event, onChange)
        }
      },
      getSnapshot: () => snapshot,
    }
  }, [undo])
  return useSyncExternalStore(store.subscribe, store.getSnapshot)
}
