import { readFileSync, readdirSync } from 'node:fs'
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { Icon, ICON_NAMES } from './Icon.tsx'

const icon = (name: (typeof ICON_NAMES)[number], size?: number) => renderToStaticMarkup(createElement(Icon, { name, size }))

describe('icons', () => {
  it('draws every icon as an svg of one path on the 24-unit grid, hidden from assistive technology, at the size asked', () => {
    expect(ICON_NAMES).toHaveLength(22)
    for (const name of ICON_NAMES)
      expect(icon(name, 18), name).toMatch(/^<svg class="icon" style="width:18px;height:18px" viewBox="0 0 24 24" aria-hidden="true"><path d="[MmLlHhVvAaZz][-\d.,\sMmLlHhVvAaZz]*"( stroke-width="3"| fill="currentColor")?><\/path><\/svg>$/)
  })

  // A stroke width or fill on the svg would lose to the `.icon` rule below (presentation attributes
  // come before every author rule); on the path they win over what it inherits.
  it('sets what differs from the stroke of `.icon` on the path: thicker dots, a filled pin', () => {
    expect(ICON_NAMES.filter((name) => icon(name).includes('stroke-width="3"'))).toEqual(['grip', 'more'])
    expect(ICON_NAMES.filter((name) => icon(name).includes('fill="currentColor"'))).toEqual(['pinned'])
    const css = readFileSync(new URL('../styles.css', import.meta.url), 'utf8')
    const rule = /\n\.icon \{([^}]*)\}/.exec(css)?.[1] ?? ''
    expect(rule).toContain('fill: none;')
    expect(rule).toContain('stroke: currentColor;')
    expect(rule).toContain('stroke-width: 2;')
    expect(css).not.toMatch(/mask-image/)
  })

  // `.icon` strokes whatever it is given: an element taking the class outside Icon would draw nothing
  // or a stray outline.
  it('gives the icon class to Icon alone', () => {
    const sources = readdirSync(new URL('..', import.meta.url), { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.tsx') && !path.endsWith('Icon.tsx'))
    expect(sources.length).toBeGreaterThan(10)
    for (const path of sources) {
      const source = readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')
      expect(source, path).not.toMatch(/className=(["'`{])[^"'`}]*\bicon\b(?!-)/)
    }
  })
})
