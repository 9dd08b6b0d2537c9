#!/usr/bin/env node
// `npx colist <command>` (the package's `bin`): runs the compiled admin command line
// (dist/server/cli.js, built from server/cli.ts with the server), building first, as `npm start`
// does, only when the build is missing or older than a source it is made from (server/start.mjs).
// Plain JavaScript: it runs before anything is compiled. The build's output goes to stderr, so
// what the command prints on stdout stays its own.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build, buildIsStale } from './start.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(ROOT, 'dist/server/cli.js')

if (!existsSync(CLI) || buildIsStale(ROOT)) build(process.stderr, ROOT)
const { main } = await import(pathToFileURL(CLI).href)
process.exitCode = await main(process.argv.slice(2))
