/**
 * An item's text, bound to its Y.Text (see text/input-text-binding.ts): each
 * keystroke is an edit at its position, others' edits show while you type,
 * and nothing is written that you did not type. Enter writes nothing (the
 * text is saved as you type); Escape takes back what you typed since you
 * entered the field and leaves it; Ctrl+Z / Ctrl+Shift+Z undo and redo your
 * own typing of this visit. Leaving a text you emptied calls `onLeftEmpty`.
 */
import { useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactElement } from 'react'
import type * as Y from 'yjs'
import { TextBinding } from '../../text/input-text-binding.ts'

interface ItemTextFieldProps {
  text: Y.Text | null
  /** Shown when there is no Y.Text to bind (the item vanished between renders). */
  fallback: string
  /** The accessible name; it stays the same while the field has focus, so it does not change under the person typing. */
  label: string
  className?: string
  placeholder?: string
  maxLength?: number
  readOnly?: boolean
  focusKey?: string
  /** Origin of the app's own transactions (undo inside the field takes back only those). */
  localOrigin: unknown
  /** Runs an edit of the Y.Text as one change of this user; false if refused. */
  apply: (edit: (text: Y.Text) => void) => boolean
  onTyping?: () => void
  onStopTyping?: () => void
  /** The person emptied the text and left the field. */
  onLeftEmpty?: () => void
  /**
   * The field went away while the person was in it (the row unmounted: the
   * item was deleted, or moved to another group). Called before it goes.
   */
  onGoneWhileFocused?: (selection: { start: number; end: number }) => void
}

export function ItemTextField(props: ItemTextFieldProps): ReactElement {
  const { text, fallback, label, className, placeholder, maxLength, readOnly, focusKey, localOrigin } = props
  const input = useRef<HTMLInputElement>(null)
  const binding = useRef<TextBinding | null>(null)
  const latest = useRef(props)
  latest.current = props
  const [focusedLabel, setFocusedLabel] = useState<string | null>(null)
  // Only the first render's: afterwards the binding alone writes the field (React must not).
  const [initialValue] = useState(() => (text ? text.toString() : fallback))

  useLayoutEffect(() => {
    const field = input.current
    if (!field || !text) return
    const bound = new TextBinding(text, field, {
      apply: (edit) => latest.current.apply(edit),
      hasFocus: () => document.activeElement === field,
      localOrigin,
      onEdit: () => latest.current.onTyping?.(),
    })
    binding.current = bound
    if (document.activeElement === field) bound.focus()
    // The composition events React offers are synthetic; native ones keep the order the browser uses.
    const onInput = () => bound.input()
    const onCompositionStart = () => bound.compositionStart()
    const onCompositionEnd = () => bound.compositionEnd()
    const onBeforeInput = (event: InputEvent) => {
      // The browser's own undo would put back stale values over others' edits.
      if (event.inputType === 'historyUndo' || event.inputType === 'historyRedo') {
        event.preventDefault()
        if (event.inputType === 'historyUndo') bound.undoTyping()
        else bound.redoTyping()
      }
    }
    field.addEventListener('input', onInput)
    field.addEventListener('compositionstart', onCompositionStart)
    field.addEventListener('compositionend', onCompositionEnd)
    field.addEventListener('beforeinput', onBeforeInput)
    return () => {
      // React runs this before it detaches the row, so focus still tells whether the person was here.
      if (document.activeElement === field) {
        bound.blur()
        const end = field.selectionEnd ?? field.value.length
        latest.current.onGoneWhileFocused?.({ start: field.selectionStart ?? end, end })
      }
      field.removeEventListener('input', onInput)
      field.removeEventListener('compositionstart', onCompositionStart)
      field.removeEventListener('compositionend', onCompositionEnd)
      field.removeEventListener('beforeinput', onBeforeInput)
      bound.destroy()
      binding.current = null
    }
  }, [text, localOrigin])

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    const bound = binding.current
    if (!bound || readOnly) return
    const mod = (event.ctrlKey || event.metaKey) && !event.altKey
    const key = event.key.toLowerCase()
    if (mod && (key === 'z' || key === 'y')) {
      // Handled here, whether or not this visit has typing to undo: the list's undo is for the toolbar.
      event.preventDefault()
      if (key === 'z' && !event.shiftKey) bound.undoTyping()
      else bound.redoTyping()
      return
    }
    if (event.key === 'Enter') {
      // Saved as typed already: Enter only says "done" (and must not submit anything).
      event.preventDefault()
      latest.current.onStopTyping?.()
    } else if (event.key === 'Escape' && !bound.isComposing) {
      event.preventDefault()
      bound.revertVisit()
      event.currentTarget.blur()
    }
  }

  return (
    <input
      ref={input}
      className={className}
      aria-label={focusedLabel ?? label}
      defaultValue={initialValue}
      placeholder={placeholder}
      maxLength={maxLength}
      readOnly={readOnly || !text}
      data-focus-key={focusKey}
      onFocus={() => {
        setFocusedLabel(label)
        binding.current?.focus()
      }}
      onBlur={() => {
        setFocusedLabel(null)
        const bound = binding.current
        latest.current.onStopTyping?.()
        if (!bound) return
        bound.blur()
        if (!readOnly && bound.editedThisVisit && bound.text.toString().trim() === '') latest.current.onLeftEmpty?.()
      }}
      onKeyDown={onKeyDown}
      enterKeyHint="done"
      autoComplete="off"
      spellCheck={false}
    />
  )
}
