/**
 * Binds a single-line text field to a Y.Text, so text merges character by
 * character: every change the person makes (a keystroke, paste, cut, drop,
 * deletion, autocorrection, a finished IME composition) becomes a delete and
 * an insert at its position in the Y.Text, and every change from elsewhere
 * shows in the field at once — while the person is typing in it too — with
 * the caret and selection kept where they belong.
 *
 * There is no draft: the field shows the Y.Text, and nothing is written that
 * the person did not type (focus, Enter and leaving the field write nothing).
 *
 * - Local edits: on `input`, the field's value is compared with what it
 *   showed before (`base`), using the caret to place the change
 *   (`diffAtCaret`), and applied through `options.apply` as one transaction.
 *   `inputSoon` does that later, through `options.defer` (the app: after the
 *   next paint), so a keystroke's frame shows the character without waiting
 *   for the document and everything listening to it. Until then the field is
 *   ahead of the Y.Text and others' changes are kept as deltas, as during a
 *   composition; anything that reads or rewinds the text (blur, undo, Escape,
 *   a composition, destroy) applies it first, and so does a key typed after
 *   the caret moved (`beforeInput`): one application is one run of typing.
 * - During an IME composition nothing is applied and the field is not
 *   touched (rewriting it would break the composition); changes from others
 *   that arrive meanwhile are kept as deltas. At `compositionend` the
 *   composed text is placed through them (`placeEdit`), so it is neither lost
 *   nor duplicated, and the field is brought up to date.
 * - Remote changes: the selection is turned into Yjs relative positions just
 *   before the transaction that changes the text (`beforeTransaction`), and
 *   back into indexes after it, so the caret moves with the text around it.
 *   A collapsed caret sticks to the character before it: someone else's text
 *   inserted exactly at the caret goes after it, and the person's next
 *   keystrokes stay next to their own.
 * - Undo inside the field (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y, the context menu)
 *   goes to a Y.UndoManager of this text and this visit, which takes back
 *   only this person's typing; the browser's own undo would restore stale
 *   values and erase others' edits.
 *
 * The DOM part is kept thin: a `TextField` is anything with a value and a
 * selection, so the binding is unit-tested without a browser.
 */
import * as Y from 'yjs'
import { applyPlacedEdit, diffAtCaret, mapFieldPosition, placeEdit, type TextDelta } from './text-edits.ts'

/** What the binding needs of an `<input>`. */
export interface TextField {
  value: string
  selectionStart: number | null
  selectionEnd: number | null
  selectionDirection: 'forward' | 'backward' | 'none' | null
  setSelectionRange(start: number, end: number, direction?: 'forward' | 'backward' | 'none'): void
}

export interface TextBindingOptions {
  /**
   * Runs `edit` on the Y.Text as one local change (the app's `editItemText`
   * inside its session). Returns false if the change was refused (e.g. the
   * item was deleted meanwhile); the field then shows the Y.Text again.
   */
  apply(edit: (text: Y.Text) => void): boolean
  /** Whether the field has focus (only then is the selection kept). */
  hasFocus(): boolean
  /** The origin of `apply`'s transactions, which the field's undo takes back. */
  localOrigin: unknown
  /** Called after every local edit the person made. */
  onEdit?: () => void
  /** Schedules `inputSoon`'s work; returns a cancel. Without it, `inputSoon` applies at once. */
  defer?: (work: () => void) => () => void
}

interface SavedSelection {
  start: Y.RelativePosition
  end: Y.RelativePosition
  direction: 'forward' | 'backward' | 'none'
}

/** Keystrokes closer together than this are undone together. */
const UNDO_CAPTURE_MS = 500

export class TextBinding {
  /** What the field showed when it last matched the Y.Text. */
  private base: string
  /** Changes to the Y.Text since `base` that the field does not show yet (only during a composition). */
  private pending: TextDelta[] = []
  private composing = false
  private applying = false
  private saved: SavedSelection | null = null
  private undo: Y.UndoManager | null = null
  private destroyed = false
  /** Cancels the scheduled `inputSoon` work, if any. */
  private scheduled: (() => void) | null = null
  /** Where the caret was right after the last change `inputSoon` left for later: the edit ends there. */
  private caretAfterChange: number | null = null
  private listening = false
  /** Whether the person changed the text since the field got focus. */
  editedThisVisit = false

