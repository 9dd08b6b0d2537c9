/**
 * The list toolbar's Undo and Redo. They follow the undo manager themselves,
 * so the first edit (which makes Undo possible) renders these two buttons,
 * not the page around them, inside the key that made it.
 */
import { memo, type ReactElement } from 'react'
import type * as Y from 'yjs'
import { useUndoState } from '../../hooks/use-undo-state.ts'
import { Icon } from '../Icon.tsx'

function UndoButtonsView({ undo }: { undo: Y.UndoManager }): ReactElement {
  const { canUndo, canRedo } = useUndoState(undo)
  return (
    <>
      <button type="button" className="icon-button" aria-label="Undo" aria-keyshortcuts="Control+Z" title="Undo (Ctrl+Z)" disabled={!canUndo} onClick={() => undo.undo()}>
        <Icon name="undo" />
      </button>
      <button type="button" className="icon-button" aria-label="Redo" aria-keyshortcuts="Control+Shift+Z" title="Redo (Ctrl+Shift+Z)" disabled={!canRedo} onClick={() => undo.redo()}>
        <Icon name="redo" />
      </button>
    </>
  )
}

export const UndoButtons = memo(UndoButtonsView)
