/**
 * Item text is a Y.Text edited in place (issue 8, finding 1): concurrent
 * typing merges character by character, others' edits show in a field while
 * someone is in it, and leaving a field writes nothing that was not typed.
 */
import { expect, seedItems, sharedList, test } from './fixtures.ts'

test('two people typing into one item at once keep both insertions, and both fields show the merged text while focused', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Pantry', [[bob, 'editor']])
  await seedItems(alice, listId, ['Olive oil', 'Rice'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  // Alice at the end, Bob at the start, typing at the same time.
  const oilId = await alice.itemId('Olive oil')
  const aliceField = alice.textFieldOf(oilId)
  const bobField = bob.textFieldOf(oilId)
  await alice.editNameOf(oilId)
  await bob.editNameOf(oilId)
  await bob.page.keyboard.press('Home')
  await Promise.all([alice.page.keyboard.type(' (extra virgin)', { delay: 35 }), bob.page.keyboard.type('Organic ', { delay: 60 })])

  const merged = 'Organic Olive oil (extra virgin)'
  await expect(aliceField).toHaveValue(merged)
  await expect(bobField).toHaveValue(merged)
  await expect(aliceField).toBeFocused()
  await expect(bobField).toBeFocused()

  // Both at the same spot at once: each one's characters stay together, none is lost.
  const riceId = await alice.itemId('Rice')
  const rice = [alice.textFieldOf(riceId), bob.textFieldOf(riceId)] as const
  for (const person of [alice, bob]) await person.editNameOf(riceId)
  await Promise.all([alice.page.keyboard.type(' basmati', { delay: 45 }), bob.page.keyboard.type(' 2 kg', { delay: 50 })])
  await expect.poll(async () => (await rice[0].inputValue()).length).toBe('Rice basmati 2 kg'.length)
  const riceText = await rice[0].inputValue()
  expect(riceText).toContain(' basmati')
  expect(riceText).toContain(' 2 kg')
  expect(riceText.startsWith('Rice')).toBe(true)
  await expect(rice[1]).toHaveValue(riceText)

  // Leaving the fields writes nothing more; the server has what both typed.
  await alice.page.getByRole('heading', { level: 1 }).click()
  await bob.page.getByRole('heading', { level: 1 }).click()
  await expect(alice.status()).toHaveText('All changes saved')
  await expect(bob.status()).toHaveText('All changes saved')
  const stored = await alice.api('GET', `/api/lists/${listId}/items`)
  expect((stored.body as { items: Array<{ text: string }> }).items.map((item) => item.text)).toEqual([merged, riceText])
})

test('B edits, presses Enter and stays in the field; A edits the same item; B sees it at once, and leaving writes nothing', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Shop', [[bob, 'editor']])
  await seedItems(alice, listId, ['Milk', 'Eggs'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  // B types, presses Enter, and stays in the field.
  const milkId = await bob.itemId('Milk')
  const bobField = await bob.editNameOf(milkId)
  await bob.page.keyboard.type(' (2 L)')
  await bob.page.keyboard.press('Enter')
  await expect(bobField).toBeFocused()
  await expect(alice.checkbox('Milk (2 L)')).toBeVisible()

  // A rewrites the item.
  const aliceField = await alice.editNameOf(milkId)
  await aliceField.fill('Oat milk')
  await aliceField.press('Enter')

  // B's field, still focused, shows A's text at once.
  await expect(bobField).toHaveValue('Oat milk', { timeout: 2000 })
  await expect(bobField).toBeFocused()

  // B clicks elsewhere without typing: A's edit stands everywhere.
  const bobClockBefore = await bob.ownClock()
  await bob.page.getByRole('heading', { level: 1 }).click()
  await expect(bobField).toHaveCount(0)
  await expect(alice.status()).toHaveText('All changes saved')
  await expect(bob.status()).toHaveText('All changes saved')
  expect(await bob.ownClock()).toBe(bobClockBefore)
  for (const person of [alice, bob]) {
    await expect(person.checkbox('Oat milk')).toBeVisible()
    await expect(person.checkbox('Milk (2 L)')).toHaveCount(0)
  }
  const stored = await alice.api('GET', `/api/lists/${listId}/items`)
  expect((stored.body as { items: Array<{ text: string }> }).items.map((item) => item.text)).toEqual(['Oat milk', 'Eggs'])

  // Enter without typing, then A edits: the same.
  const eggsId = await bob.itemId('Eggs')
  const eggs = await bob.editNameOf(eggsId)
  await eggs.press('Enter')
  const aliceEggs = await alice.editNameOf(eggsId)
  await aliceEggs.fill('Free-range eggs')
  await aliceEggs.press('Enter')
  await expect(eggs).toHaveValue('Free-range eggs')
  await bob.page.getByRole('heading', { level: 1 }).click()
  await expect(alice.checkbox('Free-range eggs')).toBeVisible()
  await expect(bob.checkbox('Free-range eggs')).toBeVisible()
  expect(await bob.ownClock()).toBe(bobClockBefore)
})

test('undo inside the text field takes back only my typing; an emptied item is deleted with Undo when I leave it', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Hardware', [[bob, 'editor']])
  await seedItems(alice, listId, ['Nails', 'Screws'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  const field = await alice.editName('Nails')
  // One input event: typed key by key, a loaded machine can leave more than the
  // field's 500 ms undo grouping between two keys, and Undo then (rightly) takes
  // back only the last group.
  await alice.page.keyboard.insertText(' 40 mm')
  const bobNails = await bob.editName('Nails 40 mm')
  await bob.page.keyboard.press('Home')
  await bob.page.keyboard.type('Steel ')
  await expect(field).toHaveValue('Steel Nails 40 mm')
  await alice.page.keyboard.press('Control+z')
  await expect(field).toHaveValue('Steel Nails')
  await expect(bobNails).toHaveValue('Steel Nails')
  await bob.page.getByRole('heading', { level: 1 }).click()

  // Emptying an item and leaving it deletes it, with Undo.
  const screws = await alice.editName('Screws')
  await screws.fill('')
  await alice.page.getByRole('heading', { level: 1 }).click()
  const toast = alice.page.locator('.toast')
  await expect(toast).toContainText('Deleted the empty item')
  await expect(bob.page.getByRole('checkbox', { name: 'Empty item' })).toHaveCount(0)
  await expect(bob.checkbox('Screws')).toHaveCount(0)
  await toast.getByRole('button', { name: 'Undo' }).click()
  // Restored as it was when deleted: empty, with a placeholder that says so, at rest and when edited.
  await expect(bob.page.getByRole('checkbox', { name: 'Empty item' })).toBeVisible()
  const emptyId = await bob.itemId('Empty item')
  const emptyName = bob.row('Empty item').locator('.item-row__text')
  await expect(emptyName).toHaveText('')
  expect(await emptyName.evaluate((element) => getComputedStyle(element, '::before').content)).toBe('"Empty item"')
  await expect(await bob.editNameOf(emptyId)).toHaveAttribute('placeholder', 'Empty item')
})

test('an IME composition is applied once, when it ends, and merges with what others typed meanwhile', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'お買い物', [[bob, 'editor']])
  await seedItems(alice, listId, ['Tea'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])
  const teaId = await bob.itemId('Tea')
  const bobField = await bob.editNameOf(teaId)
  await bob.page.keyboard.type(' ')

  // Bob composes with an IME (Chromium's own composition events, through the DevTools protocol).
  const ime = await bob.context.newCDPSession(bob.page)
  await ime.send('Input.imeSetComposition', { text: 'に', selectionStart: 1, selectionEnd: 1 })
  await ime.send('Input.imeSetComposition', { text: 'にほん', selectionStart: 3, selectionEnd: 3 })
  // Nothing of the composition is written while it lasts.
  await expect.poll(() => alice.shownName(teaId)).toBe('Tea ')
  // Alice types at the start meanwhile; Bob's field is left alone until he finishes.
  await alice.editNameOf(teaId)
  await alice.page.keyboard.press('Home')
  await alice.page.keyboard.type('Green ')
  await expect(alice.textFieldOf(teaId)).toHaveValue('Green Tea ')
  await expect(bobField).toHaveValue('Tea にほん')
  await ime.send('Input.imeSetComposition', { text: '日本', selectionStart: 2, selectionEnd: 2 })
  await ime.send('Input.insertText', { text: '日本' })

  await expect(bobField).toHaveValue('Green Tea 日本')
  await expect(alice.textFieldOf(teaId)).toHaveValue('Green Tea 日本')
  await bob.page.keyboard.type('茶')
  await expect(alice.textFieldOf(teaId)).toHaveValue('Green Tea 日本茶')
  await expect(bobField).toHaveValue('Green Tea 日本茶')
})

test('typing goes in a few keys at a time, and none of it is lost when the page is reloaded or closed right after the last key', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Deli', [[bob, 'editor']])
  await seedItems(alice, listId, ['Olive oil', 'Rice'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])
  const oilId = await alice.itemId('Olive oil')
  await alice.editNameOf(oilId)
  // Fast typing, then at once a reload: the keys the page had not yet put in the document go in as it leaves.
  await alice.page.keyboard.type(' extra virgin', { delay: 5 })
  await alice.page.reload()
  await expect.poll(() => alice.shownName(oilId)).toBe('Olive oil extra virgin')
  await expect.poll(() => bob.shownName(oilId)).toBe('Olive oil extra virgin')

  // The same, closing the tab.
  const riceId = await alice.itemId('Rice')
  await alice.editNameOf(riceId)
  await alice.page.keyboard.type(' basmati', { delay: 5 })
  await alice.page.close({ runBeforeUnload: true })
  await expect.poll(() => bob.shownName(riceId)).toBe('Rice basmati')
})
