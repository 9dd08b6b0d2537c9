/**
 * Colist's service worker, built with Workbox (vite-plugin-pwa, strategy
 * injectManifest): it keeps the app shell so the app opens with no network
 * after one visit. List data never goes through here: it lives in IndexedDB
 * (y-indexeddb) and localStorage, and /api, /ws and /healthz always go to the
 * network.
 *
 * - Precache: every file of the build (index.html, the hashed assets, icons,
 *   the manifest), listed with a revision each by the build; a new build
 *   installs as a new worker that fetches only what changed and deletes the
 *   rest (`cleanupOutdatedCaches`).
 * - Navigations: the network first (a deploy shows on the next load), within
 *   4 s; else the precached index.html, marked `x-colist-shell: cache` so the
 *   app and the tests can tell it came from the device.
 * - Updates: the first worker takes the page at once (offline right after the
 *   first visit; a page that was mid-navigation when it activated, and so
 *   missed its claim, asks with `CLAIM`); a later one waits until the page asks it to take over
 *   (`SKIP_WAITING`: "A new version is available — Reload", sw-update.ts).
 */
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { NetworkOnly } from 'workbox-strategies'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> }

/** A navigation that takes longer than this on a bad network is answered from the device. */
const NAVIGATION_TIMEOUT_S = 4
const SHELL = '/index.html'

// Precached files are served from the cache; `/` is a navigation, handled below (not by the precache).
precacheAndRoute(self.__WB_MANIFEST, { directoryIndex: '', cleanURLs: false })
cleanupOutdatedCaches()

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const type = (event.data as { type?: unknown } | null)?.type
  if (type === 'SKIP_WAITING') void self.skipWaiting()
  // A page still without a worker once this one is active (sw-update.ts): take it too.
  if (type === 'CLAIM') event.waitUntil(self.clients.claim())
})
// Once active, control the open pages (the first install: they work offline without a reload).
clientsClaim()

const network = new NetworkOnly({ networkTimeoutSeconds: NAVIGATION_TIMEOUT_S })

registerRoute(
  new NavigationRoute(
    async (options) => {
      try {
        return await network.handle(options)
      } catch {
        const shell = await matchPrecache(SHELL)
        if (!shell) return new Response('Colist is offline and has not been opened on this device yet.', { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } })
        const headers = new Headers(shell.headers)
        headers.set('x-colist-shell', 'cache')
        return new Response(shell.body, { status: 200, headers })
      }
    },
    { denylist: [/^\/api\//, /^\/ws\//, /^\/healthz/] },
  ),
)
