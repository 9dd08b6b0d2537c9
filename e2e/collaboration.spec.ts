import { deliveryOfNewItem, expect, screenshot, seedItems, sharedList, test } from './fixtures.ts'

test('every kind of change made by A reaches B, and back', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Groceries', [[bob, 'editor']])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  // Add: quick add keeps the field focused for the next item.
  const quickAdd = alice.page.getByRole('combobox', { name: 'Add an item' })
  const milk = await deliveryOfNewItem(alice, bob, 'Milk', async () => {
    await quickAdd.fill('Milk')
    await quickAdd.press('Enter')
  })
  // Every edit reaches everyone within a second.
  expect(milk).toBeLessThan(1000)
  await expect(quickAdd).toBeFocused()
  await expect(quickAdd).toHaveValue('')
  await quickAdd.pressSequentially('Bread')
  await quickAdd.press('Enter')
  expect(await deliveryOfNewItem(alice, bob, 'Eggs', () => alice.addItem('Eggs'))).toBeLessThan(1000)

  // Edit text inline.
  await alice.rename('Milk', 'Oat milk')
  await expect(bob.checkbox('Oat milk')).toBeVisible()

  // Quantity or note, from B.
  await bob.setQuantity('Eggs', '12')
  await expect.poll(() => alice.shownQuantity('Eggs')).toBe('12')

  // Check and uncheck: checked items move to the "Checked" section.
  await bob.checkbox('Bread').check()
  const aliceChecked = alice.page.getByRole('region', { name: /Checked/ })
  await expect(aliceChecked.getByRole('checkbox', { name: 'Bread' })).toBeChecked()
  // The section collapses and opens again.
  await aliceChecked.getByRole('button', { name: /Checked/ }).click()
  await expect(aliceChecked.getByRole('checkbox', { name: 'Bread' })).toBeHidden()
  await aliceChecked.getByRole('button', { name: /Checked/ }).click()
  await alice.checkbox('Bread').uncheck()
  await expect(bob.checkbox('Bread')).not.toBeChecked()
  await expect(bob.page.getByRole('region', { name: /Checked/ })).toHaveCount(0)

  // Delete.
  await alice.page.getByRole('button', { name: 'Delete Eggs' }).click()
  await expect(bob.checkbox('Eggs')).toHaveCount(0)

  // Clear checked (bulk).
  await alice.addItem('Apples')
  await alice.addItem('Pears')
  await alice.checkbox('Apples').check()
  await alice.checkbox('Pears').check()
  await expect(bob.page.getByRole('region', { name: /Checked/ })).toContainText('2')
  await bob.page.getByRole('button', { name: 'Clear checked' }).click()
  await expect(alice.checkbox('Apples')).toHaveCount(0)
  await expect(alice.checkbox('Pears')).toHaveCount(0)

  // Categories: create, assign, rename, delete.
  await alice.page.getByRole('button', { name: 'New category' }).click()
  await alice.page.getByRole('textbox', { name: 'Category name' }).fill('Dairy')
  await alice.page.getByRole('button', { name: 'Add category' }).click()
  await expect(bob.page.getByRole('heading', { name: /^Dairy/ })).toBeVisible()
  await bob.page.getByRole('button', { name: 'Details for Oat milk' }).click()
  await bob.page.getByRole('combobox', { name: 'Category for Oat milk' }).selectOption({ label: 'Dairy' })
  const aliceDairy = alice.page.getByRole('region', { name: /^Dairy/ })
  await expect(aliceDairy.getByRole('checkbox', { name: 'Oat milk' })).toBeVisible()
  await alice.page.getByRole('button', { name: 'Rename category Dairy' }).click()
  await alice.page.getByRole('textbox', { name: 'New name for Dairy' }).fill('Fridge')
  await alice.page.getByRole('button', { name: 'Save' }).click()
  await expect(bob.page.getByRole('region', { name: /^Fridge/ }).getByRole('checkbox', { name: 'Oat milk' })).toBeVisible()
  await bob.page.getByRole('button', { name: 'Delete category Fridge' }).click()
  await expect(alice.page.getByRole('heading', { name: /^Fridge/ })).toHaveCount(0)
  await expect(alice.checkbox('Oat milk')).toBeVisible()

  // Reorder by keyboard (Alt+↓ on the grip) and by dragging.
  await alice.addItem('Cheese')
  await expect.poll(() => bob.itemOrder()).toEqual(['Oat milk', 'Bread', 'Cheese'])
  await alice.page.getByRole('button', { name: 'Move Oat milk' }).focus()
  await alice.page.keyboard.press('Alt+ArrowDown')
  await expect.poll(() => bob.itemOrder()).toEqual(['Bread', 'Oat milk', 'Cheese'])
  await expect(alice.page.getByRole('button', { name: 'Move Oat milk' })).toBeFocused()

  const grip = bob.page.getByRole('button', { name: 'Move Cheese' })
  const target = bob.row('Bread')
  const from = await grip.boundingBox()
  const to = await target.boundingBox()
  if (!from || !to) throw new Error('rows not laid out')
  await bob.page.mouse.move(from.x + from.width / 2, from.y + from.height / 2)
  await bob.page.mouse.down()
  await bob.page.mouse.move(from.x + from.width / 2, to.y + 4, { steps: 12 })
  await bob.page.mouse.move(from.x + from.width / 2, to.y + 2, { steps: 2 })
  await bob.page.mouse.up()
  await expect.poll(() => alice.itemOrder()).toEqual(['Cheese', 'Bread', 'Oat milk'])
  await expect.poll(() => bob.itemOrder()).toEqual(['Cheese', 'Bread', 'Oat milk'])
})

