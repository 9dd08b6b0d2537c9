/**
 * Builds the web client (root `client/`) into `dist/client`, where the
 * server serves it from (CLIENT_DIR). `vite` alone runs a dev server that
 * forwards the API and the list sockets to a Colist server on :8080.
 */
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('./client', import.meta.url))
const outDir = fileURLToPath(new URL('./dist/client', import.meta.url))
const apiTarget = process.env.COLIST_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  root,
  publicDir: 'public',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    // Sourcemaps make the devtools-minded console use (window.colist) debuggable in production.
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': apiTarget,
      '/ws': { target: apiTarget.replace(/^http/, 'ws'), ws: true },
    },
  },
})
