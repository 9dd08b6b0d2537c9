/**
 * Existence is last-writer-wins (issue 8, finding 2): a deletion does not
 * beat a later edit made offline, deleting offers Undo, and nothing in the
 * client deletes a key of `items` (the server refuses that: 4427).
 */
import { expect, seedItems, sharedList, test, type Person } from './fixtures.ts'

test.use({ controlNetwork: true })

/** The whole list as each replica reads it (list-document's own reader). */
function listState(person: Person): Promise<unknown> {
  return person.page.evaluate(() => {
    const handle = window.colist
    if (!handle || !('doc' in handle)) throw new Error('no list open')
    const view = handle.list.listItems(handle.doc)
    return { title: view.title, items: view.items.map(({ text, checked, quantity, categoryId, order }) => ({ text, checked, quantity, categoryId, order })) }
  })
}

async function storedItems(person: Person, listId: string): Promise<Array<{ text: string; checked: boolean; quantity: string }>> {
  const stored = await person.api('GET', `/api/lists/${listId}/items`)
  return (stored.body as { items: Array<{ text: string; checked: boolean; quantity: string }> }).items
}

test('A deletes items while B is offline; B checks and edits them later; on reconnect they are back everywhere with B’s edits', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Deli', [[bob, 'editor']])
  await seedItems(alice, listId, ['Olive oil', 'Bread', 'Cheese'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])
  const oilId = await bob.itemId('Olive oil')

  await bob.net.goOffline()
  await expect(bob.status()).toContainText('Offline — changes kept on this device')

  // Alice deletes two items; they are gone for her and on the server.
  await alice.page.getByRole('button', { name: 'Delete Olive oil' }).click()
  await alice.page.getByRole('button', { name: 'Delete Bread' }).click()
  await expect(alice.status()).toHaveText('All changes saved')
  expect((await storedItems(alice, listId)).map((item) => item.text)).toEqual(['Cheese'])

  // Later, Bob (offline, not knowing) checks one and edits the other.
  await bob.checkbox('Bread').check()
  await bob.editNameOf(oilId)
  await bob.page.keyboard.type(' (extra virgin)')
  await bob.page.keyboard.press('Enter')
  await bob.quantityFieldOf(oilId).fill('1 l')
  await bob.quantityFieldOf(oilId).press('Enter')
  await expect(bob.status()).toContainText('3 changes waiting to sync')

  await bob.net.goOnline()
  await expect(bob.status()).toHaveText('All changes saved')
  for (const person of [alice, bob]) {
    await expect(person.checkbox('Olive oil (extra virgin)')).toBeVisible()
    await expect.poll(() => person.shownQuantity('Olive oil (extra virgin)')).toBe('1 l')
    await expect(person.checkbox('Bread')).toBeChecked()
    await expect(person.checkbox('Cheese')).toBeVisible()
  }
  await expect.poll(async () => JSON.stringify(await listState(alice))).toBe(JSON.stringify(await listState(bob)))
  const stored = await storedItems(alice, listId)
  expect(stored.map(({ text, checked, quantity }) => ({ text, checked, quantity }))).toEqual([
    { text: 'Olive oil (extra virgin)', checked: false, quantity: '1 l' },
    { text: 'Bread', checked: true, quantity: '' },
    { text: 'Cheese', checked: false, quantity: '' },
  ])
})

test('deleting offers Undo, which restores the same item; undoing an add hides the item without deleting its key', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Garden', [[bob, 'editor']])
  await seedItems(alice, listId, ['Seeds', 'Hose'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])
  await bob.setQuantity('Seeds', '3 packs')
  await expect.poll(() => alice.shownQuantity('Seeds')).toBe('3 packs')

  await alice.page.getByRole('button', { name: 'Delete Seeds' }).click()
  const toast = alice.page.locator('.toast')
  await expect(toast).toContainText('Deleted “Seeds”')
  await expect(bob.checkbox('Seeds')).toHaveCount(0)
  await toast.getByRole('button', { name: 'Undo' }).click()
  await expect(toast).toHaveCount(0)
  await expect(bob.checkbox('Seeds')).toBeVisible()
  await expect.poll(() => bob.shownQuantity('Seeds')).toBe('3 packs')

  // Clear checked, then Undo brings back every one.
  await alice.checkbox('Seeds').check()
  await alice.checkbox('Hose').check()
  await alice.page.getByRole('button', { name: 'Clear checked' }).click()
  await expect(toast).toContainText('Cleared 2 checked items')
  await expect(bob.checkbox('Hose')).toHaveCount(0)
  await toast.getByRole('button', { name: 'Undo' }).click()
  await expect(bob.checkbox('Hose')).toBeChecked()
  await expect(bob.checkbox('Seeds')).toBeChecked()

  // Undo of an add (toolbar): the item is marked deleted; its key stays in `items`.
  await alice.addItem('Rake')
  const rakeId = await alice.row('Rake').getAttribute('data-item-id')
  // Bob must have the item before it is undone, or there is no key on his side to keep.
  await expect(bob.checkbox('Rake')).toBeVisible()
  await alice.page.getByRole('button', { name: 'Undo', exact: true }).click()
  await expect(bob.checkbox('Rake')).toHaveCount(0)
  await expect(alice.checkbox('Rake')).toHaveCount(0)
  const keyKept = await bob.page.evaluate((id) => {
    const handle = window.colist
    return handle && 'doc' in handle ? handle.doc.getMap('items').has(id ?? '') : null
  }, rakeId)
  expect(keyKept).toBe(true)
  await alice.page.getByRole('button', { name: 'Redo', exact: true }).click()
  await expect(bob.checkbox('Rake')).toBeVisible()
  await expect(alice.status()).toHaveText('All changes saved')
  await expect(alice.page.getByRole('alert')).toHaveCount(0)
})

test('an item deleted by someone else while I type in it can be restored; one they check keeps my caret', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Party', [[bob, 'editor']])
  await seedItems(alice, listId, ['Balloons', 'Cake'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  const cakeId = await bob.itemId('Cake')
  await bob.editNameOf(cakeId)
  await bob.page.keyboard.type(' (chocolate')
  await expect(alice.checkbox('Cake (chocolate')).toBeVisible()
  // Alice checks it: it moves to "Checked" for Bob, who keeps typing where he was.
  await alice.checkbox('Cake (chocolate').check()
  await expect(bob.page.getByRole('region', { name: /Checked/ }).getByRole('checkbox', { name: 'Cake (chocolate' })).toBeChecked()
  await expect(bob.textFieldOf(cakeId)).toBeFocused()
  await bob.page.keyboard.type(')')
  await expect(alice.checkbox('Cake (chocolate)')).toBeChecked()

  // Alice deletes the item Bob is typing in: Bob is told, and can restore it.
  const balloonsId = await bob.itemId('Balloons')
  await bob.editNameOf(balloonsId)
  await bob.page.keyboard.type(' ×20')
  await expect(alice.checkbox('Balloons ×20')).toBeVisible()
  await alice.page.getByRole('button', { name: 'Delete Balloons ×20' }).click()
  const toast = bob.page.locator('.toast')
  await expect(toast).toContainText('“Balloons ×20” was deleted by someone else')
  await toast.getByRole('button', { name: 'Restore' }).click()
  await expect(alice.checkbox('Balloons ×20')).toBeVisible()
  await expect(bob.checkbox('Balloons ×20')).toBeVisible()
})
