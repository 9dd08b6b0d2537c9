/**
 * Issue 11, findings 1, 2, 7 and 8: the list page's rows at a phone's and a
 * laptop's size. A tap on the row checks the item (with a pressed state);
 * editing is explicit (the name itself with a mouse on a wide screen, the
 * Edit button on a phone); long names wrap; every delete and Clear checked
 * has an Undo bar that takes back exactly that; the keyboard reaches
 * everything with one tab stop per row and keeps focus on the item or its
 * neighbour; the log-in-again dialog opens on the password.
 */
import type { Locator, Page } from '@playwright/test'
import { expect, screenshot, seedItems, sharedList, storedSession, test, type Person } from './fixtures.ts'

const SIZES = [
  { width: 390, height: 844, phone: true },
  { width: 1280, height: 800, phone: false },
] as const

const LONG_NAME = 'Gluten-free sourdough loaf, sliced thin, from the corner bakery'

/** The element that has focus, described the way a test names it. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null
    if (!active) return 'nothing'
    const label = active.getAttribute('aria-label') ?? active.textContent?.trim() ?? ''
    const role = active instanceof HTMLInputElement && active.type === 'checkbox' ? 'checkbox' : active.tagName.toLowerCase()
    return `${role} ${label}`
  })
}

/**
 * The middle of what `locator` shows. Polled: a row's name is text in the board's first frame and its
 * field a frame later (rows-painted.ts), and the element found first may be gone when it is measured.
 */
async function center(locator: Locator): Promise<{ x: number; y: number }> {
  let box: Awaited<ReturnType<Locator['boundingBox']>> = null
  await expect.poll(async () => (box = await locator.boundingBox()) !== null, { message: 'on screen' }).toBe(true)
  const { x, y, width, height } = box!
  return { x: x + width / 2, y: y + height / 2 }
}

const background = (locator: Locator) => locator.evaluate((element) => getComputedStyle(element).backgroundColor)

async function deleteItem(person: Person, name: string, phone: boolean): Promise<void> {
  if (phone) {
    // On a phone, delete lives in the item's details, which its Edit button shows.
    await person.page.getByRole('button', { name: `Edit ${name}`, exact: true }).click()
    await person.row(name).getByRole('button', { name: 'Delete item' }).click()
  } else {
    await person.page.getByRole('button', { name: `Delete ${name}`, exact: true }).click()
  }
}

