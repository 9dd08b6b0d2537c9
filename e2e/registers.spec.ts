/**
 * Fields whose value is written whole (quantity, category name) write only
 * what the person changed: focused and untouched they follow others'
 * changes, and leaving them writes nothing; a draft the person typed is kept
 * until Enter, leaving, or Escape (which throws it away).
 */
import { expect, seedItems, sharedList, test } from './fixtures.ts'

test('a quantity field focused and unchanged shows another’s new quantity, and leaving it writes nothing', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Breakfast', [[bob, 'editor']])
  await seedItems(alice, listId, ['Eggs'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  const bobQty = bob.quantityField('Eggs')
  // An empty quantity shows once the item is being edited (a click on its name).
  await bob.textField('Eggs').click()
  await bobQty.click()
  const clockBefore = await bob.ownClock()

  await alice.quantityField('Eggs').fill('12')
  await alice.quantityField('Eggs').press('Enter')
  await expect(bobQty).toHaveValue('12')
  await expect(bobQty).toBeFocused()

  await bob.page.getByRole('heading', { level: 1 }).click()
  await expect(bobQty).not.toBeFocused()
  await expect(bob.status()).toHaveText('All changes saved')
  expect(await bob.ownClock()).toBe(clockBefore)
  await expect(alice.quantityField('Eggs')).toHaveValue('12')

  // Once Bob types, his draft stays while Alice changes the value; Escape throws it away.
  await bobQty.click()
  await bobQty.fill('6')
  await alice.quantityField('Eggs').fill('24')
  await alice.quantityField('Eggs').press('Enter')
  await expect(alice.quantityField('Eggs')).toHaveValue('24')
  await expect(bobQty).toHaveValue('6')
  await bobQty.press('Escape')
  await expect(bobQty).toHaveValue('24')
  expect(await bob.ownClock()).toBe(clockBefore)

  // A draft that is kept is written on leaving.
  await bobQty.fill('a dozen')
  await bob.page.getByRole('heading', { level: 1 }).click()
  await expect(alice.quantityField('Eggs')).toHaveValue('a dozen')
})

test('renaming a category: the form follows another’s rename until I type, and Save without typing writes nothing', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Market', [[bob, 'editor']])
  await Promise.all([alice.openList(listId), bob.openList(listId)])
  await alice.page.getByRole('button', { name: 'New category' }).click()
  await alice.page.getByRole('textbox', { name: 'Category name' }).fill('Veg')
  await alice.page.getByRole('button', { name: 'Add category' }).click()
  await expect(bob.page.getByRole('heading', { name: /^Veg/ })).toBeVisible()

  await alice.page.getByRole('button', { name: 'Rename category Veg' }).click()
  const field = alice.page.locator('.group__rename input')
  await expect(field).toHaveValue('Veg')
  await bob.page.getByRole('button', { name: 'Rename category Veg' }).click()
  await bob.page.getByRole('textbox', { name: 'New name for Veg' }).fill('Vegetables')
  await bob.page.getByRole('button', { name: 'Save' }).click()
  await expect(field).toHaveValue('Vegetables')
  const clockBefore = await alice.ownClock()
  await alice.page.getByRole('button', { name: 'Save' }).click()
  await expect(alice.page.getByRole('heading', { name: /^Vegetables/ })).toBeVisible()
  await expect(bob.page.getByRole('heading', { name: /^Vegetables/ })).toBeVisible()
  expect(await alice.ownClock()).toBe(clockBefore)
})
