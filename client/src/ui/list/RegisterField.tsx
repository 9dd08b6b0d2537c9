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
 */
import { useRef, type KeyboardEvent, type ReactElement } from 'react'
import { useRegisterDraft } from '../../hooks/use-register-draft.ts'

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
}

export function RegisterField(props: RegisterFieldProps): ReactElement {
  const { value, onCommit, label, className, placeholder, maxLength, readOnly, allowEmpty, onTyping, onStopTyping, focusKey } = props
  const draft = useRegisterDraft(value)
  /** Escape blurs the field; that blur must not save what Escape just threw away. */
  const cancelling = useRef(false)

  function commit() {
    onStopTyping?.()
    const next = draft.take()
    if (next === null) return
    if ((next !== '' || allowEmpty) && next !== value) onCommit(next)
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') {
      event.preventDefault()
      commit()
    } else if (event.key === 'Escape') {
      onStopTyping?.()
      draft.reset()
      cancelling.current = true
      event.currentTarget.blur()
      cancelling.current = false
    }
  }

  return (
    <input
      className={className}
      aria-label={label}
      value={draft.shown}
      placeholder={placeholder}
      maxLength={maxLength}
      readOnly={readOnly}
      data-focus-key={focusKey}
      onBlur={() => {
        if (!readOnly && !cancelling.current) commit()
      }}
      onChange={(event) => {
        draft.edit(event.target.value)
        onTyping?.()
      }}
      onKeyDown={readOnly ? undefined : onKeyDown}
      enterKeyHint="done"
      autoComplete="off"
      spellCheck={false}
    />
  )
}
