/**
 * Installing Colist on a phone or a desktop: index.html links a complete web
 * manifest and an apple-touch icon; the icons are served as real PNGs of the
 * sizes they claim (the maskable and apple-touch ones edge to edge, the
 * others with transparent rounded corners); and Chromium itself finds the
 * manifest error-free and the app installable.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { expect, test } from './fixtures.ts'

interface ManifestIcon {
  src: string
  sizes: string
  type: string
  purpose?: string
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).toString('hex'), 'PNG signature').toBe('89504e470d0a1a0a')
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

test('index.html links the manifest and the icons; the manifest is complete; every icon is a PNG of its stated size', async ({ request }) => {
  const html = await (await request.get('/')).text()
  expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest"')
  expect(html).toContain('<link rel="apple-touch-icon" href="/apple-touch-icon.png" sizes="180x180"')
  expect(html).toContain('<meta name="theme-color" content="#1f6f5c"')
  expect(html).toMatch(/<meta name="viewport" content="width=device-width/)

  const response = await request.get('/manifest.webmanifest')
  expect(response.status()).toBe(200)
  expect(response.headers()['content-type']).toMatch(/^application\/manifest\+json/)
  const manifest = (await response.json()) as Record<string, unknown> & { icons: ManifestIcon[] }
  expect(manifest).toMatchObject({
    name: 'Colist',
    short_name: 'Colist',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    theme_color: '#1f6f5c',
    background_color: '#f4f6f3',
  })
  const pngs = manifest.icons.filter((icon) => icon.type === 'image/png')
  expect(pngs.map((icon) => `${icon.sizes} ${icon.purpose}`).sort()).toEqual(['192x192 any', '512x512 any', '512x512 maskable'])

  const icons: ManifestIcon[] = [...pngs, { src: '/apple-touch-icon.png', sizes: '180x180', type: 'image/png' }]
  for (const icon of icons) {
    const served = await request.get(icon.src)
    expect(served.status(), icon.src).toBe(200)
    expect(served.headers()['content-type'], icon.src).toBe('image/png')
    const { width, height } = pngSize(await served.body())
    expect(`${width}x${height}`, icon.src).toBe(icon.sizes)
  }
})

test('the icons look right: maskable and apple-touch edge to edge, the others with rounded corners', async ({ page }) => {
  await page.goto('/login')
  const corners = await page.evaluate(async () => {
    const alphaAt = async (src: string) => {
      const image = new Image()
      image.src = src
      await image.decode()
      const canvas = document.createElement('canvas')
      canvas.width = image.naturalWidth
      canvas.height = image.naturalHeight
      const context = canvas.getContext('2d')
      if (!context) throw new Error('no 2d canvas')
      context.drawImage(image, 0, 0)
      const corner = context.getImageData(0, 0, 1, 1).data
      const middle = context.getImageData(Math.floor(image.naturalWidth / 2), 2, 1, 1).data
      // The corner's alpha, and the brand green at the top edge's middle.
      return { corner: corner[3], edge: [middle[0], middle[1], middle[2], middle[3]] }
    }
    return {
      any192: await alphaAt('/icon-192.png'),
      any512: await alphaAt('/icon-512.png'),
      maskable: await alphaAt('/icon-maskable-512.png'),
      apple: await alphaAt('/apple-touch-icon.png'),
    }
  })
  const green = [0x1f, 0x6f, 0x5c, 255]
  for (const [name, icon] of Object.entries(corners)) {
    for (const [i, value] of icon.edge.entries()) expect(Math.abs((value ?? 0) - (green[i] ?? 0)), `${name} edge`).toBeLessThanOrEqual(2)
  }
  expect(corners.any192.corner).toBe(0)
  expect(corners.any512.corner).toBe(0)
  expect(corners.maskable.corner).toBe(255)
  expect(corners.apple.corner).toBe(255)
})

test('Chromium reads the manifest without errors and finds the app installable', async ({ baseURL }, testInfo) => {
  // A browser with a profile on disk: Chromium never offers to install from an off-the-record
  // context (error "in-incognito"), which is what every other test's context is.
  const profile = mkdtempSync(join(tmpdir(), 'colist-install-'))
  const context = await chromium.launchPersistentContext(profile, { ...testInfo.project.use.launchOptions, baseURL })
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto('/login')
    await expect(page.getByRole('heading', { name: 'Welcome back' })).toBeVisible({ timeout: 15_000 })
    const cdp = await context.newCDPSession(page)
    const manifest = await cdp.send('Page.getAppManifest')
    expect(manifest.url).toMatch(/\/manifest\.webmanifest$/)
    expect(manifest.errors).toEqual([])
    // Chromium fetches the manifest and its icons on its own schedule: ask until it has looked.
    await expect
      .poll(async () => (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors.map((error) => error.errorId), { timeout: 15_000 })
      .toEqual([])
  } finally {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
})