for (const size of SIZES) {
  test.describe(`at ${size.width} px`, () => {
    test.beforeEach(async ({ alice }) => {
      await alice.page.setViewportSize({ width: size.width, height: size.height })
    })

    test('a tap on the row checks it, with a pressed state; editing is explicit; a long name wraps', async ({ alice }, testInfo) => {
      const page = alice.page
      const listId = await sharedList(alice, 'Groceries')
      await seedItems(alice, listId, ['Milk', LONG_NAME, 'Eggs'])
      await alice.openList(listId)

      // Where a thumb lands on a phone: the name. With a mouse on a wide screen the name edits,
      // so the tap goes to the row beside it.
      const milk = alice.row('Milk')
      const body = milk.locator('.item-row__body')
      const bodyBox = await body.boundingBox()
      if (!bodyBox) throw new Error('no row')
      const spot = size.phone ? await center(milk.locator('.item-row__text')) : { x: bodyBox.x + bodyBox.width - 8, y: bodyBox.y + bodyBox.height / 2 }
      const main = milk.locator('.item-row__main')
      await page.mouse.move(1, 1)
      const resting = await background(main)
      await page.mouse.move(spot.x, spot.y)
      await page.mouse.down()
      const pressed = await background(main)
      expect(pressed).not.toBe(resting)
      expect(pressed).not.toBe('rgba(0, 0, 0, 0)')
      await page.mouse.up()
      await expect(alice.checkbox('Milk')).toBeChecked()
      await expect(page.getByRole('region', { name: /^Checked/ }).getByRole('checkbox', { name: 'Milk' })).toBeChecked()
      // Checked looks checked: a filled box and a struck-through name.
      const checkedRow = alice.row('Milk')
      await expect(checkedRow).toHaveClass(/item-row--checked/)
      expect(await checkedRow.locator('.item-row__text').evaluate((element) => getComputedStyle(element).textDecorationLine)).toContain('line-through')
      expect(await background(checkedRow.locator('.item-row__box'))).not.toBe(await background(alice.row('Eggs').locator('.item-row__box')))
      // No keyboard opened, nothing to edit: the name did not take focus.
      await expect(checkedRow.locator('.item-row__text')).not.toBeFocused()

      // Tapping it again unchecks it.
      const again = size.phone ? await center(checkedRow.locator('.item-row__text')) : await center(checkedRow.locator('.item-row__check'))
      await page.mouse.click(again.x, again.y)
      await expect(alice.checkbox('Milk')).not.toBeChecked()

      // Editing: the Edit button on a phone, the name itself with a mouse.
      const eggsText = alice.textField('Eggs')
      if (size.phone) await page.getByRole('button', { name: 'Edit Eggs', exact: true }).click()
      else await alice.row('Eggs').locator('.item-row__text').click()
      await expect(eggsText).toBeFocused()
      // At rest the name is text; a click on it puts the caret where it landed (its middle), in the field that takes its place.
      if (!size.phone) expect(await eggsText.evaluate((field: HTMLTextAreaElement) => [field.selectionStart, field.selectionEnd])).toEqual([2, 2])
      await page.keyboard.press('End')
      await page.keyboard.type(' (6)')
      await expect(alice.checkbox('Eggs (6)')).toBeVisible()
      await expect(alice.checkbox('Eggs (6)')).not.toBeChecked()
      if (size.phone) {
        // The quantity field shows while editing, under the name.
        await alice.quantityField('Eggs (6)').fill('2 packs')
        await alice.quantityField('Eggs (6)').press('Enter')
      }
      await screenshot(page, `rows-editing-${size.width}`, testInfo)
      await page.getByRole('heading', { level: 1 }).click()
      if (size.phone) await expect(alice.row('Eggs (6)').locator('.item-row__qty')).toHaveText('2 packs')

      // The long name: all of it shows, wrapped, nothing cut.
      const long = alice.row(LONG_NAME).locator('.item-row__text')
      await expect(long).toHaveText(LONG_NAME)
      const fit = await long.evaluate((element) => {
        const style = getComputedStyle(element)
        return {
          overflowsSideways: element.scrollWidth > element.clientWidth + 1,
          overflowsDown: element.scrollHeight > element.clientHeight + 1,
          lines: Math.round((element.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)) / parseFloat(style.lineHeight)),
          ellipsis: style.textOverflow === 'ellipsis',
        }
      })
      expect(fit).toMatchObject({ overflowsSideways: false, overflowsDown: false, ellipsis: false })
      if (size.phone) expect(fit.lines).toBeGreaterThanOrEqual(2)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width)
      await screenshot(page, `rows-${size.width}`, testInfo)
      await page.screenshot({ path: `/tmp/rows-${size.width}.png` })
    })

    test('every delete and Clear checked shows an Undo bar that takes back exactly that', async ({ alice }, testInfo) => {
      const page = alice.page
      const listId = await sharedList(alice, 'Groceries')
      await seedItems(alice, listId, ['Milk', 'Eggs', 'Bread', 'Apples', 'Pears'])
      await alice.openList(listId)
      const toast = page.locator('.toast')

      // Two deletes in a row: Undo takes back the second, the first stays deleted.
      await deleteItem(alice, 'Milk', size.phone)
      await expect(toast).toContainText('Deleted “Milk”')
      await deleteItem(alice, 'Eggs', size.phone)
      await expect(toast).toContainText('Deleted “Eggs”')
      await screenshot(page, `undo-bar-${size.width}`, testInfo)
      await page.screenshot({ path: `/tmp/undo-bar-${size.width}.png` })
      await toast.getByRole('button', { name: 'Undo' }).click()
      await expect(alice.checkbox('Eggs')).toBeVisible()
      await expect(alice.checkbox('Milk')).toHaveCount(0)
      expect(await alice.itemOrder()).toEqual(['Eggs', 'Bread', 'Apples', 'Pears'])

      // Clear checked: the checked ones go, and Undo brings back those, checked.
      await alice.checkbox('Bread').check()
      await alice.checkbox('Apples').check()
      await screenshot(page, `checked-section-${size.width}`, testInfo)
      await page.screenshot({ path: `/tmp/checked-section-${size.width}.png` })
      await page.getByRole('button', { name: 'Clear checked' }).click()
      await expect(toast).toContainText('Cleared 2 checked items')
      await expect(alice.checkbox('Bread')).toHaveCount(0)
      await toast.getByRole('button', { name: 'Undo' }).click()
      await expect(alice.checkbox('Bread')).toBeChecked()
      await expect(alice.checkbox('Apples')).toBeChecked()
      await expect(alice.checkbox('Milk')).toHaveCount(0)
      expect(await alice.itemOrder()).toEqual(['Eggs', 'Pears'])

      // Delete category: its items stay; Undo brings the category back with them in it.
      await page.getByRole('button', { name: 'New category' }).click()
      await page.getByRole('textbox', { name: 'Category name' }).fill('Fruit')
      await page.getByRole('button', { name: 'Add category' }).click()
      await page.getByRole('combobox', { name: 'File Pears under a category' }).selectOption({ label: 'Fruit' })
      const fruit = page.getByRole('region', { name: /^Fruit/ })
      await expect(fruit.getByRole('checkbox', { name: 'Pears' })).toBeVisible()
      await page.getByRole('button', { name: 'Delete category Fruit' }).click()
      await expect(toast).toContainText('Deleted category “Fruit”')
      await expect(fruit).toHaveCount(0)
      await expect(alice.checkbox('Pears')).toBeVisible()
      await toast.getByRole('button', { name: 'Undo' }).click()
      await expect(fruit.getByRole('checkbox', { name: 'Pears' })).toBeVisible()
      // Undo gave focus back to what came back, not to the top of the page.
      await expect(fruit.getByRole('checkbox', { name: 'Pears' })).toBeFocused()
      await expect(alice.status()).toHaveText('All changes saved')
      const stored = await alice.api('GET', `/api/lists/${listId}/items`)
      expect((stored.body as { items: Array<{ text: string }> }).items.map((item) => item.text).sort()).toEqual(['Apples', 'Bread', 'Eggs', 'Pears'])
    })

    test('keyboard only: one tab stop per row, arrows between rows, focus stays near the item after check, move and delete', async ({ alice }) => {
      const page = alice.page
      const listId = await sharedList(alice, 'Groceries')
      await seedItems(alice, listId, ['Milk', 'Eggs', 'Bread'])
      await alice.openList(listId)

      // Add, and the add field keeps focus.
      const add = page.getByRole('combobox', { name: 'Add an item' })
      await add.focus()
      await page.keyboard.type('Butter')
      await page.keyboard.press('Enter')
      await expect(alice.checkbox('Butter')).toBeVisible()
      await expect(add).toBeFocused()

      // From the add field, Tab reaches the rows, one stop each.
      await page.keyboard.press('Escape')
      await page.keyboard.press('Tab')
      await expect(alice.checkbox('Milk')).toBeFocused()
      for (const next of ['Eggs', 'Bread', 'Butter']) {
        await page.keyboard.press('Tab')
        await expect(alice.checkbox(next)).toBeFocused()
      }
      await page.keyboard.press('Tab')
      expect(await focused(page)).not.toMatch(/^checkbox|Milk|Eggs|Bread|Butter/)

      // Arrows move between rows.
      await alice.checkbox('Butter').focus()
      await page.keyboard.press('ArrowUp')
      await expect(alice.checkbox('Bread')).toBeFocused()
      await page.keyboard.press('Home')
      await expect(alice.checkbox('Milk')).toBeFocused()
      await page.keyboard.press('ArrowDown')
      await expect(alice.checkbox('Eggs')).toBeFocused()

      // The row's actions are inside it: → reaches them, Escape comes back.
      await page.keyboard.press('ArrowRight')
      expect(await focused(page)).toMatch(/Eggs/)
      expect(await focused(page)).not.toMatch(/^checkbox/)
      await page.keyboard.press('Escape')
      await expect(alice.checkbox('Eggs')).toBeFocused()

      // Enter edits the name; Escape comes back to the row.
      await page.keyboard.press('Enter')
      await expect(alice.textField('Eggs')).toBeFocused()
      await page.keyboard.press('Escape')
      await expect(alice.checkbox('Eggs')).toBeFocused()

      // Check with Space: focus stays in the list, on the row that took its place.
      await page.keyboard.press('Space')
      await expect(alice.checkbox('Eggs')).toBeChecked()
      await expect(alice.checkbox('Bread')).toBeFocused()

      // Move with Alt+↑: the item moves, focus stays on it.
      await page.keyboard.press('Alt+ArrowUp')
      await expect.poll(() => alice.itemOrder()).toEqual(['Bread', 'Milk', 'Butter'])
      await expect(alice.checkbox('Bread')).toBeFocused()

      // Delete with the Delete key: the Undo bar says so, focus goes to the neighbour.
      await page.keyboard.press('Delete')
      await expect(page.locator('.toast')).toContainText('Deleted “Bread”')
      await expect(alice.checkbox('Bread')).toHaveCount(0)
      await expect(alice.checkbox('Milk')).toBeFocused()

      // Ctrl+Z takes the delete back too.
      await page.keyboard.press('Control+z')
      await expect(alice.checkbox('Bread')).toBeVisible()
    })

    test('the log-in-again dialog opens on the password field', async ({ alice }) => {
      const listId = await sharedList(alice, 'Errands')
      await seedItems(alice, listId, ['Post office'])
      await alice.openList(listId)
      // The session ends elsewhere (log out everywhere on another device).
      const ended = await alice.api('POST', '/api/auth/logout-all')
      expect(ended.status).toBe(200)
      const dialog = alice.page.getByRole('dialog', { name: 'Log in again' })
      await expect(dialog).toBeVisible()
      await expect(dialog.getByLabel(`Password for ${alice.account.email}`)).toBeFocused()
    })
  })
}

