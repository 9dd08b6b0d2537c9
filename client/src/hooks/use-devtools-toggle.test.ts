import { describe, expect, it } from 'vitest'
import { isDevtoolsShortcut } from './use-devtools-toggle.ts'

const press = (key: string, code: string, modifiers: { alt?: boolean; shift?: boolean; ctrl?: boolean; meta?: boolean; repeat?: boolean } = {}) => ({
  key,
  code,
  altKey: modifiers.alt ?? false,
  shiftKey: modifiers.shift ?? false,
  ctrlKey: modifiers.ctrl ?? false,
  metaKey: modifiers.meta ?? false,
  repeat: modifiers.repeat ?? false,
})

describe('isDevtoolsShortcut', () => {
  it('is Alt+Shift+D', () => {
    expect(isDevtoolsShortcut(press('D', 'KeyD', { alt: true, shift: true }))).toBe(true)
  })

  it("is ⌥⇧D on a Mac, where the key types 'Î'", () => {
    expect(isDevtoolsShortcut(press('Î', 'KeyD', { alt: true, shift: true }))).toBe(true)
  })

  it('follows the letter D on layouts that move it (Dvorak)', () => {
    expect(isDevtoolsShortcut(press('D', 'KeyH', { alt: true, shift: true }))).toBe(true)
    expect(isDevtoolsShortcut(press('E', 'KeyD', { alt: true, shift: true }))).toBe(false)
  })

  it("is not the browsers' Ctrl+Shift+D / ⌘⇧D, nor D with other modifiers, nor a held key's repeats", () => {
    expect(isDevtoolsShortcut(press('D', 'KeyD', { ctrl: true, shift: true }))).toBe(false)
    expect(isDevtoolsShortcut(press('D', 'KeyD', { meta: true, shift: true }))).toBe(false)
    expect(isDevtoolsShortcut(press('d', 'KeyD', { alt: true }))).toBe(false)
    expect(isDevtoolsShortcut(press('D', 'KeyD', { alt: true, shift: true, ctrl: true }))).toBe(false)
    expect(isDevtoolsShortcut(press('D', 'KeyD', { alt: true, shift: true, repeat: true }))).toBe(false)
    expect(isDevtoolsShortcut(press('D', 'KeyD', { shift: true }))).toBe(false)
  })
})
