import { describe, expect, it } from 'vitest'
import { cutMessage, fitPaste } from './paste.ts'

describe('fitPaste', () => {
  it('keeps a paste that fits as it is', () => {
    expect(fitPaste('Milk', 4, 4, ' (2 l)', 2000)).toEqual({ text: ' (2 l)', cut: 0 })
  })

  it('turns line breaks and tabs into spaces: the field is one line', () => {
    expect(fitPaste('', 0, 0, 'Milk\r\nEggs\nBread\tButter', 2000)).toEqual({ text: 'Milk Eggs Bread Butter', cut: 0 })
  })

  it('cuts what does not fit, counting the selection it replaces as room', () => {
    expect(fitPaste('Bread', 5, 5, 'x'.repeat(3000), 2000)).toEqual({ text: 'x'.repeat(1995), cut: 1005 })
    expect(fitPaste('Bread', 0, 5, 'x'.repeat(3000), 2000)).toEqual({ text: 'x'.repeat(2000), cut: 1000 })
  })

  it('never ends inside a surrogate pair', () => {
    const result = fitPaste('abc', 3, 3, '😀😀', 6)
    expect(result.text).toBe('😀')
    expect(result.cut).toBe(2)
  })

  it('keeps nothing when the field is full', () => {
    expect(fitPaste('abcd', 4, 4, 'ef', 4)).toEqual({ text: '', cut: 2 })
  })
})

describe('cutMessage', () => {
  it('says how much went in and the limit', () => {
    expect(cutMessage(1995, 2000, 'an item')).toBe('Only the first 1,995 characters were pasted: an item can be at most 2,000 characters long.')
    expect(cutMessage(0, 200, 'a quantity or note')).toBe('Nothing was pasted: a quantity or note can be at most 200 characters long.')
  })
})
