/**
 * Issue 12, the service worker's update flow: a page controlled by the
 * Workbox worker of one build learns of the next build, says "A new version
 * of Colist is available", and Reload lets the new worker take over and
 * reloads into it. A deploy is simulated on a server of this spec's own
 * (a copy of the build in a temp folder, its worker then changed), so no
 * other spec's pages see it.
 */
import { SERVER_NODE_FLAGS } from '../server/node-flags.mjs'
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../server/test-support/free-port.ts'
import { expect, screenshot, test } from './fixtures.ts'

let root: string
let server: ChildProcess | null = null
let origin: string

test.beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'colist-update-'))
  await cp('dist/client', join(root, 'client'), { recursive: true })
  const port = await freePort()
  origin = `http://127.0.0.1:${port}`
  // The compiled server (the build exists: the run's own server started from it).
  server = spawn(process.execPath, [...SERVER_NODE_FLAGS, 'dist/server/main.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(root, 'data'), CLIENT_DIR: join(root, 'client'), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  })
  await expect.poll(() => fetch(`${origin}/healthz`).then((res) => res.status, () => 0), { timeout: 30_000 }).toBe(200)
})

test.afterAll(async () => {
  server?.kill('SIGTERM')
  await new Promise((resolve) => (server && server.exitCode === null ? server.once('exit', resolve) : resolve(null)))
  await rm(root, { recursive: true, force: true })
})

for (const size of [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const) {
  test(`a new build: "A new version is available", and Reload switches to it (${size.width} px)`, async ({ browser }, testInfo) => {
    const context = await browser.newContext({ viewport: size, serviceWorkers: 'allow' })
    const page = await context.newPage()
    try {
      await page.goto(origin)
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
      await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 20_000 }).toBe(true)
      // On a phone, a later visit (the page loaded under the worker); on a desktop, the first visit's page.
      if (size.width < 600) {
        await page.reload()
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
      }
      const banner = page.getByRole('status').filter({ hasText: 'A new version of Colist is available' })
      await expect(banner).toHaveCount(0)

      // The next build: its worker differs (each test's its own change).
      await appendFile(join(root, 'client', 'sw.js'), `\n// build ${size.width}\n`)
      await page.evaluate(() => navigator.serviceWorker.getRegistration().then((registration) => registration?.update()))
      await expect(banner).toBeVisible({ timeout: 20_000 })
      // It waits for the page: the old worker still controls it.
      expect(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((registration) => Boolean(registration?.waiting)))).toBe(true)
      await screenshot(page, `update-available-${size.width}`, testInfo)

      await page.evaluate(() => ((window as unknown as { beforeReload: boolean }).beforeReload = true))
      await Promise.all([page.waitForEvent('load'), banner.getByRole('button', { name: 'Reload' }).click()])
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
      expect(await page.evaluate(() => (window as unknown as { beforeReload?: boolean }).beforeReload)).toBeUndefined()
      await expect(banner).toHaveCount(0)
      const state = await page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration()
        return { waiting: Boolean(registration?.waiting), controlled: navigator.serviceWorker.controller !== null }
      })
      expect(state).toEqual({ waiting: false, controlled: true })
    } finally {
      await context.close()
    }
  })
}

test('Later puts the notice away; the new version waits', async ({ browser }) => {
  const context = await browser.newContext({ serviceWorkers: 'allow' })
  const page = await context.newPage()
  try {
    await page.goto(origin)
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 20_000 }).toBe(true)
    await appendFile(join(root, 'client', 'sw.js'), '\n// build later\n')
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((registration) => registration?.update()))
    const banner = page.getByRole('status').filter({ hasText: 'A new version of Colist is available' })
    await expect(banner).toBeVisible({ timeout: 20_000 })
    await banner.getByRole('button', { name: 'Later' }).click()
    await expect(banner).toHaveCount(0)
    expect(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((registration) => Boolean(registration?.waiting)))).toBe(true)
  } finally {
    await context.close()
  }
})

// CI once saw a page never taken over (20 s): it had navigated while the first worker was installing. A
// worker's claim skips a page still loading (its document not yet a client), so that page stayed without
// one until the next load; now it asks the active worker to claim it (sw-update.ts, sw.ts `CLAIM`).
test('a page that was loading as the first worker activated is taken over too', async ({ browser }) => {
  const context = await browser.newContext({ serviceWorkers: 'allow' })
  const page = await context.newPage()
  let releaseInstall = () => {}
  let releaseNavigation = () => {}
  const installHeld = new Promise<void>((resolve) => (releaseInstall = resolve))
  const navigationHeld = new Promise<void>((resolve) => (releaseNavigation = resolve))
  try {
    // The worker's install waits for one precached file.
    await context.route('**/icon-512.png', async (route) => {
      await installHeld
      await route.continue()
    })
    await page.goto(origin)
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.getRegistration().then((registration) => Boolean(registration?.installing))), { timeout: 20_000 }).toBe(true)

    // A navigation under way (its document not yet arrived) while the install completes and the worker activates.
    await context.route(`${origin}/`, async (route) => {
      await navigationHeld
      await route.continue()
    })
    const navigating = page.goto(origin)
    releaseInstall()
    // Asked of the worker itself: the page is between two documents.
    const activeState = async () => {
      const worker = context.serviceWorkers()[0]
      return worker ? worker.evaluate(() => (self as unknown as { registration: ServiceWorkerRegistration }).registration.active?.state ?? 'none') : 'no worker'
    }
    await expect.poll(activeState, { timeout: 20_000 }).toBe('activated')
    releaseNavigation()
    await navigating
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 10_000 }).toBe(true)
  } finally {
    releaseInstall()
    releaseNavigation()
    await context.close()
  }
})
