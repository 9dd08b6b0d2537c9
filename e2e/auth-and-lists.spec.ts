import { expect, screenshot, sharedList, test } from './fixtures.ts'

test('sign up, log out, log in; the session survives a reload', async ({ page }) => {
  const email = `dana.${Date.now().toString(36)}@example.com`
  await page.goto('/')
  // A first visit offers sign-up.
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible()
  await page.getByLabel('Name').fill('Dana Diaz')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill('correct horse battery')
  await page.getByRole('button', { name: 'Sign up' }).click()
  await expect(page.getByRole('heading', { name: 'Your lists' })).toBeVisible()

  await page.reload()
  await expect(page.getByRole('heading', { name: 'Your lists' })).toBeVisible()

  await page.getByRole('button', { name: /^Account menu/ }).click()
  await page.getByRole('button', { name: 'Log out' }).click()
  await expect(page.getByRole('heading', { name: 'Welcome back' })).toBeVisible()
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill('wrong password')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.')
  await page.getByLabel('Password').fill('correct horse battery')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('heading', { name: 'Your lists' })).toBeVisible()
})

test('lists page: my lists and shared ones with role; create, rename, delete', async ({ alice, bob }, testInfo) => {
  await sharedList(bob, 'Camping trip', [[alice, 'editor']])
  await sharedList(bob, 'Book club', [[alice, 'viewer']])
  const { page } = alice
  await page.goto('/')
  const shared = page.getByRole('region', { name: /Shared with me/ })
  await expect(shared.getByRole('listitem').filter({ hasText: 'Camping trip' })).toContainText('Editor')
  await expect(shared.getByRole('listitem').filter({ hasText: 'Book club' })).toContainText('Viewer')
  await expect(shared.getByRole('button', { name: 'Delete Camping trip' })).toHaveCount(0)

  await page.getByLabel('New list name').fill('Groceries')
  await page.getByRole('button', { name: 'Create list' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Groceries' })).toBeVisible()
  // The new list joins over the device socket. In one CI run (the suite on two workers, the device
  // socket's own handshake 1.4 s) it was still "Connecting…" after the default 5 s.
  await expect(alice.status()).toContainText('All changes saved', { timeout: 15_000 })
  await page.getByRole('link', { name: 'Lists' }).click()

  const mine = page.getByRole('region', { name: /My lists/ })
  await mine.getByRole('button', { name: 'Rename Groceries' }).click()
  await page.getByLabel('New name for Groceries').fill('Weekly groceries')
  await page.getByRole('button', { name: 'Save' }).click()
  await expect(mine.getByRole('link', { name: 'Weekly groceries' })).toBeVisible()
  await page.getByLabel('New list name').fill('Packing')
  await page.getByRole('button', { name: 'Create list' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Packing' })).toBeVisible()
  await page.getByRole('link', { name: 'Lists' }).click()
  await expect(mine.getByRole('listitem')).toHaveCount(2)
  // Back on the lists page the device brings every list up to date in the background ("Updating 1 list…");
  // with the whole suite on two workers in CI that once took over the default 5 s.
  await expect(alice.status()).toHaveText('All changes saved', { timeout: 15_000 })
  await screenshot(page, 'lists-page', testInfo)

  await mine.getByRole('button', { name: 'Delete Packing' }).click()
  const dialog = page.getByRole('dialog', { name: 'Delete this list?' })
  await dialog.getByRole('button', { name: 'Delete list' }).click()
  await expect(mine.getByRole('link', { name: 'Packing' })).toHaveCount(0)
  // The page acts at once; the delete reaches the server through the device's outbox a moment later.
  await expect
    .poll(async () => ((await alice.api('GET', '/api/lists')).body as Array<{ title: string }>).map((l) => l.title).sort())
    .toEqual(['Book club', 'Camping trip', 'Weekly groceries'])
})
