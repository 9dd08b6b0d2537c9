// `npm start`: runs the compiled server (dist/server/main.js), building first
// only when the build is missing or older than a source it is made from
// (`--build-only`: builds if so, and stops there).
// Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** What the build reads: a change to any of these makes the build stale. */
export const SOURCES = ['client', 'server', 'shared', 'vite.config.ts', 'vite.server.config.ts', 'package.json', 'package-lock.json']
/** What the build writes: it is as old as the oldest of these. */
export const OUTPUTS = ['dist/server/main.js', 'dist/client/index.html', 'dist/client/sw.js']

/** The newest modification time under `paths` (files, or folders walked; tests and dotfiles skipped), or 0. */
export function newestMtime(root, paths) {
  let newest = 0
  const visit = (path) => {
    let stat
    try {
      stat = statSync(path)
    } catch {
      return
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (!entry.startsWith('.') && entry !== 'node_modules') visit(join(path, entry))
    } else if (!/\.test\.tsx?$/.test(path)) newest = Math.max(newest, stat.mtimeMs)
  }
  for (const path of paths) visit(join(root, path))
  return newest
}

/** Whether the build under `root` is missing or older than its newest source. */
export function buildIsStale(root = ROOT) {
  let oldestOutput = Infinity
  for (const output of OUTPUTS) {
    try {
      oldestOutput = Math.min(oldestOutput, statSync(join(root, output)).mtimeMs)
    } catch {
      return true
    }
  }
  return newestMtime(root, SOURCES) > oldestOutput
}

/** Runs `npm run build` under `root`, saying so and showing its output on `out`; exits the process if it fails. */
export function build(out = process.stdout, root = ROOT) {
  out.write('Building Colist (the sources changed since the last build)…\n')
  const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', out, 'inherit'], shell: process.platform === 'win32' })
  if (built.status !== 0) process.exit(built.status ?? 1)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (buildIsStale()) build()
  // `--build-only`: what `npm run bench` runs first, so it measures the build `npm start` runs.
  if (!process.argv.includes('--build-only')) await import(pathToFileURL(join(ROOT, 'dist/server/main.js')).href)
}
