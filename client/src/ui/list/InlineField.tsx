/**
 * A text field that edits a value in the list: typing changes a local draft,
 * Enter or leaving the field saves it as one change, Escape puts the saved
 * value back. A change from someone else shows at once unless we are in the
 * middle of editing that field.
 */
import { useRef, useState, type KeyboardEvent, type ReactElement } from 'react'

interface InlineFieldProps {
  value: string
  onCommit: (value: string) => void
  label: string
  className?: string
  placeholder?: string
  maxLength?: number
  readOnly?: boolean
  /** Whether saving '' is allowed (a quantity can be cleared; an item text cannot). */
  allowEmpty?: boolean
  onTyping?: () => void
  onStopTyping?: () => void
  focusKey?: string
}

interface Draft {
  text: string
  /** The value the draft started from. */
  base: string
  editing: boolean
}

export function InlineField(props: InlineFieldProps): ReactElement {
  const { value, onCommit, label, className, placeholder, maxLength, readOnly, allowEmpty, onTyping, onStopTyping, focusKey } = props
  const [draft, setDraft] = useState<Draft>({ text: value, base: value, editing: false })
  /** Escape blurs the field; that blur must not save what Escape just threw away. */
  const cancelling = useRef(false)

  // Someone else changed the value: take it, unless we have unsaved typing of our own.
  if (value !== draft.base && (!draft.editing || draft.text === draft.base)) {
    setDraft({ text: value, base: value, editing: draft.editing })
  }

  function commit() {
    onStopTyping?.()
    const next = draft.text.trim()
    setDraft({ text: next === '' && !allowEmpty ? value : next, base: value, editing: false })
    if ((next !== '' || allowEmpty) && next !== value) onCommit(next)
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') {
      event.preventDefault()
      commit()
      setDraft((d) => ({ ...d, editing: true }))
    } else if (event.key === 'Escape') {
      onStopTyping?.()
      setDraft({ text: value, base: value, editing: false })
      cancelling.current = true
      event.currentTarget.blur()
      cancelling.current = false
    }
  }

  return (
    <input
      className={className}
      aria-label={label}
      value={draft.text}
      placeholder={placeholder}
      maxLength={maxLength}
      readOnly={readOnly}
      data-focus-key={focusKey}
      onFocus={() => setDraft((d) => ({ ...d, editing: true }))}
      onBlur={() => {
        if (!readOnly && !cancelling.current) commit()
      }}
      onChange={(event) => {
        setDraft({ text: event.target.value, base: draft.base, editing: true })
        onTyping?.()
      }}
      onKeyDown={readOnly ? undefined : onKeyDown}
      enterKeyHint="done"
      autoComplete="off"
      spellCheck={false}
    />
  )
}
