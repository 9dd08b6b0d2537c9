/**
 * Renders the install icons in client/public from client/public/favicon.svg,
 * with the Chromium the e2e tests use (Playwright); the PNGs are committed, so
 * this runs only when the logo changes:
 *
 *   npm run icons        (node --import tsx client/scripts/render-icons.ts)
 *
 * - icon-192.png, icon-512.png ("any"): the favicon as it is, a rounded square
 *   with transparent corners.
 * - icon-maskable-512.png ("maskable") and apple-touch-icon.png (180 px): the
 *   square without rounding, edge to edge, since Android and iOS cut their own
 *   shape (iOS shows transparency as black). The glyph lies within the central
 *   80 % circle a maskable icon must keep its content in.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'

const publicDir = fileURLToPath(new URL('../public/', import.meta.url))
const favicon = readFileSync(`${publicDir}favicon.svg`, 'utf8')
const fullBleed = favicon.replace(/ rx="[^"]*"/, '')
if (fullBleed === favicon) throw new Error('favicon.svg has no rounded background (rx) to square off')

const icons = [
  { file: 'icon-192.png', size: 192, svg: favicon },
  { file: 'icon-512.png', size: 512, svg: favicon },
  { file: 'icon-maskable-512.png', size: 512, svg: fullBleed },
  { file: 'apple-touch-icon.png', size: 180, svg: fullBleed },
]

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] })
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 })
  for (const { file, size, svg } of icons) {
    await page.setViewportSize({ width: size, height: size })
    const sized = svg.replace('<svg ', `<svg width="${size}" height="${size}" `)
    await page.setContent(`<!doctype html><html><body style="margin:0">${sized}</body></html>`)
    await page.screenshot({ path: `${publicDir}${file}`, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } })
    console.log(`client/public/${file} (${size}×${size})`)
  }
} finally {
  await browser.close()
}
