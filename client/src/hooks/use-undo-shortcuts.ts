/**
 * Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y) undo and redo this user's own changes
 * to the list. Inside a text field with text in it the browser's own undo of
 * the typing wins, as it would anywhere else.
 */
import { useEffect } from 'react'
import type * as Y from 'yjs'

function editingText(target: EventTarget | null): boolean {
  if (target instanceof HTMLTextAreaElement) return target.value !== ''
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit'].includes(target.type) && target.value !== '' && !target.readOnly
  return target instanceof HTMLElement && target.isContentEditable
}

export function useUndoShortcuts(undo: Y.UndoManager | null, enabled: boolean): void {
  useEffect(() => {
    if (!undo || !enabled) return
    const onKeyDown = (event: KeyboardEvent) => {
      // A field that handles its own undo (an item's text) has already taken the keystroke.
      if (event.defaultPrevented || !(event.ctrlKey || event.metaKey) || event.altKey) return
      const key = event.key.toLowerCase()
      const isUndo = key === 'z' && !event.shiftKey
      const isRedo = (key === 'z' && event.shiftKey) || (key === 'y' && !event.shiftKey)
      if (!isUndo && !isRedo) return
      if (editingText(event.target)) return
      event.preventDefault()
      if (isUndo) undo.undo()
      else undo.redo()
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [undo, enabled])
}
