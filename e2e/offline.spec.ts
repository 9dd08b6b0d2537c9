import { deliveryOfNewItem, expect, screenshot, seedItems, sharedList, test, type Person } from './fixtures.ts'

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

test('both edit while B is offline; on reconnect they merge, the later same-field write wins, nothing is lost', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Picnic', [[bob, 'editor']])
  await seedItems(alice, listId, ['Apples', 'Bread', 'Cheese'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  await bob.net.goOffline()
  await expect(bob.status()).toContainText('Offline — changes kept on this device')

  // Alice, online, goes first on the shared field.
  await alice.rename('Bread', 'Rye bread')
  await alice.setQuantity('Cheese', '500 g')
  await alice.addItem('Dates')
  await expect(alice.status()).toHaveText('All changes saved')

  // Bob, offline, edits other items and the same field later.
  await bob.rename('Apples', 'Green apples')
  await bob.setQuantity('Cheese', '1 kg')
  await bob.checkbox('Bread').check()
  await bob.addItem('Eggs')
  await expect(bob.status()).toContainText('4 changes waiting to sync')
  await expect(alice.checkbox('Green apples')).toHaveCount(0)
  await expect(bob.checkbox('Dates')).toHaveCount(0)

  await bob.net.goOnline()
  await expect(bob.status()).toHaveText('All changes saved')
  for (const person of [alice, bob]) {
    await expect(person.checkbox('Green apples')).toBeVisible()
    await expect(person.checkbox('Rye bread')).toBeChecked()
    await expect.poll(() => person.shownQuantity('Cheese')).toBe('1 kg')
    await expect(person.checkbox('Dates')).toBeVisible()
    await expect(person.checkbox('Eggs')).toBeVisible()
  }
  await expect.poll(async () => JSON.stringify(await listState(alice))).toBe(JSON.stringify(await listState(bob)))
  const stored = await alice.api('GET', `/api/lists/${listId}/items`)
  expect((stored.body as { items: Array<{ text: string }> }).items.map((item) => item.text).sort()).toEqual(['Cheese', 'Dates', 'Eggs', 'Green apples', 'Rye bread'])
})

test('B reloads and reopens the tab offline: app and list load from the device; the edits reach A once online', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Camping', [[bob, 'editor']])
  await seedItems(alice, listId, ['Tent', 'Stove'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])
  await bob.page.goto('/')
  await expect(bob.page.getByRole('link', { name: 'Camping' })).toBeVisible()
  await bob.page.getByRole('link', { name: 'Camping' }).click()
  await expect(bob.status()).toHaveText('All changes saved')
  // Installing the service worker precaches the app: under CI load that can take longer than 5 s.
  await expect.poll(() => bob.page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 20_000 }).toBe(true)

  await bob.net.goOffline()
  const reloaded = await bob.page.reload()
  expect(reloaded?.fromServiceWorker()).toBe(true)
  expect(reloaded?.headers()['x-colist-shell']).toBe('cache')
  await expect(bob.page.getByRole('heading', { level: 1, name: 'Camping' })).toBeVisible()
  await expect(bob.checkbox('Tent')).toBeVisible()
  await expect(bob.status()).toContainText('Offline — changes kept on this device')
  await bob.addItem('Sleeping bag')
  await bob.checkbox('Stove').check()
  await bob.flushDeviceStore()

  // Close the tab and open the app again, still offline: the lists page and the edits are there.
  await bob.page.close()
  const page = await bob.context.newPage()
  const opened = await page.goto('/')
  expect(opened?.fromServiceWorker()).toBe(true)
  await expect(page.getByRole('status').and(page.getByTestId('sync-status'))).toContainText('2 changes waiting — offline')
  await page.getByRole('link', { name: 'Camping' }).click()
  await expect(page.getByRole('checkbox', { name: 'Sleeping bag', exact: true })).toBeVisible()
  await expect(page.getByRole('checkbox', { name: 'Stove', exact: true })).toBeChecked()
  await expect(page.getByTestId('sync-status')).toContainText('2 changes waiting to sync')

  await bob.net.goOnline()
  await expect(page.getByTestId('sync-status')).toHaveText('All changes saved')
  await expect(alice.checkbox('Sleeping bag')).toBeVisible()
  await expect(alice.checkbox('Stove')).toBeChecked()
})

test('a blocked WebSocket falls back to HTTP sync and says so', async ({ alice, bob }, testInfo) => {
  const listId = await sharedList(alice, 'Office', [[bob, 'editor']])
  await seedItems(alice, listId, ['Paper'])
  await bob.net.blockSockets()
  await alice.openList(listId)
  await bob.page.goto(`/lists/${listId}`)
  await expect(bob.status()).toContainText('Live connection blocked — syncing over HTTP instead', { timeout: 10_000 })
  await expect(bob.status()).toContainText('All changes saved')
  await expect(bob.checkbox('Paper')).toBeVisible()

  await bob.addItem('Stapler')
  await expect(alice.checkbox('Stapler')).toBeVisible()
  await expect(bob.status()).toContainText('All changes saved')
  await alice.addItem('Pens')
  await expect(bob.checkbox('Pens')).toBeVisible({ timeout: 6000 })
  await screenshot(bob.page, 'http-fallback', testInfo)

  // Once the socket gets through again, the live connection takes over.
  await bob.net.unblockSockets()
  await bob.page.evaluate(() => window.dispatchEvent(new Event('online')))
  await expect(bob.status()).toHaveText('All changes saved')
  expect(await deliveryOfNewItem(alice, bob, 'Clips', () => alice.addItem('Clips'))).toBeLessThan(1000)
})
