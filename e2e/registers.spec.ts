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

  // A row's fields show while it is edited.
  const bobQty = await bob.editQuantity('Eggs')
  const clockBefore = await bob.ownClock()

  const aliceQty = await alice.editQuantity('Eggs')
  await aliceQty.fill('12')
  await aliceQty.press('Enter')
  await expect(bobQty).toHaveValue('12')
  await expect(bobQty).toBeFocused()

  await bob.page.getByRole('heading', { level: 1 }).click()
  await expect(bobQty).toHaveCount(0)
  await expect(bob.status()).toHaveText('All changes saved')
  expect(await bob.ownClock()).toBe(clockBefore)
  await expect(aliceQty).toHaveValue('12')

  // Once Bob types, his draft stays while Alice changes the value; Escape throws it away.
  await bob.editQuantity('Eggs')
  await bobQty.fill('6')
  await aliceQty.fill('24')
  await aliceQty.press('Enter')
  await expect(aliceQty).toHaveValue('24')
  await expect(bobQty).toHaveValue('6')
  await bobQty.press('Escape')
  await expect.poll(() => bob.shownQuantity('Eggs')).toBe('24')
  expect(await bob.ownClock()).toBe(clockBefore)

  // A draft that is kept is written on leaving.
  await bob.editQuantity('Eggs')
  await bobQty.fill('a dozen')
  await bob.page.getByRole('heading', { level: 1 }).click()
  await expect(aliceQty).toHaveValue('a dozen')
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
