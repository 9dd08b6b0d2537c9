import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ICON_NAMES } from './Icon.tsx'

const css = readFileSync(new URL('../styles.css', import.meta.url), 'utf8')

describe('icons', () => {
  it('has a drawing in the stylesheet for every icon name, and none for a name that does not exist', () => {
    const drawn = [...css.matchAll(/^\.icon--([a-z]+) \{\n {2}mask-image: url\("data:image\/svg\+xml,([^"]+)"\);\n\}/gm)].map((match) => match[1])
    expect(drawn.sort()).toEqual([...ICON_NAMES].sort())
  })

  it('draws each as an SVG a browser reads from a data URL (no raw <, > or #)', () => {
    for (const match of css.matchAll(/mask-image: url\("data:image\/svg\+xml,([^"]+)"\)/g)) {
      expect(match[1]).not.toMatch(/[<>#"]/)
      const svg = decodeURIComponent(match[1]!)
      expect(svg).toMatch(/^<svg xmlns='http:\/\/www\.w3\.org\/2000\/svg' viewBox='0 0 24 24'[^>]*><path d='[^']+'\/><\/svg>$/)
    }
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
