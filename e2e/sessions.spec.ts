/**
 * Real sessions (issue 10, finding 7): the account page lists the user's
 * signed-in devices, and "Log out everywhere" on one browser signs the other
 * one out too, at once (its sockets close with 4001 and its token is refused).
 */
import { expect, screenshot, test } from './fixtures.ts'

const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

test('the account page lists signed-in devices; "Log out everywhere" signs the other browser out', async ({ browser }, testInfo) => {
  const email = `sam.${Date.now().toString(36)}@example.com`
  const laptop = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, userAgent: IPHONE_UA, isMobile: true, hasTouch: true })
  try {
    const a = await laptop.newPage()
    await a.goto('/signup')
    await a.getByLabel('Name').fill('Sam Park')
    await a.getByLabel('Email').fill(email)
    await a.getByLabel('Password').fill('correct horse battery')
    await a.getByRole('button', { name: 'Sign up' }).click()
    await expect(a.getByRole('heading', { name: 'Your lists' })).toBeVisible()
    // A list, so the phone holds a device socket (it syncs every list in the background).
    await a.getByLabel('New list name').fill('Groceries')
    await a.getByRole('button', { name: 'Create list' }).click()
    await expect(a.getByRole('heading', { name: 'Groceries' })).toBeVisible()
    await a.getByRole('link', { name: 'Lists' }).click()

    const b = await phone.newPage()
    await b.goto('/login')
    await b.getByLabel('Email').fill(email)
    await b.getByLabel('Password').fill('correct horse battery')
    await b.getByRole('button', { name: 'Log in' }).click()
    await expect(b.getByRole('heading', { name: 'Your lists' })).toBeVisible()
    await expect(b.getByRole('link', { name: /Groceries/ }).first()).toBeVisible()

    await b.getByRole('button', { name: /^Account menu/ }).click()
    await b.getByRole('link', { name: 'Account and devices' }).click()
    await expect(b.getByRole('heading', { name: 'Your account' })).toBeVisible()
    await expect(b.getByTestId('session-row')).toHaveCount(2)
    await expect(b.getByTestId('session-row').filter({ hasText: 'This device' })).toContainText('Safari on iPhone')
    await screenshot(b, 'account-sessions-390', testInfo, { fullPage: true })

    await a.getByRole('button', { name: /^Account menu/ }).click()
    await a.getByRole('link', { name: 'Account and devices' }).click()
    const rows = a.getByTestId('session-row')
    await expect(rows).toHaveCount(2)
    await expect(rows.filter({ hasText: 'This device' })).toContainText('Chrome on Linux')
    await expect(rows.filter({ hasNotText: 'This device' })).toContainText('Safari on iPhone')
    await expect(a.getByRole('button', { name: 'Log out Safari on iPhone' })).toBeVisible()
    await screenshot(a, 'account-sessions-1280', testInfo)

    await a.getByRole('button', { name: 'Log out everywhere' }).click()
    await expect(a.getByRole('heading', { name: 'Welcome back' })).toBeVisible()
    // The phone learns at once (its device socket closes with 4001; renewing is refused), not at its token's expiry.
    await expect(b.getByRole('dialog', { name: 'Log in again' })).toBeVisible({ timeout: 5000 })
    await expect(b.getByRole('alert').filter({ hasText: 'signed out on this device' })).toBeVisible()
    await screenshot(b, 'account-signed-out-390', testInfo)
  } finally {
    await laptop.close()
    await phone.close()
  }
})

// Renewal rotates the token. Three tabs share the stored session, so their renewal timers fire together; all
// three renewed with the one token, two were refused, and a refused tab's "expired" could overwrite the new
// token in localStorage, signing every tab out (1 run in 8 before tabs took turns: client/src/auth/session.ts).
test('three tabs renewing the token at the same moment all stay signed in with the one new token', async ({ alice }) => {
  const { account } = alice
  // A stored session due for renewal 3 s from now: every tab that reads it renews at that same moment.
  const renewAt = Date.now() + 3000
  const session = JSON.stringify({ token: account.token, expiresAt: account.expiresAt, issuedAt: 2 * renewAt - account.expiresAt, user: { id: account.id, email: account.email, name: account.name } })
  await alice.page.goto('/')
  await alice.page.evaluate((stored) => localStorage.setItem('colist:session', stored), session)
  const tabs = [alice.page, await alice.page.context().newPage(), await alice.page.context().newPage()]
  const renewals: number[] = []
  for (const tab of tabs) tab.on('response', (response) => void (response.url().includes('/api/auth/refresh') && renewals.push(response.status())))
  await Promise.all(tabs.map((tab) => tab.goto('/')))
  for (const tab of tabs) await expect(tab.getByRole('heading', { name: 'Your lists' })).toBeVisible()
  const tokens = () => Promise.all(tabs.map((tab) => tab.evaluate(() => (JSON.parse(localStorage.getItem('colist:session') ?? '{}') as { token?: string }).token)))
  await expect.poll(async () => new Set(await tokens()).size === 1 && (await tokens())[0] !== account.token, { timeout: 10_000 }).toBe(true)
  // Past the moment every tab renewed: none was refused and signed the browser out.
  await alice.page.waitForTimeout(Math.max(0, renewAt + 2000 - Date.now()))
  for (const tab of tabs) await expect(tab.getByRole('dialog', { name: 'Log in again' })).toHaveCount(0)
  const [token] = await tokens()
  const lists = await alice.page.request.get('/api/lists', { headers: { authorization: `Bearer ${token}` } })
  expect(lists.status()).toBe(200)
  // Tabs take turns: one renews, the others take its token; none renews with a token already replaced (refused).
  expect(renewals).toContain(200)
  expect(renewals.filter((status) => status !== 200)).toEqual([])
})
