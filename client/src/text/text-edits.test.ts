import { describe, expect, it } from 'vitest'
import { applyPlacedEdit, diffAtCaret, placeEdit, type EditableText, type TextDelta, type TextEdit } from './text-edits.ts'

function applyEdit(text: string, edit: TextEdit): string {
  return text.slice(0, edit.index) + edit.insert + text.slice(edit.index + edit.remove)
}

class StringText implements EditableText {
  constructor(public value: string) {}
  delete(index: number, length: number): void {
    this.value = this.value.slice(0, index) + this.value.slice(index + length)
  }
  insert(index: number, text: string): void {
    this.value = this.value.slice(0, index) + text + this.value.slice(index)
  }
}

describe('diffAtCaret', () => {
  it('places a keystroke where the caret says, even among equal characters', () => {
    expect(diffAtCaret('aa', 'aaa', 2)).toEqual({ index: 1, remove: 0, insert: 'a' })
    expect(diffAtCaret('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' })
    expect(diffAtCaret('aa', 'aaa', 3)).toEqual({ index: 2, remove: 0, insert: 'a' })
  })

  it('tells a backward deletion from a forward one', () => {
    // Backspace after the second "a" of "aab".
    expect(diffAtCaret('aab', 'ab', 1)).toEqual({ index: 1, remove: 1, insert: '' })
    // Delete before the first "a".
    expect(diffAtCaret('aab', 'ab', 0)).toEqual({ index: 0, remove: 1, insert: '' })
  })

  it('reads a paste over a selection as one replacement', () => {
    expect(diffAtCaret('Olive oil', 'Olive butter', 12)).toEqual({ index: 6, remove: 3, insert: 'butter' })
    expect(diffAtCaret('abc', 'x', 1)).toEqual({ index: 0, remove: 3, insert: 'x' })
  })

  it('never splits a surrogate pair', () => {
    const edit = diffAtCaret('a😀b', 'a😃b', 3)
    expect(edit).toEqual({ index: 1, remove: 2, insert: '😃' })
    const back = diffAtCaret('x😀😀', 'x😀', 3)
    expect(applyEdit('x😀😀', back)).toBe('x😀')
    expect(back.remove).toBe(2)
  })

  it('always produces a diff that turns one into the other, whatever the caret', () => {
    const cases: Array<[string, string]> = [
      ['', 'abc'],
      ['abc', ''],
      ['hello world', 'hello brave world'],
      ['Olive oil', 'Olive oil (extra virgin)'],
      ['aaaa', 'aa'],
    ]
    for (const [before, after] of cases) {
      for (let caret = -1; caret <= after.length + 1; caret++) {
        expect(applyEdit(before, diffAtCaret(before, after, caret))).toBe(after)
      }
      expect(applyEdit(before, diffAtCaret(before, after, null))).toBe(after)
    }
  })
})

describe('placeEdit', () => {
  it('is the edit itself when nothing changed meanwhile', () => {
    expect(placeEdit({ index: 2, remove: 1, insert: 'xy' }, [])).toEqual({ deletes: [{ index: 2, length: 1 }], insertAt: 2, insert: 'xy' })
  })

  it('moves the edit past text inserted before it', () => {
    // "Olive oil" → someone wrote "Organic " in front while we composed " (extra virgin)" at the end.
    const remote: TextDelta = [{ insert: 'Organic ' }]
    const placed = placeEdit({ index: 9, remove: 0, insert: ' (extra virgin)' }, [remote])
    const text = new StringText('Organic Olive oil')
    applyPlacedEdit(text, placed)
    expect(text.value).toBe('Organic Olive oil (extra virgin)')
  })

  it('keeps text inserted by someone else in the middle of a range we deleted', () => {
    // Base "abcdef"; we delete "bcde"; meanwhile someone inserts "X" between c and d.
    const remote: TextDelta = [{ retain: 3 }, { insert: 'X' }]
    const placed = placeEdit({ index: 1, remove: 4, insert: '' }, [remote])
    const text = new StringText('abcXdef')
    applyPlacedEdit(text, placed)
    expect(text.value).toBe('aXf')
  })

  it('does not delete twice what someone else deleted too', () => {
    const remote: TextDelta = [{ retain: 2 }, { delete: 2 }]
    const placed = placeEdit({ index: 1, remove: 3, insert: 'Z' }, [remote])
    // Base "abcdef": we replaced "bcd" with Z while someone deleted "cd".
    const text = new StringText('abef')
    const caret = applyPlacedEdit(text, placed)
    expect(text.value).toBe('aZef')
    expect(caret).toBe(2)
  })

  it('puts our insertion before theirs at the same spot (our caret sticks to the character before it), through several changes', () => {
    const placed = placeEdit({ index: 1, remove: 0, insert: 'me' }, [[{ retain: 1 }, { insert: 'you' }], [{ delete: 1 }]])
    // Base "ab": we typed "me" after "a"; someone typed "you" there too, then someone deleted "a".
    const text = new StringText('youb')
    const caret = applyPlacedEdit(text, placed)
    expect(text.value).toBe('meyoub')
    expect(caret).toBe(2)
  })
})
