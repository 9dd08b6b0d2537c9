/**
 * End-to-end tests against the real server and the built client, in Debian's
 * Chromium (Playwright cannot download browsers here).
 *
 * The config is evaluated by the runner and again by every worker; the port
 * and the data directory are chosen once and handed down through the
 * environment, so every process talks to the same fresh server.
 */
import { SERVER_NODE_FLAGS } from './server/node-flags.mjs'
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from '@playwright/test'

function freePort(): number {
  // Synchronous on purpose: the config must be complete when this module returns.
  const script = "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))
}

process.env.COLIST_E2E_PORT ??= String(process.env.E2E_PORT ?? freePort())
process.env.COLIST_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'colist-e2e-'))
const port = Number(process.env.COLIST_E2E_PORT)
const baseURL = `http://127.0.0.1:${port}`

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: 0,
  timeout: 45_000,
  expect: { timeout: 5_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  globalTeardown: './e2e/global-teardown.ts',
  // The performance specs measure with the CPU to themselves: they run after every other spec
  // (alone: `npx playwright test --project=performance --no-deps`).
  projects: [
    { name: 'app', testIgnore: '**/*.performance.spec.ts' },
    // No trace: its DOM snapshots at every action would be measured too.
    { name: 'performance', testMatch: '**/*.performance.spec.ts', dependencies: ['app'], use: { trace: 'off' } },
  ],
  outputDir: 'test-results/artifacts',
  use: {
    baseURL,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    // A failed test keeps its trace: actions with their timings, console, network and sources, and
    // the failure's screenshot below. Not DOM snapshots or a screencast at every action: recording
    // them made the specs ~1.5x slower on this 2-core machine (3 specs: 139 s with, 92 s without),
    // and a loaded CI machine is where timing-sensitive specs fail.
    trace: { mode: 'retain-on-failure', snapshots: false, screenshots: false },
    screenshot: 'only-on-failure',
    serviceWorkers: 'allow',
  },
  webServer: {
    // As `npm start` runs it: the compiled server and the built client (built first if a source is newer;
    // the service worker only runs in a build).
    command: ['node', ...SERVER_NODE_FLAGS, 'server/start.mjs'].join(' '),
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: process.env.COLIST_E2E_DATA_DIR,
      LOG_LEVEL: 'warn',
      CLIENT_DIR: 'dist/client',
      // Every test signs up from 127.0.0.1: the per-address limits would refuse the run's sign-ups.
      SIGNUPS_PER_IP_PER_HOUR: '1000000',
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000000',
      LOGIN_FREE_FAILURES_PER_IP: '1000000',
    },
  },
})
