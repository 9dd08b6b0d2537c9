/**
 * The device's stored texts are parsed once per change: the same text gives
 * the same object (`lastParsed`), a changed text a new one.
 */
import { describe, expect, it } from 'vitest'
import { lastParsed } from './offline-store.ts'

describe('lastParsed', () => {
  it('parses a text once while it stays the same, and again when it changes', () => {
    let parses = 0
    const parse = lastParsed((raw: string) => (parses++, { value: JSON.parse(raw) as unknown }))
    const first = parse('{"a":1}')
    expect(parse('{"a":1}')).toBe(first)
    expect(parses).toBe(1)
    const second = parse('{"a":2}')
    expect(second).toEqual({ value: { a: 2 } })
    expect(second).not.toBe(first)
    expect(parses).toBe(2)
    // Back to an earlier text: parsed again (only the last is kept).
    expect(parse('{"a":1}')).toEqual(first)
    expect(parses).toBe(3)
  })
})