test('on a touch screen a tap checks and a long press edits', async ({ alice, browser, baseURL }) => {
  const listId = await sharedList(alice, 'Groceries')
  await seedItems(alice, listId, ['Milk', 'Eggs'])
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    storageState: { cookies: [], origins: [{ origin: baseURL ?? '', localStorage: [{ name: 'colist:session', value: storedSession(alice.account) }] }] },
  })
  try {
    const page = await context.newPage()
    await page.goto(`/lists/${listId}`)
    const status = page.getByRole('status').and(page.getByTestId('sync-status'))
    await expect(status).toContainText('All changes saved', { timeout: 15_000 })
    const row = (name: string) => page.locator('li.item-row').filter({ has: page.getByRole('checkbox', { name, exact: true }) })

    // A tap on the name checks.
    const milk = await center(row('Milk').locator('.item-row__text'))
    await page.touchscreen.tap(milk.x, milk.y)
    await expect(page.getByRole('checkbox', { name: 'Milk', exact: true })).toBeChecked()

    // A long press on the name edits it: held until the row says so, then let go.
    const eggs = row('Eggs')
    const at = await center(eggs.locator('.item-row__text'))
    const touch = await context.newCDPSession(page)
    await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: at.x, y: at.y }] })
    await expect(eggs).toHaveClass(/item-row--held/)
    await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
    await expect(page.getByRole('textbox', { name: 'Edit Eggs', exact: true })).toBeFocused()
    await expect(page.getByRole('checkbox', { name: 'Eggs', exact: true })).not.toBeChecked()
    await page.keyboard.type(' ×12')
    await expect(page.getByRole('checkbox', { name: 'Eggs ×12', exact: true })).toBeVisible()
    await expect(page.getByRole('checkbox', { name: 'Eggs ×12', exact: true })).not.toBeChecked()
  } finally {
    await context.close()
  }
})

