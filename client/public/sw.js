/**
 * Colist's service worker: keeps the app shell (index.html and the hashed
 * assets it references) so the app opens with no network after one visit.
 * List data never goes through here: it lives in IndexedDB (y-indexeddb) and
 * localStorage, and /api and /ws always go to the network.
 *
 * Strategy: navigations are network-first (a deploy shows up on the next
 * load) and fall back to the cached shell; /assets/* are content-hashed, so
 * cache-first is always correct for them.
 */
/* eslint-env serviceworker */

const CACHE = 'colist-shell-v1'
const SHELL = '/index.html'
const STATIC = ['/favicon.svg', '/manifest.webmanifest']
/** A navigation that takes longer than this on a bad network is answered from the cache. */
const NAVIGATION_TIMEOUT_MS = 4000

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      await refreshShell(cache, await fetch('/', { cache: 'no-cache' }))
      await cache.addAll(STATIC).catch(() => {})
      await self.skipWaiting()
    })(),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name)
      // Take over the page that registered us, so it works offline without a second reload.
      await self.clients.claim()
    })(),
  )
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ws/') || url.pathname === '/healthz') return
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request))
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request))
  } else if (STATIC.includes(url.pathname)) {
    event.respondWith(staleWhileRevalidate(request))
  }
})

async function navigation(request) {
  const cache = await caches.open(CACHE)
  try {
    const response = await withTimeout(fetch(request), NAVIGATION_TIMEOUT_MS)
    // Every client route serves the same index.html, so any good HTML answer refreshes the shell.
    if (response.ok && (response.headers.get('content-type') ?? '').includes('text/html')) {
      await refreshShell(cache, response.clone())
    }
    return response
  } catch {
    const cached = await cache.match(SHELL)
    if (!cached) return new Response('Colist is offline and has not been opened on this device yet.', { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } })
    // Marked so the app (and the tests) can tell the page came from the device.
    const headers = new Headers(cached.headers)
    headers.set('x-colist-shell', 'cache')
    return new Response(cached.body, { status: 200, headers })
  }
}

/** Stores a fresh index.html, fetches the assets it names, and drops the ones no longer named. */
async function refreshShell(cache, response) {
  if (!response.ok) return
  const html = await response.clone().text()
  await cache.put(SHELL, response)
  const assets = new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]))
  for (const asset of assets) {
    if (!(await cache.match(asset))) await cache.add(asset).catch(() => {})
  }
  for (const key of await cache.keys()) {
    const path = new URL(key.url).pathname
    if (path.startsWith('/assets/') && !assets.has(path) && !path.endsWith('.map')) await cache.delete(key)
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) await cache.put(request, response.clone())
  return response
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  const fresh = fetch(request)
    .then(async (response) => {
      if (response.ok) await cache.put(request, response.clone())
      return response
    })
    .catch(() => null)
  return cached ?? (await fresh) ?? new Response('', { status: 504 })
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}
