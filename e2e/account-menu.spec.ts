/**
 * The account menu on every signed-in page, and its *Developer tools* entry:
 * the devtools panel opens from the lists page (this device's lists), stays
 * open into a list (that list's sections too), and closes from the menu on
 * the list's page; Alt+Shift+D toggles it anywhere, also while typing, and
 * Ctrl+Shift+D (a browser's "bookmark all tabs") no longer does.
 */
import { expect, seedItems, sharedList, test } from './fixtures.ts'

test('the account menu is on every page; its Developer tools entry opens the panel on the lists page and on a list page', async ({ alice }) => {
  const listId = await sharedList(alice, 'Hardware store')
  await seedItems(alice, listId, ['Screws', 'Wood glue'])
  const page = alice.page
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'Your lists' })).toBeVisible({ timeout: 15_000 })

  const menu = page.getByRole('button', { name: /^Account menu/ })
  await expect(menu).toHaveAttribute('aria-expanded', 'false')
  await menu.click()
  await expect(menu).toHaveAttribute('aria-expanded', 'true')
  const panelOfMenu = page.getByRole('group', { name: 'Account menu' })
  await expect(panelOfMenu).toContainText(alice.account.email)
  const entry = panelOfMenu.getByRole('button', { name: 'Developer tools' })
  await expect(entry).toHaveAttribute('aria-pressed', 'false')
  await expect(entry).toHaveAttribute('aria-keyshortcuts', 'Alt+Shift+D')
  await entry.click()
  await expect(panelOfMenu).toBeHidden()

  const devtools = page.getByRole('complementary', { name: 'Developer tools' })
  await expect(devtools).toBeVisible()
  await expect(devtools.getByRole('region', { name: /^This device/ }).getByRole('row').filter({ hasText: listId.slice(0, 8) })).toBeVisible()
  await expect(devtools).toContainText('Open a list to see')

  // Into the list: the panel stays, now with the list in it.
  await page.getByRole('link', { name: /Hardware store/ }).click()
  await expect(alice.status()).toHaveText('All changes saved', { timeout: 15_000 })
  await expect(devtools.getByRole('region', { name: 'Document' })).toContainText('2 (0 checked)')
  await expect(devtools.getByRole('region', { name: 'Connection' })).toContainText('connected')

  // Closed from the menu on the list's page.
  await menu.click()
  await expect(entry).toHaveAttribute('aria-pressed', 'true')
  await entry.click()
  await expect(devtools).toBeHidden()

  // Escape closes the menu and gives focus back to its button.
  await menu.click()
  await expect(panelOfMenu).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(panelOfMenu).toBeHidden()
  await expect(menu).toBeFocused()

  // The account page has it too.
  await menu.click()
  await panelOfMenu.getByRole('link', { name: 'Account and devices' }).click()
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible()
  await menu.click()
  await panelOfMenu.getByRole('button', { name: 'Developer tools' }).click()
  await expect(devtools).toBeVisible()
})

test('Alt+Shift+D toggles the devtools panel on any page, also while typing; Ctrl+Shift+D does not', async ({ alice }) => {
  const listId = await sharedList(alice, 'Party')
  const page = alice.page
  const devtools = page.getByRole('complementary', { name: 'Developer tools' })
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'Your lists' })).toBeVisible({ timeout: 15_000 })
  await page.keyboard.press('Alt+Shift+D')
  await expect(devtools).toBeVisible()
  await page.keyboard.press('Alt+Shift+D')
  await expect(devtools).toBeHidden()

  await alice.openList(listId)
  const field = page.getByLabel('Add an item', { exact: true })
  await field.fill('Balloons')
  await field.press('Alt+Shift+D')
  await expect(devtools).toBeVisible()
  await expect(field).toHaveValue('Balloons')
  await expect(field).toBeFocused()
  await page.keyboard.press('Control+Shift+D')
  await page.keyboard.press('Alt+Shift+D')
  // Had Ctrl+Shift+D toggled, Alt+Shift+D would have opened it again.
  await expect(devtools).toBeHidden()

  // ?devtools=1 still opens it.
  await page.goto(`/lists/${listId}?devtools=1`)
  await expect(devtools).toBeVisible()
})