test('the tab names the list; a list whose access was revoked shows only that', async ({ alice, bob }, testInfo) => {
  const listId = await sharedList(alice, 'Holiday packing', [[bob, 'editor']])
  await seedItems(alice, listId, ['Passport'])
  await bob.openList(listId)
  await expect(bob.page).toHaveTitle('Holiday packing – Colist')
  const removed = await alice.api('DELETE', `/api/lists/${listId}/members/${bob.account.id}`)
  expect(removed.status).toBe(204)
  await expect(bob.page.getByRole('alert')).toContainText('You no longer have access to this list')
  await expect(bob.page.getByRole('heading', { level: 1 })).toHaveText('You no longer have access to this list')
  await expect(bob.page.getByText('This list is empty')).toHaveCount(0)
  await expect(bob.page.getByText('Untitled list')).toHaveCount(0)
  await expect(bob.page.getByRole('checkbox')).toHaveCount(0)
  await expect(bob.page).toHaveTitle('You no longer have access to this list – Colist')
  await screenshot(bob.page, 'list-access-revoked', testInfo)
  await bob.page.screenshot({ path: '/tmp/list-access-revoked.png' })
})

test('right-to-left names read right to left; a paste cut to the limit says so', async ({ alice }) => {
  const page = alice.page
  const listId = await sharedList(alice, 'Mixed')
  await seedItems(alice, listId, ['חלב', 'Bread'])
  await alice.openList(listId)
  // At rest and while edited.
  const hebrew = alice.row('חלב').locator('.item-row__text')
  await expect(hebrew).toHaveAttribute('dir', 'auto')
  expect(await hebrew.evaluate((element) => element.matches(':dir(rtl)'))).toBe(true)
  const hebrewField = await alice.editName('חלב')
  await expect(hebrewField).toHaveAttribute('dir', 'auto')
  expect(await hebrewField.evaluate((element) => element.matches(':dir(rtl)'))).toBe(true)
  await expect(alice.quantityField('חלב')).toHaveAttribute('dir', 'auto')
  await page.keyboard.press('Escape')

  const breadId = await alice.itemId('Bread')
  const bread = await alice.editNameOf(breadId)
  const long = 'x'.repeat(3000)
  await page.evaluate((text) => {
    const field = document.activeElement as HTMLTextAreaElement
    const data = new DataTransfer()
    data.setData('text/plain', text)
    field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, long)
  await expect(page.locator(`li[data-item-id="${breadId}"]`).getByRole('status')).toContainText('Only the first 1,995 characters were pasted')
  await expect(bread).toHaveValue(`Bread${'x'.repeat(1995)}`)
})

test('the add field, the new list and category names read right to left too; a paste into the add field cut to the limit says so', async ({ alice }) => {
  const page = alice.page
  await page.goto('/')
  await expect(page.locator('#new-list-title')).toHaveAttribute('dir', 'auto')
  const listId = await sharedList(alice, 'Paste')
  await alice.openList(listId)
  const add = page.getByRole('combobox', { name: /add an item/i })
  await expect(add).toHaveAttribute('dir', 'auto')
  await add.click()
  await page.evaluate((text) => {
    const field = document.activeElement as HTMLInputElement
    const data = new DataTransfer()
    data.setData('text/plain', text)
    field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, 'y'.repeat(3000))
  await expect(page.getByTestId('quick-add-paste-cut')).toContainText('Only the first 2,000 characters were pasted')
  await expect(add).toHaveValue('y'.repeat(2000))
})