  constructor(
    readonly text: Y.Text,
    private readonly field: TextField,
    private readonly options: TextBindingOptions,
  ) {
    this.base = text.toString()
    if (field.value !== this.base) field.value = this.base
    text.observe(this.onTextChange)
  }

  private get doc(): Y.Doc {
    const doc = this.text.doc
    if (!doc) throw new Error('the Y.Text is not in a document')
    return doc
  }

  /** The field got focus: a new visit, with its own undo history. */
  focus(): void {
    this.flush()
    this.editedThisVisit = false
    this.undo?.destroy()
    this.listenForSelection(true)
    this.undo = new Y.UndoManager(this.text, { trackedOrigins: new Set([this.options.localOrigin]), captureTimeout: UNDO_CAPTURE_MS })
  }

  /** The field lost focus: anything not yet applied is applied now. */
  blur(): void {
    this.flush()
    if (!this.composing && this.field.value !== this.base) this.input()
    this.undo?.destroy()
    this.undo = null
    this.listenForSelection(false)
  }

  /** The field's value changed (the `input` event): applied through `options.defer`, once for any number of changes until then. */
  inputSoon(): void {
    if (this.composing || this.destroyed) return
    if (!this.options.defer) return this.input()
    this.caretAfterChange = this.field.selectionEnd
    if (this.scheduled) return
    this.scheduled = this.options.defer(() => {
      this.scheduled = null
      this.input()
    })
  }

  /** Applies what `inputSoon` left for later, now. */
  flush(): void {
    if (this.scheduled) this.input()
  }

  /**
   * The field is about to change (`beforeinput`). If the person moved the caret or selected since
   * the typing left for later, that typing is applied first: one edit is found by comparing the
   * field with the text at the caret, so it must be one run of typing, not two at different places.
   */
  beforeInput(): void {
    if (!this.scheduled) return
    const { selectionStart, selectionEnd } = this.field
    if (selectionStart !== this.caretAfterChange || selectionEnd !== this.caretAfterChange) this.input()
  }

  /** Whether the field shows a change not yet applied to the Y.Text. */
  get unapplied(): boolean {
    return this.scheduled !== null
  }

  /** The field's value changed (the `input` event): applied now. */
  input(): void {
    // Applying what was left for later: the edit ended where the caret was after the last change,
    // wherever the person has moved it since.
    const caretAfterChange = this.caretAfterChange ?? this.field.selectionEnd
    this.scheduled?.()
    this.scheduled = null
    this.caretAfterChange = null
    if (this.composing || this.destroyed) return
    const value = this.field.value
    if (value === this.base && this.pending.length === 0) return
    const edit = diffAtCaret(this.base, value, caretAfterChange)
    const deltas = this.pending
    const placed = placeEdit(edit, deltas)
    let caret = 0
    const changed = edit.remove > 0 || edit.insert.length > 0
    let applied = true
    if (changed) {
      this.applying = true
      try {
        applied = this.options.apply((text) => {
          caret = applyPlacedEdit(text, placed)
        })
      } finally {
        this.applying = false
      }
    }
    this.pending = []
    const current = this.text.toString()
    this.base = current
    if (applied && changed) {
      this.editedThisVisit = true
      this.options.onEdit?.()
    }
    // Usually the field already shows the result. It does not when others' changes were
    // placed around a composition, when the text was cut to its maximum length, or when
    // the change was refused.
    if (this.field.value !== current) {
      const { selectionStart, selectionEnd, selectionDirection } = this.field
      this.field.value = current
      if (this.options.hasFocus()) {
        const clamp = (n: number) => Math.min(Math.max(n, 0), current.length)
        if (applied && changed && selectionStart !== null && selectionEnd !== null && !(selectionStart === caretAfterChange && selectionEnd === caretAfterChange)) {
          // The person moved the caret since typing: it stays on the same characters.
          const start = clamp(mapFieldPosition(selectionStart, edit, deltas, placed))
          this.field.setSelectionRange(start, Math.max(start, clamp(mapFieldPosition(selectionEnd, edit, deltas, placed))), selectionDirection ?? 'none')
        } else {
          const at = applied && changed ? clamp(caret) : clamp(this.field.selectionEnd ?? current.length)
          this.field.setSelectionRange(at, at)
        }
      }
    }
  }

