/**
 * Compiles the server (server/main.ts, the worker thread's module and the
 * admin command line, server/cli.ts) into dist/server, so `npm start` and
 * `npx colist` run plain JavaScript: no TypeScript compiler in production
 * and no build at start. Dependencies stay in node_modules
 * (Vite's SSR build leaves them external). The files are laid out flat:
 * the worker is found beside the module that starts it
 * (stored-doc-worker.ts: `./stored-doc-thread.js`, `./worker-bootstrap.mjs`).
 */
import { copyFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const outDir = fileURLToPath(new URL('./dist/server', import.meta.url))

export default defineConfig({
  publicDir: false,
  ssr: { noExternal: true, external: ['classic-level', 'bufferutil', 'utf-8-validate', 'pg', 'ioredis', 'pino', 'thread-stream'] },
  build: {
    ssr: true,
    outDir,
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    minify: false,
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./server/main.ts', import.meta.url)),
        'stored-doc-thread': fileURLToPath(new URL('./server/stored-doc-thread.ts', import.meta.url)),
        // The admin command line (`npx colist`, started by server/cli.mjs).
        cli: fileURLToPath(new URL('./server/cli.ts', import.meta.url)),
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
  plugins: [
    {
      name: 'colist:worker-bootstrap',
      writeBundle() {
        copyFileSync(fileURLToPath(new URL('./server/worker-bootstrap.mjs', import.meta.url)), `${outDir}/worker-bootstrap.mjs`)
      },
    },
  ],
})
