/**
 * What the text binding's tests share (input-text-binding.test.ts and its
 * seeded fuzz): a field without a browser, a scheduler whose work runs when
 * the test says so, and an item's text bound as ItemTextField binds it.
 */
import * as Y from 'yjs'
import { editItemText, itemText } from '../../../shared/list-document.ts'
import { TextBinding, type TextField } from './input-text-binding.ts'

/** Origin of the bound field's own transactions. */
export const LOCAL = Symbol('local')

export class FakeField implements TextField {
  value = ''
  selectionStart: number | null = 0
  selectionEnd: number | null = 0
  selectionDirection: 'forward' | 'backward' | 'none' | null = 'none'
  focused = true
  setSelectionRange(start: number, end: number, direction: 'forward' | 'backward' | 'none' = 'none'): void {
    this.selectionStart = start
    this.selectionEnd = end
    this.selectionDirection = direction
  }
  /** What the browser does to the field when someone types or pastes over the selection. */
  type(text: string): void {
    const start = this.selectionStart ?? this.value.length
    const end = this.selectionEnd ?? start
    this.value = this.value.slice(0, start) + text + this.value.slice(end)
    this.setSelectionRange(start + text.length, start + text.length)
  }
  backspace(): void {
    const at = this.selectionStart ?? 0
    this.value = this.value.slice(0, at - 1) + this.value.slice(at)
    this.setSelectionRange(at - 1, at - 1)
  }
  caretAt(index: number): void {
    this.setSelectionRange(index, index)
  }
}

/** A scheduler for `defer` whose work runs when the test calls `run`. */
export function heldWork(): { defer: (work: () => void) => () => void; readonly waiting: number; run: () => void } {
  const queue = new Set<() => void>()
  return {
    defer: (work) => {
      queue.add(work)
      return () => queue.delete(work)
    },
    get waiting() {
      return queue.size
    },
    run: () => {
      const due = Array.from(queue)
      queue.clear()
      for (const work of due) work()
    },
  }
}

/** Binds item `id`'s text in `doc` to `field` (edits as LOCAL), focused. */
export function bindItemText(doc: Y.Doc, id: string, field: FakeField, defer?: (work: () => void) => () => void): TextBinding {
  const text = itemText(doc, id)
  if (!text) throw new Error('no text')
  const binding = new TextBinding(text, field, {
    apply: (edit) => {
      doc.transact(() => editItemText(doc, id, edit), LOCAL)
      return true
    },
    hasFocus: () => field.focused,
    localOrigin: LOCAL,
    defer,
  })
  binding.focus()
  return binding
}
