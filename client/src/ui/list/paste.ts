/**
 * Pasting into a one-line field with a maximum length (an item's name, its
 * quantity): line breaks become spaces, and what does not fit is cut — and
 * the person is told so, instead of the browser cutting it silently.
 */

export interface PasteResult {
  /** What to insert in place of the selection. */
  text: string
  /** How many characters of the pasted text were left out (0: all of it fits). */
  cut: number
}

/** UTF-16 code units, as `maxLength` counts them; never ends inside a surrogate pair. */
function fit(text: string, room: number): string {
  if (text.length <= room) return text
  if (room <= 0) return ''
  const last = text.charCodeAt(room - 1)
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? room - 1 : room)
}

/**
 * What a paste of `pasted` over the selection `start`–`end` of `value` keeps
 * when the field holds at most `maxLength` characters.
 */
export function fitPaste(value: string, start: number, end: number, pasted: string, maxLength: number): PasteResult {
  const oneLine = pasted.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ').replace(/\t/g, ' ')
  const room = maxLength - (value.length - (end - start))
  const text = fit(oneLine, room)
  return { text, cut: oneLine.length - text.length }
}

/** The message for a cut paste. */
export function cutMessage(kept: number, maxLength: number, what: string): string {
  const limit = maxLength.toLocaleString('en')
  return kept === 0
    ? `Nothing was pasted: ${what} can be at most ${limit} characters long.`
    : `Only the first ${kept.toLocaleString('en')} characters were pasted: ${what} can be at most ${limit} characters long.`
}

/** A field that can take a paste: `<input>` or `<textarea>`. */
type PasteField = HTMLInputElement | HTMLTextAreaElement

/**
 * Handles a `paste` event on a field when the browser would cut it or keep
 * line breaks: inserts what fits itself (then `onInserted`, which reads the
 * field like an `input` event would) and returns what was cut, or null when
 * the browser's own paste is fine.
 */
export function handlePaste(event: ClipboardEvent, field: PasteField, maxLength: number, onInserted: () => void): PasteResult & { kept: number } | null {
  const pasted = event.clipboardData?.getData('text/plain')
  if (pasted === undefined || pasted === '') return null
  const start = field.selectionStart ?? field.value.length
  const end = field.selectionEnd ?? start
  const result = fitPaste(field.value, start, end, pasted, maxLength)
  if (result.cut === 0 && result.text === pasted) return null
  event.preventDefault()
  field.setRangeText(result.text, start, end, 'end')
  onInserted()
  return { ...result, kept: result.text.length }
}
