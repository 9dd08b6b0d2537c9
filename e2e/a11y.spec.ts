/**
 * An automated accessibility scan (axe-core) of every screen (tour.ts) at
 * 390 and 1280 px, in the light and the dark colour scheme: no serious or
 * critical violation. Every one found is listed at once (and attached as
 * axe-violations.txt), not just the first.
 */
import { AxeBuilder } from '@axe-core/playwright'
import { expect, test } from './fixtures.ts'
import { tourEveryScreen } from './tour.ts'

for (const viewport of [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
]) {
  test(`no serious or critical accessibility violation on any screen at ${viewport.width} px, light and dark`, async ({ browser, baseURL, alice, bob }, testInfo) => {
    test.setTimeout(180_000)
    const found: string[] = []
    const scanned: string[] = []
    await tourEveryScreen({ browser, baseURL, owner: alice, partner: bob, viewport }, async (page, screen) => {
      for (const colorScheme of ['light', 'dark'] as const) {
        // Reduced motion: the app then switches schemes without its 120 ms
        // transitions, so axe reads the scheme's colours, not a frame between two.
        await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' })
        await expect.poll(() => page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toBe(colorScheme)
        const results = await new AxeBuilder({ page }).analyze()
        scanned.push(`${screen} (${colorScheme})`)
        for (const violation of results.violations) {
          if (violation.impact !== 'serious' && violation.impact !== 'critical') continue
          const where = violation.nodes.map((node) => `${node.target.join(' ')}${node.failureSummary ? ` — ${node.failureSummary.replace(/\s+/g, ' ')}` : ''}`)
          found.push(`${screen} (${colorScheme}): ${violation.id} [${violation.impact}] ${violation.help}\n    ${where.join('\n    ')}`)
        }
      }
    })
    await testInfo.attach('axe-violations.txt', { body: found.join('\n\n') || 'none', contentType: 'text/plain' })
    expect(scanned).toHaveLength(18)
    expect(found, found.join('\n\n')).toEqual([])
  })
}
