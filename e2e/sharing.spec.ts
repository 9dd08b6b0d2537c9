import { expect, screenshot, seedItems, sharedList, test } from './fixtures.ts'

test('a viewer gets a read-only list; a write forced through window.colist is applied nowhere', async ({ alice, bob }, testInfo) => {
  const listId = await sharedList(alice, 'Baking', [[bob, 'viewer']])
  await seedItems(alice, listId, ['Flour', 'Sugar'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  const { page } = bob
  await expect(page.getByText('View only.')).toBeVisible()
  await expect(page.getByRole('combobox', { name: 'Add an item' })).toHaveCount(0)
  await expect(bob.checkbox('Flour')).toBeDisabled()
  // A viewer's rows have no fields: names are text, and Enter on a row edits nothing.
  await bob.checkbox('Flour').press('Enter')
  await expect(bob.row('Flour').locator('textarea')).toHaveCount(0)
  await expect(bob.checkbox('Flour')).toBeFocused()
  await expect(page.getByRole('button', { name: 'Delete Flour' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Move Flour' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Undo' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'New category' })).toHaveCount(0)

  await page.evaluate(() => {
    const handle = window.colist
    if (!handle || !('doc' in handle)) throw new Error('no list open')
    handle.list.addItem(handle.doc, { text: 'Forced item', createdBy: handle.user.id })
  })
  await expect(page.getByRole('alert')).toContainText('You can only view this list. Your change was not saved')
  await expect(bob.checkbox('Forced item')).toHaveCount(0)
  await expect(bob.status()).toHaveText('All changes saved')
  await screenshot(page, 'viewer-refused-write', testInfo)

  // Something Alice adds after it arrives; the forced item never does, and the server does not keep it.
  await alice.addItem('Butter')
  await expect(bob.checkbox('Butter')).toBeVisible()
  await expect(alice.checkbox('Forced item')).toHaveCount(0)
  const stored = await alice.api('GET', `/api/lists/${listId}/items`)
  expect((stored.body as { items: Array<{ text: string }> }).items.map((item) => item.text)).toEqual(['Flour', 'Sugar', 'Butter'])
  // Nor does it come back from the device after a reload.
  await page.reload()
  await expect(bob.checkbox('Butter')).toBeVisible()
  await expect(bob.checkbox('Forced item')).toHaveCount(0)
})

test('a viewer reconnecting to a list with deletions in it is not refused anything', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Reading list', [[bob, 'viewer']])
  await seedItems(alice, listId, ['Dune', 'Emma', 'Ulysses'])
  await alice.openList(listId)
  await alice.page.getByRole('button', { name: 'Delete Emma' }).click()
  await alice.setQuantity('Dune', 'vol. 1')
  await expect(alice.status()).toHaveText('All changes saved')

  await bob.openList(listId)
  await bob.page.reload()
  await expect(bob.status()).toHaveText('All changes saved', { timeout: 15_000 })
  // Bob's side of the sync went before this change, so a refusal of it would have arrived by now.
  await alice.addItem('Walden')
  await expect(bob.checkbox('Walden')).toBeVisible()
  await expect(bob.page.getByRole('alert')).toHaveCount(0)
  await expect.poll(() => bob.shownQuantity('Dune')).toBe('vol. 1')
})

test('the owner shares, changes the role, and removes B, who is told at once', async ({ alice, bob }, testInfo) => {
  const listId = await sharedList(alice, 'Holiday packing')
  await seedItems(alice, listId, ['Passport', 'Sunscreen', 'Charger'])
  await alice.openList(listId)

  await alice.page.getByRole('button', { name: 'Share' }).click()
  const dialog = alice.page.getByRole('dialog', { name: 'Share “Holiday packing”' })
  await dialog.getByLabel('Email address').fill(bob.account.email)
  await dialog.getByLabel('Role', { exact: true }).selectOption('editor')
  await dialog.getByRole('button', { name: 'Invite', exact: true }).click()
  // An invitation: Bob is added once he accepts it (e2e/invitations.spec.ts covers its pages).
  const link = await dialog.getByRole('textbox', { name: 'Invitation link' }).inputValue()
  await bob.page.goto(link)
  await bob.page.getByRole('button', { name: 'Join list' }).click()
  await expect(bob.status()).toHaveText('All changes saved', { timeout: 15_000 })
  await alice.page.keyboard.press('Escape')
  await alice.page.getByRole('button', { name: 'Share' }).click()
  await expect(dialog.getByRole('combobox', { name: 'Role of Bob Baker' })).toHaveValue('editor')

  await bob.page.goto('/')
  await bob.page.getByRole('region', { name: /Shared with me/ }).getByRole('link', { name: 'Holiday packing' }).click()
  await expect(bob.status()).toHaveText('All changes saved')
  await expect(bob.page.getByRole('combobox', { name: 'Add an item' })).toBeVisible()

  // A role change reaches the open list live.
  await dialog.getByRole('combobox', { name: 'Role of Bob Baker' }).selectOption('viewer')
  await expect(bob.page.getByText('View only.')).toBeVisible()
  await expect(bob.page.getByRole('combobox', { name: 'Add an item' })).toHaveCount(0)
  await dialog.getByRole('combobox', { name: 'Role of Bob Baker' }).selectOption('editor')
  await expect(bob.page.getByRole('combobox', { name: 'Add an item' })).toBeVisible()
  await expect(dialog.getByText('Bob Baker is now an editor.')).toBeVisible()
  await screenshot(alice.page, 'share-dialog', testInfo)

  await dialog.getByRole('button', { name: 'Remove Bob Baker' }).click()
  await expect(bob.page.getByRole('alert')).toContainText('You no longer have access to this list', { timeout: 1000 })
  await expect(bob.status()).toHaveText('You no longer have access to this list')
  await screenshot(bob.page, 'access-revoked', testInfo)
  await expect(dialog.getByRole('combobox', { name: 'Role of Bob Baker' })).toHaveCount(0)
  await bob.page.getByRole('link', { name: 'Back to your lists' }).click()
  await expect(bob.page.getByRole('link', { name: 'Holiday packing' })).toHaveCount(0)
})
