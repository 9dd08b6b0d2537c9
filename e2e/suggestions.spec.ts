/**
 * Issue 11, findings 4 and 5: suggestions while adding (a checked item comes
 * back instead of a second row; an item already on the list is pointed out),
 * categories remembered by name and assigned in one action, a new category
 * placed where it was made, and the add field focused on a new list. At a
 * phone's and a desktop's size.
 */
import type { Page } from '@playwright/test'
import { expect, screenshot, seedItems, sharedList, test, type Person } from './fixtures.ts'

const SIZES = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const

const addField = (page: Page) => page.getByRole('combobox', { name: 'Add an item' })

async function newCategory(person: Person, name: string): Promise<void> {
  await person.page.getByRole('button', { name: 'New category' }).click()
  await person.page.getByRole('textbox', { name: 'Category name' }).fill(name)
  await person.page.getByRole('button', { name: 'Add category' }).click()
  await expect(person.page.getByRole('heading', { name: new RegExp(`^${name}`) })).toBeVisible()
}

const group = (person: Person, name: string) => person.page.getByRole('region', { name: new RegExp(`^${name}`) })

async function shot(page: Page, name: string, testInfo: import('@playwright/test').TestInfo): Promise<void> {
  await screenshot(page, name, testInfo)
  await page.screenshot({ path: `/tmp/${name}.png`, animations: 'disabled', caret: 'hide' })
}