  compositionStart(): void {
    // Anything typed before the composition started is applied first.
    if (!this.composing && this.field.value !== this.base) this.input()
    this.composing = true
  }

  compositionEnd(): void {
    this.composing = false
    this.input()
  }

  get isComposing(): boolean {
    return this.composing
  }

  /** Undoes this visit's last typing; false if there was none. */
  undoTyping(): boolean {
    this.flush()
    if (!this.undo?.canUndo()) return false
    this.undo.undo()
    return true
  }

  redoTyping(): boolean {
    this.flush()
    if (!this.undo?.canRedo()) return false
    this.undo.redo()
    return true
  }

  /** Takes back everything typed in this visit (Escape). */
  revertVisit(): void {
    this.flush()
    while (this.undo?.canUndo()) this.undo.undo()
    this.editedThisVisit = false
  }

  destroy(): void {
    if (this.destroyed) return
    // What the person typed goes in before the field lets go of the text.
    this.flush()
    this.destroyed = true
    this.text.unobserve(this.onTextChange)
    this.listenForSelection(false)
    this.undo?.destroy()
    this.undo = null
  }

  /** The selection is kept only in the field that has focus: only its binding listens to every transaction of the document. */
  private listenForSelection(listen: boolean): void {
    if (listen === this.listening) return
    this.listening = listen
    this.saved = null
    if (listen) this.doc.on('beforeTransaction', this.onBeforeTransaction)
    else this.doc.off('beforeTransaction', this.onBeforeTransaction)
  }

  private readonly onBeforeTransaction = (): void => {
    // Only while the field shows the text as it is: then its indexes are the Y.Text's.
    if (this.applying || this.composing || !this.options.hasFocus() || this.field.value !== this.base) {
      this.saved = null
      return
    }
    const { selectionStart, selectionEnd } = this.field
    if (selectionStart === null || selectionEnd === null) return
    const collapsed = selectionStart === selectionEnd
    this.saved = {
      // A selection keeps out text inserted at either edge; a caret sticks to the character before it.
      start: Y.createRelativePositionFromTypeIndex(this.text, selectionStart, collapsed ? -1 : 0),
      end: Y.createRelativePositionFromTypeIndex(this.text, selectionEnd, -1),
      direction: this.field.selectionDirection ?? 'none',
    }
  }

  private readonly onTextChange = (event: Y.YTextEvent): void => {
    if (this.applying) return
    if (this.composing || this.field.value !== this.base) {
      // The field holds something not applied yet: leave it alone, place it through this later.
      this.pending.push(event.delta as TextDelta)
      return
    }
    this.render()
  }

  /** Shows the Y.Text in the field, the selection mapped through the change. */
  private render(): void {
    const value = this.text.toString()
    const saved = this.saved
    this.saved = null
    this.base = value
    // Changes kept while the field was ahead (it came back to its base: a key typed and deleted) are in the text shown now.
    this.pending = []
    if (this.field.value === value) return
    const focused = this.options.hasFocus()
    const fallback = { start: this.field.selectionStart, end: this.field.selectionEnd }
    this.field.value = value
    if (!focused) return
    const start = saved ? Y.createAbsolutePositionFromRelativePosition(saved.start, this.doc)?.index : undefined
    const end = saved ? Y.createAbsolutePositionFromRelativePosition(saved.end, this.doc)?.index : undefined
    const clamp = (n: number | null | undefined) => Math.min(Math.max(n ?? value.length, 0), value.length)
    const s = clamp(start ?? fallback.start)
    const e = Math.max(s, clamp(end ?? fallback.end))
    this.field.setSelectionRange(s, e, saved?.direction ?? 'none')
  }
}
