/**
 * An item's text, bound to its Y.Text (see text/input-text-binding.ts): each
 * keystroke is an edit at its position (applied after the frame that shows
 * it, a few keystrokes at a time while typing is fast), others' edits show
 * while you type,
 * and nothing is written that you did not type. Enter writes nothing (the
 * text is saved as you type); Escape takes back what you typed since you
 * entered the field and leaves it; Ctrl+Z / Ctrl+Shift+Z undo and redo your
 * own typing of this visit. Leaving a text you emptied calls `onLeftEmpty`.
 *
 * It is a one-line `<textarea>`, so a long name wraps instead of being cut
 * off; line breaks never get in (Enter writes nothing, a paste's become
 * spaces), and a paste longer than `maxLength` is cut with `onPasteCut`
 * saying so. `dir="auto"`: right-to-left text reads right to left.
 */
import { useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactElement } from 'react'
import type * as Y from 'yjs'
import { pacedAfterPaint } from '../../after-paint.ts'
import { TextBinding } from '../../text/input-text-binding.ts'
import { handlePaste } from './paste.ts'

/**
 * Typing reaches the document (and so the device copy, the server and everyone else) after the frame
 * that shows the keystroke, and while keys come fast, at most this often: each application costs the
 * same for one character or five (the transaction, its listeners, a message, a render of the list).
 */
const APPLY_EVERY_MS = 150
const applyTyping = pacedAfterPaint(APPLY_EVERY_MS)

/** Browsers without `field-sizing: content` get the textarea's height set from its content. */
const sizesItself = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content')

export function fitHeight(field: HTMLTextAreaElement): void {
  if (sizesItself) return
  field.style.height = 'auto'
  field.style.height = `${field.scrollHeight}px`
}

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
  /** Escape took back this visit's typing: where focus goes now (default: nowhere, the field is left). */
  onEscape?: () => void
  /** A paste was longer than `maxLength`: `kept` characters of it went in. */
  onPasteCut?: (kept: number) => void
}

export function ItemTextField(props: ItemTextFieldProps): ReactElement {
  const { text, fallback, label, className, placeholder, maxLength, readOnly, focusKey, localOrigin } = props
  const input = useRef<HTMLTextAreaElement>(null)
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
      // A keystroke's frame shows the character; the document, the device copy and the socket take it after,
      // once for every few keystrokes of fast typing (APPLY_EVERY_MS).
      defer: applyTyping,
    })
    binding.current = bound
    if (document.activeElement === field) bound.focus()
    // The composition events React offers are synthetic; native ones keep the order the browser uses.
    const onInput = () => {
      bound.inputSoon()
      fitHeight(field)
    }
    const onPaste = (event: ClipboardEvent) => {
      if (field.readOnly) return
      const cut = handlePaste(event, field, latest.current.maxLength ?? Number.POSITIVE_INFINITY, onInput)
      if (cut && cut.cut > 0) latest.current.onPasteCut?.(cut.kept)
    }
    // The page going away (closed, reloaded, or hidden on a phone, which may never come back) applies what waits.
    const onLeaving = () => bound.flush()
    const onVisibility = () => document.visibilityState === 'hidden' && bound.flush()
    window.addEventListener('pagehide', onLeaving)
    document.addEventListener('visibilitychange', onVisibility)
    // Others' edits change the value without an input event.
    const onTextChange = () => fitHeight(field)
    text.observe(onTextChange)
    fitHeight(field)
    const resized = sizesItself || typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => fitHeight(field))
    resized?.observe(field)
    const onCompositionStart = () => bound.compositionStart()
    const onCompositionEnd = () => bound.compositionEnd()
    const onBeforeInput = (event: InputEvent) => {
      // Typing left for later is applied first if the caret moved since (one edit is one run of typing).
      bound.beforeInput()
      // One line: a line break (Enter on a phone's keyboard, a dictated one) never goes in.
      if (event.inputType === 'insertLineBreak' || event.inputType === 'insertParagraph') {
        event.preventDefault()
        return
      }
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
    field.addEventListener('paste', onPaste)
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
      field.removeEventListener('paste', onPaste)
      window.removeEventListener('pagehide', onLeaving)
      document.removeEventListener('visibilitychange', onVisibility)
      text.unobserve(onTextChange)
      resized?.disconnect()
      bound.destroy()
      binding.current = null
    }
  }, [text, localOrigin])

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
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
      if (latest.current.onEscape) latest.current.onEscape()
      else event.currentTarget.blur()
    }
  }

  return (
    <textarea
      ref={input}
      className={className}
      aria-label={focusedLabel ?? label}
      rows={1}
      aria-multiline={false}
      dir="auto"
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
