import { readFileSync } from 'node:fs'
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
})
