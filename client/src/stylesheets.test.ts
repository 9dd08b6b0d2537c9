/**
 * The app's stylesheets keep Chrome's style invalidation narrow. A sibling
 * combinator with a universal side (`.stack > * + *`) cannot be narrowed by
 * class or tag, so Chrome re-styles the parent's whole subtree whenever any
 * element is inserted or removed: with it, each key in "Find in this list"
 * re-styled every row and the whole list page (a trace of the 2,000-item
 * list: 488 elements, 37 ms at 4× throttling, against 27 elements, 5 ms
 * without).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

function cssFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? cssFiles(join(dir, entry.name)) : entry.name.endsWith('.css') ? [join(dir, entry.name)] : [],
  )
}

/** The selectors of a stylesheet's rules (comments and declaration blocks taken out). */
export function selectorsOf(css: string): string[] {
  const plain = css.replace(/\/\*[\s\S]*?\*\//g, '')
  const selectors: string[] = []
  for (const match of plain.matchAll(/([^{}]+)\{/g)) {
    const prelude = match[1]!.trim()
    if (prelude.startsWith('@')) continue
    selectors.push(...prelude.split(',').map((part) => part.trim()))
  }
  return selectors
}

/** A sibling combinator (`+` or `~`) with `*` as the compound on either side. */
export const universalSibling = (selector: string): boolean => /(^|[\s>+~(])\*\s*[+~]|[+~]\s*\*(\s|$|[>+~:)])/.test(selector)

describe('stylesheets', () => {
  it('finds a universal sibling rule where there is one', () => {
    expect(selectorsOf('/* a */ .stack > * + * { margin: 0 }\n.a + .b, * ~ p { x: y }').filter(universalSibling)).toEqual(['.stack > * + *', '* ~ p'])
    expect(['.a + .b', '.stack > :not(:first-child)', '.x *', 'li + li', 'input:checked + .box'].filter(universalSibling)).toEqual([])
  })

  it('has no sibling rule with a universal side', () => {
    const files = cssFiles(join(import.meta.dirname))
    expect(files.length).toBeGreaterThan(3)
    const found = files.flatMap((file) => selectorsOf(readFileSync(file, 'utf8')).filter(universalSibling).map((selector) => `${file}: ${selector}`))
    expect(found).toEqual([])
  })
})
