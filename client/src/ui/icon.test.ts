import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ICON_NAMES } from './Icon.tsx'

const css = readFileSync(new URL('../styles.css', import.meta.url), 'utf8')

/** The sprite every icon is a cell of (the `.icon` rule's mask), decoded. */
function sprite(): string {
  const urls = [...css.matchAll(/mask-image: url\("data:image\/svg\+xml,([^"]+)"\)/g)].map((match) => match[1]!)
  expect(urls).toHaveLength(1)
  expect(urls[0]).not.toMatch(/[<>#"]/)
  return decodeURIComponent(urls[0]!)
}

describe('icons', () => {
  it('has a cell in the sprite for every icon name, in the order of the rules that pick them, and none for a name that does not exist', () => {
    const cells = [...sprite().matchAll(/<g id='([a-z]+)'/g)].map((match) => match[1])
    const rules = [...css.matchAll(/^\.icon--([a-z]+) \{\n {2}mask-position: ([\d.]+)% 0;\n\}/gm)]
    expect(rules.map((match) => match[1])).toEqual(cells)
    expect([...cells].sort()).toEqual([...ICON_NAMES].sort())
    // Cell i of n shows at i ÷ (n − 1) of the way along a mask n cells wide.
    expect(css).toContain(`mask-size: ${cells.length * 100}% 100%;`)
    rules.forEach((match, i) => expect(Number(match[2])).toBeCloseTo((i * 100) / (cells.length - 1), 3))
  })

  it('draws each cell 24 units wide, one after another, in an SVG a browser reads from a data URL', () => {
    const svg = sprite()
    const cells = [...svg.matchAll(/<g id='[a-z]+'(?: transform='translate\((\d+)\)')?[^>]*><path d='[^']+'\/><\/g>/g)]
    expect(cells.length).toBe(ICON_NAMES.length)
    cells.forEach((cell, i) => expect(Number(cell[1] ?? 0)).toBe(24 * i))
    expect(svg).toMatch(new RegExp(`^<svg xmlns='http://www\\.w3\\.org/2000/svg' viewBox='0 0 ${24 * cells.length} 24'[^>]*>(<g [^>]+><path d='[^']+'/></g>)+</svg>$`))
  })

  // `.icon` paints the text colour under a drawing's mask: an element taking the class without an
  // `.icon--<name>` (the lists page's pin was an inline SVG with it) showed as a solid square.
  it('gives the icon class to Icon alone', () => {
    const sources = readdirSync(new URL('..', import.meta.url), { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.tsx') && !path.endsWith('Icon.tsx'))
    expect(sources.length).toBeGreaterThan(10)
    for (const path of sources) {
      const source = readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')
      expect(source, path).not.toMatch(/className=(["'`{])[^"'`}]*\bicon\b(?!-)/)
    }
  })
})
