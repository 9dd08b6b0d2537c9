import { describe, expect, it } from 'vitest'
import { agoText, changedText, countsText, peopleText } from './list-card-text.ts'

describe('list card text', () => {
  it('counts', () => {
    expect(countsText({ open: 0, checked: 0 })).toBe('No items')
    expect(countsText({ open: 3, checked: 0 })).toBe('3 to get')
    expect(countsText({ open: 3, checked: 2 })).toBe('3 to get · 2 done')
    expect(countsText({ open: 0, checked: 2 })).toBe('nothing left · 2 done')
  })
  it('people other than me', () => {
    const members = (...names: string[]) => ({ members: [{ id: 'me', name: 'Me', role: 'owner' as const }, ...names.map((name, i) => ({ id: `u${i}`, name, role: 'editor' as const }))] })
    expect(peopleText(members(), 'me')).toBe('')
    expect(peopleText(members('Ben'), 'me')).toBe('with Ben')
    expect(peopleText(members('Ben', 'Carol'), 'me')).toBe('with Ben and Carol')
    expect(peopleText(members('Ben', 'Carol', 'Dan', 'Eve'), 'me')).toBe('with Ben, Carol and 2 more')
  })
  it('latest change', () => {
    const now = 10 * 86_400_000
    expect(agoText(now - 5_000, now)).toBe('just now')
    expect(agoText(now - 5 * 60_000, now)).toBe('5 min ago')
    expect(agoText(now - 3 * 3_600_000, now)).toBe('3 h ago')
    expect(agoText(now - 86_400_000, now)).toBe('yesterday')
    expect(changedText({ changedAt: null, changedBy: null }, 'me', now)).toBe('')
    expect(changedText({ changedAt: now - 86_400_000, changedBy: null }, 'me', now)).toBe('Changed yesterday')
    expect(changedText({ changedAt: now - 120_000, changedBy: { id: 'u1', name: 'Ben' } }, 'me', now)).toBe('Ben changed it 2 min ago')
    expect(changedText({ changedAt: now, changedBy: { id: 'me', name: 'Me' } }, 'me', now)).toBe('You changed it just now')
  })
})
