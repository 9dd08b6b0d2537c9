/**
 * The draft of a field that edits a last-writer-wins value (a quantity, a
 * category name): none until the person types, so the field shows the live
 * value — others' changes included — and leaving it writes nothing; from the
 * first keystroke on, the person's draft, which others' changes do not touch.
 */
import { useState } from 'react'

export interface RegisterDraft {
  /** What the field shows: the draft if the person typed, else the current value. */
  shown: string
  /** Whether the person has typed since the draft was last taken or reset. */
  dirty: boolean
  edit(text: string): void
  /**
   * Ends the draft and returns what to write (trimmed), or null when there is
   * nothing to write: the person did not type, or ended where they started.
   */
  take(): string | null
  reset(): void
}

interface Draft {
  text: string
  /** The value when the person started typing. */
  base: string
}

export function draftResult(draft: Draft | null): string | null {
  if (!draft) return null
  const next = draft.text.trim()
  return next === draft.base.trim() ? null : next
}

export function useRegisterDraft(value: string): RegisterDraft {
  const [draft, setDraft] = useState<Draft | null>(null)
  return {
    shown: draft?.text ?? value,
    dirty: draft !== null,
    edit: (text) => setDraft((current) => ({ text, base: current?.base ?? value })),
    take: () => {
      const result = draftResult(draft)
      setDraft(null)
      return result
    },
    reset: () => setDraft(null),
  }
}
