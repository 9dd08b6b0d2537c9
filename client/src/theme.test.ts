import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseThemeChoice } from './theme.ts'

describe('parseThemeChoice', () => {
  it('takes light and dark, and anything else as the system setting', () => {
    expect(parseThemeChoice('light')).toBe('light')
    expect(parseThemeChoice('dark')).toBe('dark')
    expect(parseThemeChoice(null)).toBe('system')
    expect(parseThemeChoice('system')).toBe('system')
    expect(parseThemeChoice('Dark')).toBe('system')
  })
})

describe('styles.css dark theme', () => {
  const css = readFileSync(new URL('./styles.css', import.meta.url), 'utf8')
  /** The declarations of the block that opens with `opening`. */
  const block = (opening: string): Map<string, string> => {
    const start = css.indexOf(opening)
    expect(start, opening).toBeGreaterThanOrEqual(0)
    const body = css.slice(start + opening.length, css.indexOf('}', start))
    return new Map([...body.matchAll(/(--[\w-]+|color-scheme):\s*([^;]+);/g)].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]))
  }
  const system = block(":root:not([data-theme='light']) {")
  const chosen = block(":root[data-theme='dark'] {")
  const light = block(':root {')

  it('holds the same values when the system is dark as when dark is chosen', () => {
    expect(Object.fromEntries(chosen)).toEqual(Object.fromEntries(system))
  })

  it('gives every colour of the light theme a dark value', () => {
    const colours = [...light].filter(([name, value]) => name.startsWith('--') && /#|rgb|var\(--(accent|danger)/.test(value)).map(([name]) => name)
    expect(colours.length).toBeGreaterThan(20)
    expect(colours.filter((name) => !chosen.has(name))).toEqual([])
    expect(chosen.get('color-scheme')).toBe('dark')
  })
})
