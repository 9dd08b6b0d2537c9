/**
 * Issue 12, delivery: the browser gets the app compressed, keeps its hashed
 * assets (a second visit downloads none of them), revalidates the page, and
 * finds no source map. The service worker is blocked here, so what is
 * measured is the HTTP cache alone.
 */
import { expect, test } from './fixtures.ts'

test.use({ serviceWorkers: 'block' })

test('assets come compressed and immutable, the page no-cache, no source map is public; a second visit downloads no hashed asset', async ({ page }) => {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  // A hashed asset the browser fetched over the network: not from its disk cache, nor its memory cache
  // (which CDP reports as requestServedFromCache before the response).
  const fromNetwork: string[] = []
  const servedFromCache = new Set<string>()
  cdp.on('Network.requestServedFromCache', (event) => servedFromCache.add(event.requestId))
  cdp.on('Network.responseReceived', (event) => {
    const { url, fromDiskCache, fromPrefetchCache, fromServiceWorker } = event.response
    if (new URL(url).pathname.startsWith('/assets/') && !fromDiskCache && !fromPrefetchCache && !fromServiceWorker && !servedFromCache.has(event.requestId)) fromNetwork.push(url)
  })

  const assets: Array<{ url: string; headers: Record<string, string> }> = []
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/assets/')) assets.push({ url: response.url(), headers: response.headers() })
  })
  const first = await page.goto('/')
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  // Parts loaded after the page's load event (the service worker's registration, workbox-window) are
  // this visit's too: a second visit started before they were asked for would fetch them for the first time.
  await page.waitForLoadState('networkidle')
  expect(first?.headers()['cache-control']).toBe('no-cache')
  expect(['br', 'gzip']).toContain(first?.headers()['content-encoding'])

  expect(assets.length).toBeGreaterThanOrEqual(2) // the script and the stylesheet
  for (const asset of assets) {
    expect(asset.headers['cache-control'], asset.url).toBe('public, max-age=31536000, immutable')
    expect(['br', 'gzip'], asset.url).toContain(asset.headers['content-encoding'])
    expect(asset.headers.etag, asset.url).toBeTruthy()
    expect(asset.headers.sourcemap, asset.url).toBeUndefined()
  }
  const script = assets.find((asset) => asset.url.endsWith('.js'))!
  const source = await page.evaluate((url) => fetch(url).then((res) => res.text()), script.url)
  expect(source).not.toContain('sourceMappingURL')
  const map = await page.request.get(`${script.url}.map`)
  expect(map.status()).toBe(404)
  for (const path of ['/manifest.webmanifest', '/sw.js']) expect((await page.request.get(path)).headers()['cache-control'], path).toBe('no-cache')

  // The second visit: the page is asked again (no-cache), the hashed assets come from the cache.
  fromNetwork.length = 0
  const second = await page.goto('/')
  expect(second?.status()).toBeLessThan(400)
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  expect(fromNetwork).toEqual([])
})
