/**
 * Issue 12, delivery: the built client served as a CDN would (see
 * http/static-client.ts) — precompressed brotli and gzip by content
 * negotiation, immutable hashed assets, no-cache for the page, manifest and
 * service worker, ETags and 304s, and source maps only when asked for.
 * A real server on 127.0.0.1 over a client folder laid out as Vite builds it.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, tempDir, type TestServer } from './test-support/harness.ts'

const INDEX = '<!doctype html><title>Colist</title><script type="module" src="/assets/index-Ab12Cd34.js"></script>'.padEnd(1500, ' ')
const SCRIPT = `console.log(${JSON.stringify('Colist '.repeat(400))})`
const MANIFEST = JSON.stringify({ name: 'Colist', icons: [] })

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function clientFolder(): Promise<string> {
  const dir = join(await tempDir(), 'client')
  await mkdir(join(dir, 'assets'), { recursive: true })
  const files: Record<string, string> = { 'index.html': INDEX, 'assets/index-Ab12Cd34.js': SCRIPT, 'manifest.webmanifest': MANIFEST, 'sw.js': `self.addEventListener('fetch', () => {})`.padEnd(2000, ' ') }
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text)
    await writeFile(join(dir, `${name}.br`), brotliCompressSync(text))
    await writeFile(join(dir, `${name}.gz`), gzipSync(text))
  }
  await writeFile(join(dir, 'assets/index-Ab12Cd34.js.map'), JSON.stringify({ version: 3, sources: ['main.tsx'], mappings: '' }))
  await writeFile(join(dir, 'icon-192.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  return dir
}

describe('the built client, served', () => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer({ CLIENT_DIR: await clientFolder() })
  })
  afterAll(async () => {
    await ts?.cleanup()
  })

  it('sends a hashed asset as brotli, gzip or plain, as the browser accepts, cached for a year as immutable', async () => {
    const br = await get(ts.server.url, '/assets/index-Ab12Cd34.js', { 'accept-encoding': 'gzip, deflate, br' })
    expect(br.status).toBe(200)
    expect(br.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT)
    expect(br.headers['content-type']).toMatch(/^(text|application)\/javascript/)
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(br.headers.vary).toMatch(/Accept-Encoding/i)
    expect(br.headers.etag).toBeTruthy()
    expect(br.headers.sourcemap).toBeUndefined()

    const gz = await get(ts.server.url, '/assets/index-Ab12Cd34.js', { 'accept-encoding': 'gzip' })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT)
    // Each representation has its own validator.
    expect(gz.headers.etag).not.toBe(br.headers.etag)

    const plain = await get(ts.server.url, '/assets/index-Ab12Cd34.js', { 'accept-encoding': 'identity' })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.toString()).toBe(SCRIPT)
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  })

  it('answers a conditional request with 304', async () => {
    const first = await get(ts.server.url, '/assets/index-Ab12Cd34.js', { 'accept-encoding': 'br' })
    const again = await get(ts.server.url, '/assets/index-Ab12Cd34.js', { 'accept-encoding': 'br', 'if-none-match': String(first.headers.etag) })
    expect(again.status).toBe(304)
    expect(again.body.length).toBe(0)
    const page = await get(ts.server.url, '/', { 'accept-encoding': 'br' })
    const pageAgain = await get(ts.server.url, '/lists/0d7d0f0e-2c1b-4b8a-9a39-0a6b1f3f9b51', { 'accept-encoding': 'br', 'if-none-match': String(page.headers.etag) })
    expect(pageAgain.status).toBe(304)
  })

  it('sends the page (for every client-side route), the manifest, the service worker and icons to be revalidated on each visit', async () => {
    for (const path of ['/', '/lists/0d7d0f0e-2c1b-4b8a-9a39-0a6b1f3f9b51', '/invite/abc', '/index.html']) {
      const page = await get(ts.server.url, path, { 'accept-encoding': 'br, gzip' })
      expect(page.status, path).toBe(200)
      expect(page.headers['content-encoding'], path).toBe('br')
      expect(brotliDecompressSync(page.body).toString(), path).toBe(INDEX)
      expect(page.headers['content-type'], path).toMatch(/^text\/html/)
      expect(page.headers['cache-control'], path).toBe('no-cache')
    }
    for (const path of ['/manifest.webmanifest', '/sw.js', '/icon-192.png']) {
      const file = await get(ts.server.url, path, { 'accept-encoding': 'gzip' })
      expect(file.status, path).toBe(200)
      expect(file.headers['cache-control'], path).toBe('no-cache')
    }
    expect((await get(ts.server.url, '/manifest.webmanifest', { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBe('gzip')
  })

  it('does not serve source maps, and leaves /api to the API', async () => {
    const map = await get(ts.server.url, '/assets/index-Ab12Cd34.js.map')
    expect(map.status).toBe(404)
    expect(map.body.toString()).not.toContain('mappings')
    const api = await get(ts.server.url, '/api/nothing-here')
    expect(api.status).toBe(404)
    expect(api.headers['content-type']).toMatch(/json/)
  })
})

describe('with SERVE_SOURCE_MAPS', () => {
  it('serves the maps and points each script at its map', async () => {
    const ts = await startTestServer({ CLIENT_DIR: await clientFolder(), SERVE_SOURCE_MAPS: 'true' })
    try {
      const map = await get(ts.server.url, '/assets/index-Ab12Cd34.js.map')
      expect(map.status).toBe(200)
      expect(JSON.parse(map.body.toString())).toMatchObject({ version: 3 })
      for (const encoding of ['br', 'gzip', 'identity']) {
        const script = await get(ts.server.url, '/assets/index-Ab12Cd34.js', { 'accept-encoding': encoding })
        expect(script.headers.sourcemap, encoding).toBe('index-Ab12Cd34.js.map')
      }
    } finally {
      await ts.cleanup()
    }
  })
})
