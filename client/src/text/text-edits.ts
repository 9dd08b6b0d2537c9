/**
 * Pure helpers of the Y.Text binding (input-text-binding.ts): what one change
 * of a text field did, as an insert and a delete at a position, and where
 * that edit lands in the Y.Text when others changed it meanwhile (while an
 * IME composition held back their changes from the field).
 *
 * Positions count UTF-16 code units, like `HTMLInputElement.value`,
 * `selectionStart` and Y.Text alike.
 */

/** One edit of a string: delete `remove` code units at `index`, then insert `insert` there. */
export interface TextEdit {
  index: number
  remove: number
  insert: string
}

/** A change of a Y.Text as its observer reports it (`YTextEvent.delta`), in the text's order. */
export type TextDelta = ReadonlyArray<{ insert?: unknown; delete?: number; retain?: number }>

/** A local edit placed in the current text: runs to delete (ascending, disjoint), then an insert. */
export interface PlacedEdit {
  deletes: Array<{ index: number; length: number }>
  insertAt: number
  insert: string
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff

/**
 * The edit that turns `before` into `after`, given where the caret is after
 * it (`selectionEnd` in the `input` event). Whatever the person did — typed,
 * pasted over a selection, deleted backwards or forwards, cut, dropped text,
 * finished a composition — the changed region ends at the caret, so the
 * caret decides between equally short diffs: typing "a" after the first "a"
 * of "aa" is an insert at 1, not at 2, which matters when someone else
 * inserts between the two at the same moment. Never splits a surrogate pair.
 */
export function diffAtCaret(before: string, after: string, caret: number | null): TextEdit {
  const cursor = caret === null ? after.length : Math.min(Math.max(caret, 0), after.length)
  // What follows the caret was there before the edit: match it as the unchanged tail first.
  const maxTail = Math.min(before.length, after.length - cursor)
  let tail = 0
  while (tail < maxTail && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++
  const maxHead = Math.min(before.length, after.length) - tail
  let head = 0
  while (head < maxHead && before.charCodeAt(head) === after.charCodeAt(head)) head++
  if (head > 0 && isHighSurrogate(before.charCodeAt(head - 1))) head--
  if (tail > 0 && isLowSurrogate(before.charCodeAt(before.length - tail))) tail--
  return { index: head, remove: before.length - head - tail, insert: after.slice(head, after.length - tail) }
}

function insertLength(insert: unknown): number {
  return typeof insert === 'string' ? insert.length : 1
}

/** Where character `k` of the text before `delta` is after it; null if the delta deleted it. */
function mapCharacter(delta: TextDelta, k: number): number | null {
  let from = 0
  let to = 0
  for (const op of delta) {
    if (op.retain !== undefined) {
      if (k < from + op.retain) return to + (k - from)
      from += op.retain
      to += op.retain
    } else if (op.insert !== undefined) {
      to += insertLength(op.insert)
    } else if (op.delete !== undefined) {
      if (k < from + op.delete) return null
      from += op.delete
    }
  }
  return to + (k - from)
}

/**
 * Where the gap before character `g` (g = length: the end) is after `delta`.
 * Text the delta inserted exactly at the gap ends up after it, so a local
 * insertion at that gap comes before the other person's: the person's caret
 * sticks to the character before it, as it does when others' changes are
 * shown at once (input-text-binding.ts), and their next keys stay next to
 * their own instead of interleaving with someone typing at the same spot.
 */
function mapGap(delta: TextDelta, g: number): number {
  let from = 0
  let to = 0
  for (const op of delta) {
    if (op.retain !== undefined) {
      if (g < from + op.retain) return to + (g - from)
      from += op.retain
      to += op.retain
    } else if (op.insert !== undefined) {
      if (from === g) return to
      to += insertLength(op.insert)
    } else if (op.delete !== undefined) {
      if (g < from + op.delete) return to
      from += op.delete
    }
  }
  return to + (g - from)
}

/**
 * Places `edit`, made against a text that `deltas` have changed since, in the
 * current text: it deletes only the characters the person deleted that still
 * exist (never text someone else inserted in the middle of them) and inserts
 * where the person inserted.
 */
export function placeEdit(edit: TextEdit, deltas: readonly TextDelta[]): PlacedEdit {
  let characters: Array<number | null> = []
  for (let k = edit.index; k < edit.index + edit.remove; k++) characters.push(k)
  let insertAt = edit.index
  for (const delta of deltas) {
    characters = characters.map((k) => (k === null ? null : mapCharacter(delta, k)))
    insertAt = mapGap(delta, insertAt)
  }
  const deletes: PlacedEdit['deletes'] = []
  for (const k of characters) {
    if (k === null) continue
    const last = deletes[deletes.length - 1]
    if (last && last.index + last.length === k) last.length++
    else deletes.push({ index: k, length: 1 })
  }
  deletes.sort((a, b) => a.index - b.index)
  return { deletes, insertAt, insert: edit.insert }
}

/** The part of Y.Text a placed edit needs (so tests can apply it to a plain string too). */
export interface EditableText {
  delete(index: number, length: number): void
  insert(index: number, text: string): void
}

/** Applies a placed edit; returns where the caret belongs afterwards (right after the insert). */
export function applyPlacedEdit(text: EditableText, placed: PlacedEdit): number {
  let shift = 0
  for (const run of placed.deletes) shift += Math.max(0, Math.min(run.index + run.length, placed.insertAt) - run.index)
  for (let i = placed.deletes.length - 1; i >= 0; i--) {
    const run = placed.deletes[i]
    if (run) text.delete(run.index, run.length)
  }
  const at = placed.insertAt - shift
  if (placed.insert.length > 0) text.insert(at, placed.insert)
  return at + placed.insert.length
}

/**
 * Where position `p` of the field as the person sees it (the text `edit` was
 * made against, with `edit` applied, but not `deltas`) is in the text once
 * `deltas` and then `placed` (the edit placed through them) are applied: for
 * keeping a caret or selection the person moved after typing on the same
 * characters when the field is rewritten. Inside the person's own insertion it
 * stays inside it; elsewhere it maps as a gap (`mapGap`).
 */
export function mapFieldPosition(p: number, edit: TextEdit, deltas: readonly TextDelta[], placed: PlacedEdit): number {
  const insertEnd = edit.index + edit.insert.length
  const deletedBefore = (g: number) => placed.deletes.reduce((sum, run) => sum + Math.min(Math.max(g - run.index, 0), run.length), 0)
  const insertAt = placed.insertAt - deletedBefore(placed.insertAt)
  if (p > edit.index && p < insertEnd) return insertAt + (p - edit.index)
  const before = p <= edit.index
  let g = before ? p : p - edit.insert.length + edit.remove
  for (const delta of deltas) g = mapGap(delta, g)
  const at = g - deletedBefore(g)
  return before ? Math.min(at, insertAt) : Math.max(at, insertAt) + edit.insert.length
}
