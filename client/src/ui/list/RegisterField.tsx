/**
 * A text field for a last-writer-wins value (an item's quantity or note):
 * the whole value is one write, so it is written only when the person
 * changed it.
 *
 * - Focused and untouched, the field shows the current value, so a change
 *   someone else makes meanwhile appears at once; leaving it writes nothing.
 * - Once the person types, the field keeps their draft (others' changes do
 *   not overwrite it); Enter or leaving the field writes it, unless it ended
 *   where it started. Escape throws the draft away and leaves the field.
 *
 * A one-line `<textarea>` (a long note wraps instead of being cut off; line
 * breaks never get in), `dir="auto"`, and a paste longer than `maxLength` is
 * cut with `onPasteCut` saying so.
 */
import { useLayoutEffect, useRef, type ClipboardEvent, type KeyboardEvent, type ReactElement } from 'react'
import { useRegisterDraft } from '../../hooks/use-register-draft.ts'
import { fitHeight } from './ItemTextField.tsx'
import { handlePaste } from './paste.ts'

interface RegisterFieldProps {
  value: string
  onCommit: (value: string) => void
  label: string
  className?: string
  placeholder?: string
  maxLength?: number
  readOnly?: boolean
  /** Whether '' may be written (a quantity can be cleared). */
  allowEmpty?: boolean
  onTyping?: () => void
  onStopTyping?: () => void
  focusKey?: string
  /** Escape threw the draft away: where focus goes now (default: nowhere, the field is left). */
  onEscape?: () => void
  onPasteCut?: (kept: number) => void
}

const oneLine = (text: string) => text.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ')

export function RegisterField(props: RegisterFieldProps): ReactElement {
  const { value, onCommit, label, className, placeholder, maxLength, readOnly, allowEmpty, onTyping, onStopTyping, focusKey, onEscape, onPasteCut } = props
  const draft = useRegisterDraft(value)
  const field = useRef<HTMLTextAreaElement>(null)
  /** Escape blurs the field; that blur must not save what Escape just threw away. */
  const cancelling = useRef(false)

  useLayoutEffect(() => {
    if (field.current) fitHeight(field.current)
  })

  function commit() {
    onStopTyping?.()
    const next = draft.take()
    if (next === null) return
    if ((next !== '' || allowEmpty) && next !== value) onCommit(next)
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter') {
      event.preventDefault()
      commit()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      onStopTyping?.()
      draft.reset()
      cancelling.current = true
      if (onEscape) onEscape()
      else event.currentTarget.blur()
      cancelling.current = false
    }
  }

  function onPaste(event: ClipboardEvent<HTMLTextAreaElement>) {
    if (readOnly) return
    const target = event.currentTarget
    const cut = handlePaste(event.nativeEvent, target, maxLength ?? Number.POSITIVE_INFINITY, () => {
      draft.edit(target.value)
      onTyping?.()
    })
    if (cut && cut.cut > 0) onPasteCut?.(cut.kept)
  }

  return (
    <textarea
      ref={field}
      className={className}
      aria-label={label}
      aria-multiline={false}
      rows={1}
      dir="auto"
      value={draft.shown}
      placeholder={placeholder}
      maxLength={maxLength}
      readOnly={readOnly}
      data-focus-key={focusKey}
      onBlur={() => {
        if (!readOnly && !cancelling.current) commit()
      }}
      onChange={(event) => {
        draft.edit(oneLine(event.target.value))
        onTyping?.()
      }}
      onPaste={onPaste}
      onKeyDown={readOnly ? undefined : onKeyDown}
      enterKeyHint="done"
      autoComplete="off"
      spellCheck={false}
    />
  )
}
