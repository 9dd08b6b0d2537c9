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

    await b.getByRole('link', { name: 'Account and devices' }).click()
    await expect(b.getByRole('heading', { name: 'Your account' })).toBeVisible()
    await expect(b.getByTestId('session-row')).toHaveCount(2)
    await expect(b.getByTestId('session-row').filter({ hasText: 'This device' })).toContainText('Safari on iPhone')
    await screenshot(b, 'account-sessions-390', testInfo, { fullPage: true })

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