for (const size of SIZES) {
  test.describe(`at ${size.width}×${size.height}`, () => {
    test.beforeEach(async ({ alice }) => {
      await alice.page.setViewportSize(size)
    })

    test("suggestion restoring a checked item: typing 'milk' with 'Milk' checked offers it, choosing it unchecks it, no second row", async ({ alice }, testInfo) => {
      const listId = await sharedList(alice, 'Groceries')
      await seedItems(alice, listId, ['Milk', 'Bread', 'Mint'])
      await alice.openList(listId)
      await alice.checkbox('Milk').check()
      await expect(alice.page.locator('.items--checked').getByRole('checkbox', { name: 'Milk' })).toBeChecked()

      const field = addField(alice.page)
      await field.fill('mil')
      await expect(field).toHaveAttribute('aria-expanded', 'true')
      const listbox = alice.page.getByRole('listbox', { name: 'Suggestions' })
      const option = listbox.getByRole('option', { name: /^Milk/ })
      await expect(option).toContainText('checked — bring it back')
      await field.press('ArrowDown')
      await expect(option).toHaveAttribute('aria-selected', 'true')
      await expect(field).toHaveAttribute('aria-activedescendant', (await option.getAttribute('id')) ?? '')
      await shot(alice.page, `suggestions-checked-${size.width}`, testInfo)
      await field.press('Enter')

      await expect(alice.checkbox('Milk')).not.toBeChecked()
      await expect(alice.checkbox('Milk')).toHaveCount(1)
      await expect(alice.page.getByTestId('quick-add-notice')).toContainText('Brought “Milk” back from Checked')
      await expect(field).toHaveValue('')
      await expect(field).toBeFocused()

      // Typed out in full, Enter alone does the same: no second row.
      await alice.checkbox('Milk').check()
      await field.fill('milk')
      await field.press('Enter')
      await expect(alice.checkbox('Milk')).not.toBeChecked()
      await expect(alice.checkbox('Milk')).toHaveCount(1)

      // Escape closes the suggestions.
      await field.fill('mi')
      await expect(listbox).toBeVisible()
      await field.press('Escape')
      await expect(listbox).toBeHidden()
      await expect(field).toHaveAttribute('aria-expanded', 'false')
    })

    test('a duplicate of an open item is pointed out, not added; "Add anyway" adds it', async ({ alice }, testInfo) => {
      const listId = await sharedList(alice, 'Groceries')
      await seedItems(alice, listId, ['Bread', 'Butter'])
      await alice.openList(listId)
      const field = addField(alice.page)
      await field.fill('bread')
      await expect(alice.page.getByRole('option', { name: /^Bread/ })).toContainText('already on the list')
      await field.press('Enter')
      const notice = alice.page.getByTestId('quick-add-notice')
      await expect(notice).toContainText('“Bread” is already on the list')
      await expect(alice.checkbox('Bread')).toHaveCount(1)
      await shot(alice.page, `suggestions-duplicate-${size.width}`, testInfo)
      await notice.getByRole('button', { name: 'Add anyway' }).click()
      await expect(alice.page.getByRole('checkbox', { name: /^bread$/i })).toHaveCount(2)
    })

    test("category remembered: an item deleted or checked from 'Dairy' and added again lands in 'Dairy'; assigning is one action", async ({ alice }, testInfo) => {
      const listId = await sharedList(alice, 'Groceries')
      await seedItems(alice, listId, ['Milk', 'Yoghurt', 'Apples'])
      await alice.openList(listId)
      await newCategory(alice, 'Dairy')
      // One action: the row's category picker.
      await alice.page.getByRole('combobox', { name: 'File Milk under a category' }).selectOption({ label: 'Dairy' })
      await alice.page.getByRole('combobox', { name: 'File Yoghurt under a category' }).selectOption({ label: 'Dairy' })
      await expect(group(alice, 'Dairy').getByRole('checkbox')).toHaveCount(2)

      // Deleted (by anyone: here through the API, whatever the row's layout) and checked.
      const milk = await alice.itemId('Milk')
      expect((await alice.api('DELETE', `/api/lists/${listId}/items/${milk}`)).status).toBe(204)
      await expect(alice.checkbox('Milk')).toHaveCount(0)
      await alice.checkbox('Yoghurt').check()

      const field = addField(alice.page)
      await field.fill('Milk')
      await expect(alice.page.getByRole('option', { name: /^Milk/ })).toContainText('Dairy · had before')
      await field.press('Enter')
      await expect(group(alice, 'Dairy').getByRole('checkbox', { name: 'Milk' })).toBeVisible()

      await field.fill('yoghurt')
      await field.press('Enter')
      await expect(group(alice, 'Dairy').getByRole('checkbox', { name: 'Yoghurt' })).not.toBeChecked()
      await expect(alice.checkbox('Yoghurt')).toHaveCount(1)

      // A new item with no past is added as typed, without a category.
      await alice.addItem('Cheese')
      await expect(group(alice, 'No category').getByRole('checkbox', { name: 'Cheese' })).toBeVisible()
      await shot(alice.page, `suggestions-remembered-${size.width}`, testInfo)
    })

    test('a new category made from an item is placed where it was made, with the item in it', async ({ alice }, testInfo) => {
      const listId = await sharedList(alice, 'Groceries')
      await seedItems(alice, listId, ['Oranges', 'Rolls'])
      await alice.openList(listId)
      await newCategory(alice, 'Fruit')
      await newCategory(alice, 'Bakery')
      await alice.page.getByRole('combobox', { name: 'File Oranges under a category' }).selectOption({ label: 'Fruit' })
      await expect(group(alice, 'Fruit').getByRole('checkbox', { name: 'Oranges' })).toBeVisible()

      await alice.page.getByRole('combobox', { name: 'File Oranges under a category' }).selectOption({ label: 'New category…' })
      const name = alice.page.getByRole('textbox', { name: 'New category for Oranges' })
      await expect(name).toBeFocused()
      await name.fill('Citrus')
      await shot(alice.page, `suggestions-new-category-${size.width}`, testInfo)
      await name.press('Enter')

      await expect(group(alice, 'Citrus').getByRole('checkbox', { name: 'Oranges' })).toBeVisible()
      const headings = await alice.page.locator('.groups .group__title').allTextContents()
      expect(headings.map((heading) => heading.replace(/\s*\d+$/, ''))).toEqual(['No category', 'Fruit', 'Citrus', 'Bakery'])
    })

    test("suggests an item of the person's other list loaded on the device, with where it comes from", async ({ alice }) => {
      const pantry = await sharedList(alice, 'Pantry')
      await seedItems(alice, pantry, ['Olive oil'])
      await sharedList(alice, 'Weekly shop')
      await alice.openList(pantry)
      await expect(alice.checkbox('Olive oil')).toBeVisible()
      // Within the app, so the device keeps Pantry loaded.
      await alice.page.locator('.app-bar__back').click()
      await alice.page.getByRole('link', { name: /^Weekly shop/ }).click()
      await expect(alice.page.getByRole('heading', { name: 'Weekly shop' })).toBeVisible()
      const field = addField(alice.page)
      await field.fill('oli')
      const option = alice.page.getByRole('option', { name: /^Olive oil/ })
      await expect(option).toContainText('from Pantry')
      await option.click()
      await expect(alice.checkbox('Olive oil')).toBeVisible()
      await expect(field).toHaveValue('')
    })

    test('a new list focuses the add field', async ({ alice }) => {
      await alice.page.goto('/')
      await alice.page.getByLabel('New list name').fill('Camping')
      await alice.page.getByRole('button', { name: 'Create list' }).click()
      await expect(alice.page.getByRole('heading', { name: 'Camping' })).toBeVisible()
      await expect(addField(alice.page)).toBeFocused()
      await alice.page.keyboard.type('Tent')
      await alice.page.keyboard.press('Enter')
      await expect(alice.checkbox('Tent')).toBeVisible()
    })
  })
}