test('presence: avatars, the focused item, and "is typing…"', async ({ alice, bob }, testInfo) => {
  const listId = await sharedList(alice, 'Weekend', [[bob, 'editor']])
  await seedItems(alice, listId, ['Milk', 'Coffee', 'Tomatoes'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  const people = alice.page.getByRole('list', { name: 'On this list now' })
  await expect(people.getByRole('img', { name: 'Bob Baker' })).toBeVisible()
  await expect(people.getByRole('img', { name: 'Bob Baker' })).toHaveText('BB')

  await bob.editName('Coffee')
  await expect(alice.row('Coffee')).toHaveAttribute('data-focused-by', 'Bob Baker')
  await expect(alice.row('Coffee').locator('.peer-tag')).toHaveText('Bob Baker')
  await expect(people.getByRole('img', { name: 'Bob Baker, on “Coffee”' })).toBeVisible()

  await bob.page.keyboard.press('End')
  await bob.page.keyboard.type(' beans', { delay: 30 })
  const typing = alice.page.getByText('Bob Baker is typing…')
  await expect(typing).toBeVisible()
  await screenshot(alice.page, 'list-with-presence', testInfo)
  // Stops by itself after a few idle seconds...
  await expect(typing).toBeHidden({ timeout: 6000 })
  // ...and at once on blur.
  await bob.page.keyboard.type('!')
  await expect(typing).toBeVisible()
  await bob.page.getByRole('combobox', { name: 'Add an item' }).focus()
  await expect(alice.page.getByText('Bob Baker is typing…')).toBeHidden({ timeout: 1000 })
  await expect(alice.row('Coffee beans!')).not.toHaveAttribute('data-focused-by')

  // Gone from the list, gone from the avatars.
  await bob.page.goto('/')
  await expect(people.getByRole('img', { name: /Bob Baker/ })).toHaveCount(0)
})

test('undo undoes only my own change', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Chores', [[bob, 'editor']])
  await seedItems(alice, listId, ['Laundry', 'Dishes'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  await alice.checkbox('Laundry').check()
  await expect(bob.checkbox('Laundry')).toBeChecked()
  await bob.rename('Dishes', 'Dishes and pans')
  await bob.addItem('Vacuum')
  await expect(alice.checkbox('Vacuum')).toBeVisible()
  await expect(alice.checkbox('Dishes and pans')).toBeVisible()

  // Alice's Ctrl+Z undoes her check, not Bob's later edits.
  await alice.page.locator('body').click({ position: { x: 5, y: 300 } })
  await alice.page.keyboard.press('Control+z')
  await expect(alice.checkbox('Laundry')).not.toBeChecked()
  await expect(bob.checkbox('Laundry')).not.toBeChecked()
  await expect(alice.checkbox('Dishes and pans')).toBeVisible()
  await expect(alice.checkbox('Vacuum')).toBeVisible()
  await expect(bob.checkbox('Vacuum')).toBeVisible()
  // Nothing more of hers to undo.
  await expect(alice.page.getByRole('button', { name: 'Undo' })).toBeDisabled()

  await alice.page.keyboard.press('Control+Shift+z')
  await expect(bob.checkbox('Laundry')).toBeChecked()

  // Bob's undo takes back his last change only.
  await bob.page.getByRole('button', { name: 'Undo' }).click()
  await expect(alice.checkbox('Vacuum')).toHaveCount(0)
  await expect(alice.checkbox('Laundry')).toBeChecked()
  await expect(alice.checkbox('Dishes and pans')).toBeVisible()
  await expect(bob.status()).toHaveText('All changes saved')
})

test.describe('with the network under control', () => {
  test.use({ controlNetwork: true })

  test('status: "Syncing…" until the server stores the change, then "All changes saved"; "Offline…" when cut off', async ({ alice }) => {
    const listId = await sharedList(alice, 'Status')
    await alice.openList(listId)

    alice.net.holdAcks()
    await alice.addItem('Batteries')
    await expect(alice.status()).toHaveText('Syncing 1 change…')
    await alice.addItem('Tape')
    await expect(alice.status()).toHaveText('Syncing 2 changes…')
    alice.net.releaseAcks()
    await expect(alice.status()).toHaveText('All changes saved')

    await alice.net.goOffline()
    await expect(alice.status()).toContainText('Offline — changes kept on this device')
    await alice.addItem('Rope')
    await expect(alice.status()).toContainText('1 change waiting to sync')
    await alice.net.goOnline()
    await expect(alice.status()).toHaveText('All changes saved')
  })
})
