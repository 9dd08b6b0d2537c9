import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, editItemText, getItem, itemText } from '../../../shared/list-document.ts'
import { TextBinding } from './input-text-binding.ts'
import { FakeField, LOCAL, bindItemText, heldWork } from './binding-test-support.ts'

const REMOTE = Symbol('remote')

/** Two replicas that deliver every update to each other, at once or when `flush` is called. */
function pair(): { a: Y.Doc; b: Y.Doc; id: string; hold: () => void; flush: () => void } {
  const a = new Y.Doc()
  const b = new Y.Doc()
  let holding = false
  const queue: Array<() => void> = []
  const relay = (to: Y.Doc) => (update: Uint8Array, origin: unknown) => {
    if (origin === REMOTE) return
    const deliver = () => Y.applyUpdate(to, update, REMOTE)
    if (holding) queue.push(deliver)
    else deliver()
  }
  a.on('update', relay(b))
  b.on('update', relay(a))
  const id = addItem(a, { text: 'Olive oil', createdBy: 'u1' })
  return {
    a,
    b,
    id,
    hold: () => {
      holding = true
    },
    flush: () => {
      holding = false
      for (const deliver of queue.splice(0)) deliver()
    },
  }
}

const bind = bindItemText

describe('TextBinding', () => {
  it('shows the Y.Text and writes nothing when the field is only focused, Enter is pressed or it is left', () => {
    const { a, id } = pair()
    const field = new FakeField()
    const binding = bind(a, id, field)
    expect(field.value).toBe('Olive oil')
    const before = Y.encodeStateVector(a)
    binding.input()
    binding.blur()
    expect(Y.encodeStateVector(a)).toEqual(before)
  })

  it('merges two people typing into one item at once, character by character, and both fields show it', () => {
    const { a, b, id } = pair()
    const fieldA = new FakeField()
    const fieldB = new FakeField()
    const bindingA = bind(a, id, fieldA)
    const bindingB = bind(b, id, fieldB)
    fieldA.caretAt(9)
    fieldB.caretAt(0)
    const suffix = ' (extra virgin)'
    const prefix = 'Organic '
    for (let i = 0; i < Math.max(suffix.length, prefix.length); i++) {
      if (i < suffix.length) {
        fieldA.type(suffix[i] ?? '')
        bindingA.input()
      }
      if (i < prefix.length) {
        fieldB.type(prefix[i] ?? '')
        bindingB.input()
      }
    }
    expect(getItem(a, id)?.text).toBe('Organic Olive oil (extra virgin)')
    expect(fieldA.value).toBe('Organic Olive oil (extra virgin)')
    expect(fieldB.value).toBe('Organic Olive oil (extra virgin)')
    // Each caret stayed right after what its person typed.
    expect(fieldA.selectionEnd).toBe('Organic Olive oil (extra virgin)'.length)
    expect(fieldB.selectionEnd).toBe(prefix.length)
  })

  it('keeps both insertions when they are concurrent (not yet delivered)', () => {
    const { a, b, id, hold, flush } = pair()
    const fieldA = new FakeField()
    const fieldB = new FakeField()
    const bindingA = bind(a, id, fieldA)
    const bindingB = bind(b, id, fieldB)
    hold()
    fieldA.caretAt(9)
    fieldA.type(' (extra virgin)')
    bindingA.input()
    fieldB.caretAt(5)
    fieldB.type(' extra')
    bindingB.input()
    flush()
    expect(getItem(a, id)?.text).toBe('Olive extra oil (extra virgin)')
    expect(getItem(b, id)?.text).toBe('Olive extra oil (extra virgin)')
    expect(fieldA.value).toBe('Olive extra oil (extra virgin)')
    expect(fieldB.value).toBe('Olive extra oil (extra virgin)')
  })

  it('keeps a selection on the same characters when text is inserted before it', () => {
    const { a, b, id } = pair()
    const field = new FakeField()
    bind(a, id, field)
    field.setSelectionRange(6, 9, 'backward') // "oil"
    editItemText(b, id, (text) => text.insert(0, 'Good '))
    expect(field.value).toBe('Good Olive oil')
    expect(field.value.slice(field.selectionStart ?? 0, field.selectionEnd ?? 0)).toBe('oil')
    expect(field.selectionDirection).toBe('backward')
  })

  it('during a composition leaves the field alone, then places the composed text through what others did', () => {
    const { a, b, id } = pair()
    const field = new FakeField()
    const binding = bind(a, id, field)
    field.caretAt(9)
    binding.compositionStart()
    field.type(' ex')
    binding.input()
    expect(getItem(a, id)?.text).toBe('Olive oil')
    editItemText(b, id, (text) => text.insert(0, 'Organic '))
    // The field was not touched mid-composition.
    expect(field.value).toBe('Olive oil ex')
    field.setSelectionRange(9, 12)
    field.type(' (extra virgin)')
    binding.compositionEnd()
    // The browser's own input event after compositionend changes nothing more.
    binding.input()
    expect(getItem(a, id)?.text).toBe('Organic Olive oil (extra virgin)')
    expect(getItem(b, id)?.text).toBe('Organic Olive oil (extra virgin)')
    expect(field.value).toBe('Organic Olive oil (extra virgin)')
    expect(field.selectionEnd).toBe(field.value.length)
  })

  it('undoes only this person’s typing of this visit', () => {
    const { a, b, id } = pair()
    const field = new FakeField()
    const binding = bind(a, id, field)
    field.caretAt(9)
    field.type('!')
    binding.input()
    editItemText(b, id, (text) => text.insert(0, 'Organic '))
    expect(binding.undoTyping()).toBe(true)
    expect(getItem(b, id)?.text).toBe('Organic Olive oil')
    expect(field.value).toBe('Organic Olive oil')
    field.caretAt(17)
    field.type('?')
    binding.input()
    field.backspace()
    binding.input()
    field.type('s')
    binding.input()
    expect(getItem(b, id)?.text).toBe('Organic Olive oils')
    binding.revertVisit()
    expect(getItem(b, id)?.text).toBe('Organic Olive oil')
  })

  it('shows the text again when a change is refused', () => {
    const { a, id } = pair()
    const field = new FakeField()
    const text = itemText(a, id)
    if (!text) throw new Error('no text')
    const binding = new TextBinding(text, field, { apply: () => false, hasFocus: () => true, localOrigin: LOCAL })
    field.caretAt(9)
    field.type('!')
    binding.input()
    expect(field.value).toBe('Olive oil')
    expect(binding.editedThisVisit).toBe(false)
  })

  describe('applied later (inputSoon, as the app does after the next paint)', () => {
    const later = heldWork
    /** Two replicas of one item; a field bound on the first whose work waits for `scheduler`, the caret at the end. */
    function typingLater() {
      const { a, b, id } = pair()
      const field = new FakeField()
      const scheduler = later()
      const binding = bind(a, id, field, scheduler.defer)
      field.caretAt(9)
      return { a, b, id, field, scheduler, binding }
    }

    it('writes nothing until the work runs, then one change for every keystroke since, placed through what others did meanwhile', () => {
      const { a, b, id, field, scheduler, binding } = typingLater()
      field.type('s')
      binding.inputSoon()
      field.type('!')
      binding.inputSoon()
      expect(scheduler.waiting).toBe(1)
      expect(binding.unapplied).toBe(true)
      expect(getItem(a, id)?.text).toBe('Olive oil')
      // Someone else types at the start meanwhile: the field, ahead of the text, is left alone.
      editItemText(b, id, (text) => text.insert(0, 'Organic '))
      expect(field.value).toBe('Olive oils!')
      const updates: Uint8Array[] = []
      a.on('update', (update: Uint8Array, origin: unknown) => origin === LOCAL && updates.push(update))
      scheduler.run()
      expect(updates).toHaveLength(1)
      expect(binding.unapplied).toBe(false)
      expect(getItem(a, id)?.text).toBe('Organic Olive oils!')
      expect(getItem(b, id)?.text).toBe('Organic Olive oils!')
      expect(field.value).toBe('Organic Olive oils!')
      expect(field.selectionEnd).toBe('Organic Olive oils!'.length)
    })

    it.each([
      [2, 3],
      [1, 1],
      [3, 2],
      [4, 1],
    ])('keeps each person’s characters together when two type at the same spot, applying every %i and %i keys', (everyA, everyB) => {
      const { a, b, id } = pair()
      const fieldA = new FakeField()
      const fieldB = new FakeField()
      const laterA = later()
      const laterB = later()
      const bindingA = bind(a, id, fieldA, laterA.defer)
      const bindingB = bind(b, id, fieldB, laterB.defer)
      fieldA.caretAt(9)
      fieldB.caretAt(9)
      const typedA = ' (extra virgin)'
      const typedB = ' 1 l'
      // Keys alternate; each side's scheduled work runs every other key, so both always have some waiting.
      for (let i = 0; i < Math.max(typedA.length, typedB.length); i++) {
        if (i < typedA.length) {
          fieldA.type(typedA[i]!)
          bindingA.inputSoon()
        }
        if (i < typedB.length) {
          fieldB.type(typedB[i]!)
          bindingB.inputSoon()
        }
        if (i % everyA === everyA - 1) laterA.run()
        if (i % everyB === everyB - 1) laterB.run()
      }
      laterA.run()
      laterB.run()
      const merged = getItem(a, id)?.text ?? ''
      expect(getItem(b, id)?.text).toBe(merged)
      expect([`Olive oil${typedA}${typedB}`, `Olive oil${typedB}${typedA}`]).toContain(merged)
      expect(fieldA.value).toBe(merged)
      expect(fieldB.value).toBe(merged)
    })

    it('applies what waits before typing elsewhere (beforeinput after the caret moved), so one edit is one run of typing', () => {
      const { a, b, id, field, scheduler, binding } = typingLater()
      field.type('s')
      binding.inputSoon()
      // Someone deletes the "O" meanwhile; then the caret goes to the start and a key is typed there.
      editItemText(b, id, (text) => text.delete(0, 1))
      field.caretAt(0)
      binding.beforeInput()
      expect(getItem(a, id)?.text).toBe('live oils')
      // The field shows the text again, the caret still before the first character.
      expect(field.value).toBe('live oils')
      expect(field.selectionEnd).toBe(0)
      field.type('A')
      binding.inputSoon()
      scheduler.run()
      expect(getItem(b, id)?.text).toBe('Alive oils')
    })

    it('applies what waits before undo, Escape, blur, a composition and destroy, so none of them loses or repeats a keystroke', () => {
      const { a, id, field, scheduler, binding } = typingLater()
      field.type('!')
      binding.inputSoon()
      // Undo takes back the keystroke it just applied (one capture group), not what was there before.
      expect(binding.undoTyping()).toBe(true)
      expect(getItem(a, id)?.text).toBe('Olive oil')
      expect(field.value).toBe('Olive oil')
      expect(binding.redoTyping()).toBe(true)
      expect(getItem(a, id)?.text).toBe('Olive oil!')

      field.caretAt(10)
      field.type('?')
      binding.inputSoon()
      binding.revertVisit()
      expect(getItem(a, id)?.text).toBe('Olive oil')

      field.caretAt(9)
      field.type(' x')
      binding.inputSoon()
      binding.blur()
      expect(getItem(a, id)?.text).toBe('Olive oil x')

      binding.focus()
      field.caretAt(11)
      field.type('y')
      binding.inputSoon()
      binding.compositionStart()
      expect(getItem(a, id)?.text).toBe('Olive oil xy')
      binding.compositionEnd()

      field.type('z')
      binding.inputSoon()
      binding.destroy()
      expect(getItem(a, id)?.text).toBe('Olive oil xyz')
      // The work scheduled before any of these finds nothing left to do.
      scheduler.run()
      expect(getItem(a, id)?.text).toBe('Olive oil xyz')
    })
  })
})
