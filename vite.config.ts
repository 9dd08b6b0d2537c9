/**
 * Builds the web client (root `client/`) into `dist/client`, where the
 * server serves it from (CLIENT_DIR). `vite` alone runs a dev server that
 * forwards the API and the list sockets to a Colist server on :8080.
 */
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { compression } from 'vite-plugin-compression2'
import { VitePWA } from 'vite-plugin-pwa'

const root = fileURLToPath(new URL('./client', import.meta.url))
const outDir = fileURLToPath(new URL('./dist/client', import.meta.url))
const apiTarget = process.env.COLIST_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  root,
  publicDir: 'public',
  plugins: [
    react(),
    // The service worker, from client/sw/sw.ts, with the precache manifest of this build injected
    // (every file, with a revision); the page registers it (src/sw-update.ts) and offers updates.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'sw',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      // The web manifest is public/manifest.webmanifest, linked from index.html.
      manifest: false,
      injectManifest: { globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'], globIgnores: ['sw.js', 'workbox-*.js'] },
    }),
    // Each file also as .br and .gz beside it, which the server picks by Accept-Encoding
    // (server/http/static-client.ts); source maps are not served by default, so not compressed.
    compression({ algorithms: ['brotliCompress', 'gzip'], include: /\.(html|css|js|mjs|json|svg|webmanifest|txt)$/, exclude: /\.map$/, logLevel: 'silent' }),
  ],
  build: {
    outDir,
    emptyOutDir: true,
    // Source maps are built but not referenced from the bundles (and served only with
    // SERVE_SOURCE_MAPS, which also points each script at its map with a SourceMap header).
    sourcemap: 'hidden',
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': apiTarget,
      '/ws': { target: apiTarget.replace(/^http/, 'ws'), ws: true },
    },
  },
})
