/**
 * Screenshots for people reviewing the UI (test-results/screenshots/, also
 * attached to the report): every screen at a phone's 390 px and a laptop's
 * 1280 px in the light and the dark colour scheme (at the end), and the list
 * page's states this client adds or changed: the Undo toast, an emptied item,
 * "deleted by someone else", the category rename form, the clock notice, and
 * the banners of refused writes. Each is also checked to be on screen and to fit.
 */
import { WriteRule, writeRejection } from '../shared/protocol.ts'
import { expect, screenshot, seedItems, sharedList, test } from './fixtures.ts'
import { tourEveryScreen } from './tour.ts'

test.use({ controlNetwork: true })

for (const width of [390, 1280]) {
  test(`list page states at ${width} px`, async ({ alice }, testInfo) => {
    const page = alice.page
    await page.setViewportSize({ width, height: 820 })
    const listId = await sharedList(alice, 'Weekly groceries')
    await seedItems(alice, listId, ['Olive oil (extra virgin)', 'Sourdough bread', 'Tomatoes', 'Greek yoghurt'])
    await alice.openList(listId)
    // A phone's rows: a tap checks, Edit opens the name and the details; a laptop's: the name itself, and ⋯.
    const phone = width < 561
    const details = (name: string) => page.getByRole('button', { name: phone ? `Edit ${name}` : `Details for ${name}`, exact: true })
    await page.getByRole('button', { name: 'New category' }).click()
    await page.getByRole('textbox', { name: 'Category name' }).fill('Dairy')
    await page.getByRole('button', { name: 'Add category' }).click()
    await details('Greek yoghurt').click()
    await page.getByRole('combobox', { name: 'Category for Greek yoghurt' }).selectOption({ label: 'Dairy' })
    await expect(page.getByRole('region', { name: /^Dairy/ }).getByRole('checkbox', { name: 'Greek yoghurt' })).toBeVisible()
    const fits = async () => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)

    // Typing in an item.
    const oilId = await alice.itemId('Olive oil (extra virgin)')
    if (phone) await details('Olive oil (extra virgin)').click()
    else await alice.row('Olive oil (extra virgin)').locator('.item-row__text').click()
    await expect(alice.textFieldOf(oilId)).toBeFocused()
    await screenshot(page, `text-field-focused-${width}`, testInfo)

    // Deleting: the Undo toast.
    await page.getByRole('heading', { level: 1 }).click()
    await details('Tomatoes').click()
    await alice.row('Tomatoes').getByRole('button', { name: 'Delete item' }).click()
    const toast = page.locator('.toast')
    await expect(toast).toContainText('Deleted “Tomatoes”')
    await fits()
    await screenshot(page, `undo-toast-${width}`, testInfo)
    await toast.getByRole('button', { name: 'Undo' }).click()
    await expect(alice.checkbox('Tomatoes')).toBeVisible()

    // An item whose text someone else emptied shows a placeholder.
    const breadId = await alice.itemId('Sourdough bread')
    await page.evaluate((id) => {
      const handle = window.colist
      if (handle && 'doc' in handle) handle.list.editItemText(handle.doc, id, (text) => text.delete(0, text.length))
    }, breadId)
    await expect(page.getByRole('checkbox', { name: 'Empty item' })).toBeVisible()
    await screenshot(page, `empty-item-${width}`, testInfo)

    // Deleted by someone else while I type in it.
    if (phone) await details('Olive oil (extra virgin)').click()
    else await alice.row('Olive oil (extra virgin)').locator('.item-row__text').click()
    await expect(alice.textFieldOf(oilId)).toBeFocused()
    await page.keyboard.press('End')
    await page.evaluate((id) => {
      const handle = window.colist
      if (handle && 'doc' in handle) handle.list.removeItem(handle.doc, id)
    }, oilId)
    await expect(toast).toContainText('was deleted by someone else')
    await fits()
    await screenshot(page, `deleted-by-someone-else-${width}`, testInfo)
    await toast.getByRole('button', { name: 'Restore' }).click()

    // Renaming a category.
    await page.getByRole('button', { name: 'Rename category Dairy' }).click()
    await expect(page.getByRole('textbox', { name: 'New name for Dairy' })).toHaveValue('Dairy')
    await fits()
    await screenshot(page, `category-rename-${width}`, testInfo)
    await page.getByRole('button', { name: 'Cancel' }).click()

    // Refused writes.
    await alice.net.refuseWrites(writeRejection(WriteRule.ClockSkew, 'a timestamp is too far ahead'))
    await expect(page.getByRole('alert')).toBeVisible()
    await fits()
    await screenshot(page, `refused-clock-skew-${width}`, testInfo)
    await page.getByRole('alert').getByRole('button', { name: 'Try again' }).click()
    await expect(alice.status()).toHaveText('All changes saved')
    await alice.net.refuseWrites(writeRejection(WriteRule.RemovedEntry, 'v1-style deletion'))
    await expect(page.getByRole('alert')).toBeVisible()
    await screenshot(page, `refused-outdated-${width}`, testInfo)
    await page.getByRole('alert').getByRole('button', { name: 'Reload' }).click()
    await expect(alice.status()).toHaveText('All changes saved', { timeout: 15_000 })
    alice.net.holdAcks()
    await alice.addItem('Glue')
    await alice.net.refuseWrites(writeRejection(WriteRule.FieldTooLong, 'text too long'))
    await expect(page.getByRole('alert')).toContainText("Colist couldn't save a change")
    alice.net.releaseAcks()
    await expect(alice.status()).toHaveText('All changes saved', { timeout: 15_000 })
    await fits()
    await screenshot(page, `refused-invalid-${width}`, testInfo)

    // A device clock 7 minutes ahead.
    const skewed = await alice.context.newPage()
    await skewed.setViewportSize({ width, height: 820 })
    await skewed.addInitScript(() => {
      const deviceNow = Date.now
      Date.now = () => deviceNow() + 7 * 60_000
    })
    await page.close()
    await skewed.goto(`/lists/${listId}`)
    await expect(skewed.getByTestId('clock-notice')).toBeVisible({ timeout: 15_000 })
    await screenshot(skewed, `clock-notice-${width}`, testInfo)
  })
}

/**
 * Every screen (tour.ts: sign-up, log-in, lists, a list with categories and
 * checked items, share dialog, activity, account menu, devtools panel,
 * account page) on a 390 × 844 phone and a 1280 × 800 laptop, each in the
 * light and the dark colour scheme: test-results/screenshots/<screen>-<width>-<light|dark>.png.
 */
test.describe('every screen', () => {
  test.use({ controlNetwork: false })

  for (const viewport of [
    { width: 390, height: 844 },
    { width: 1280, height: 800 },
  ]) {
    test(`every screen at ${viewport.width} px, light and dark`, async ({ browser, baseURL, alice, bob }, testInfo) => {
      test.setTimeout(150_000)
      await tourEveryScreen({ browser, baseURL, owner: alice, partner: bob, viewport }, async (page, name) => {
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme })
          await expect.poll(() => page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toBe(colorScheme)
          expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} fits ${viewport.width} px`).toBeLessThanOrEqual(viewport.width)
          await screenshot(page, `${name}-${viewport.width}-${colorScheme}`, testInfo)
        }
      })
    })
  }
})
