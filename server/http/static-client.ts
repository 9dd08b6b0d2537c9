/**
 * Serves the built web app as a CDN would:
 * - every file precompressed at build time (vite-plugin-compression2: `.br`
 *   and `.gz` beside it) and chosen by the request's Accept-Encoding
 *   (express-static-gzip; `Vary: Accept-Encoding`), brotli first;
 * - hashed assets (`/assets/*`: Vite names them by content) cached for a
 *   year as immutable; everything else (index.html, the web manifest, the
 *   service worker, icons) `no-cache`, so a new version is seen on the next
 *   visit; ETags and Last-Modified on all, for 304s;
 * - client-side routes answered with index.html, negotiated the same way;
 * - source maps only when SERVE_SOURCE_MAPS is on (they are built, not
 *   referenced from the bundles: `sourcemap: 'hidden'`); then each script
 *   says where its map is with a `SourceMap` header.
 */
import { existsSync } from 'node:fs'
import { basename, join, sep } from 'node:path'
import type express from 'express'
import expressStaticGzip from 'express-static-gzip'

/** The folder Vite writes content-hashed files to (`build.assetsDir`). */
export const HASHED_ASSETS_DIR = 'assets'
export const IMMUTABLE = 'public, max-age=31536000, immutable'
export const REVALIDATE = 'no-cache'

export interface StaticClientOptions {
  /** Serve `*.map` files (and point scripts at them); off by default. */
  serveSourceMaps: boolean
}

/** Whether `file` (a path under `clientDir`) is a content-hashed asset. */
function isHashed(clientDir: string, file: string): boolean {
  return file.startsWith(join(clientDir, HASHED_ASSETS_DIR) + sep)
}

/** Adds the built client's routes to `app`, if `clientDir` holds a build. */
export function serveClient(app: express.Express, clientDir: string, options: StaticClientOptions): void {
  if (!existsSync(join(clientDir, 'index.html'))) return
  const files = expressStaticGzip(clientDir, {
    enableBrotli: true,
    orderPreference: ['br', 'gzip'],
    index: false,
    serveStatic: {
      index: false,
      // The Cache-Control below is the whole policy: serve-static's own max-age would add to it.
      cacheControl: false,
      setHeaders(res, file) {
        res.setHeader('Cache-Control', isHashed(clientDir, file) ? IMMUTABLE : REVALIDATE)
        if (options.serveSourceMaps && /\.m?js(\.br|\.gz)?$/.test(file)) res.setHeader('SourceMap', `${basename(file).replace(/\.(br|gz)$/, '')}.map`)
      },
    },
  })
  if (!options.serveSourceMaps)
    app.use((req, res, next) => {
      if (req.path.endsWith('.map')) res.status(404).type('text/plain').send('Not found')
      else next()
    })
  app.use(files)
  // Client-side routes: the app's page, from the same files (compressed, ETag, no-cache).
  app.get(/^(?!\/api\/|\/ws\/).*/, (req, res, next) => {
    req.url = '/index.html'
    files(req, res, next)
  })
}
