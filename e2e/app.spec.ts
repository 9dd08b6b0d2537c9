import { expect, screenshot, seedItems, sharedList, test } from './fixtures.ts'

test('devtools panel: Alt+Shift+D or ?devtools=1; presence, connection, document and log; window.colist', async ({ alice, bob }, testInfo) => {
  const listId = await sharedList(alice, 'Release checklist', [[bob, 'editor']])
  await seedItems(alice, listId, ['Tag the build', 'Write notes', 'Tell support'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])
  await bob.editName('Write notes')
  await bob.page.keyboard.type(' for v2')

  await alice.page.keyboard.press('Alt+Shift+D')
  const panel = alice.page.getByRole('complementary', { name: 'Developer tools' })
  await expect(panel).toBeVisible()
  const awareness = panel.getByRole('region', { name: /Awareness/ })
  const bobRow = awareness.getByRole('row').filter({ hasText: 'Bob Baker' })
  await expect(bobRow).toContainText('Write notes')
  await expect(bobRow.getByRole('cell').nth(4)).toHaveText('yes')
  await expect(awareness.getByRole('row').filter({ hasText: '(this tab)' })).toContainText('Alice Adams')
  await expect(awareness.getByRole('row').filter({ hasText: '(this tab)' })).toHaveCount(1)
  await expect(panel.getByRole('region', { name: 'Connection' })).toContainText('connected')
  await expect(panel.getByRole('region', { name: 'Document' })).toContainText('3 (0 checked)')
  await expect(panel.getByRole('region', { name: 'Document' })).toContainText('0 unacknowledged')
  await alice.checkbox('Tag the build').check()
  const log = panel.getByRole('region', { name: /^Log/ })
  await expect(log.getByRole('row').filter({ hasText: 'you' }).first()).toContainText('local')
  await expect(log.getByRole('row').filter({ hasText: 'awareness' }).filter({ hasText: 'remote' }).first()).toBeVisible()
  await screenshot(alice.page, 'devtools-panel', testInfo)

  const exposed = await alice.page.evaluate(() => {
    const handle = window.colist
    if (!handle || !('doc' in handle)) return null
    return {
      items: handle.list.listItems(handle.doc).items.length,
      awareness: handle.awareness.getStates().size,
      socket: handle.provider.wsconnected,
    }
  })
  expect(exposed).toEqual({ items: 3, awareness: 2, socket: true })

  await alice.page.keyboard.press('Alt+Shift+D')
  await expect(panel).toBeHidden()
  await alice.page.goto(`/lists/${listId}?devtools=1`)
  await expect(panel).toBeVisible()
  // After the reload the list came from the device copy, applied without being encoded again for
  // the document's update listeners (nothing would have sent it: the socket opens after it).
  const loaded = log.getByRole('row').filter({ hasText: 'this device (IndexedDB)' })
  await expect(loaded).toHaveCount(1)
  await expect(loaded).toContainText('(loaded, not encoded)')
  await expect(loaded.getByRole('cell').nth(3)).toHaveText('—')
  await expect(panel.getByRole('region', { name: 'Document' })).toContainText('3 (1 checked)')
  await expect(panel.getByRole('region', { name: 'Connection' })).toContainText('connected')
})

test('works on a 375 px phone: no sideways scrolling, everything reachable', async ({ carol }, testInfo) => {
  const listId = await sharedList(carol, 'Groceries for the week')
  await seedItems(carol, listId, ['Bananas', 'A very long item name that has to wrap or truncate nicely on a phone', 'Yoghurt'])
  await carol.page.goto('/')
  await expect(carol.page.getByRole('link', { name: 'Groceries for the week' })).toBeVisible()
  await screenshot(carol.page, 'mobile-lists-page', testInfo)
  await carol.page.getByRole('link', { name: 'Groceries for the week' }).click()
  await expect(carol.status()).toHaveText('All changes saved')

  await carol.addItem('Oranges')
  await carol.setQuantity('Bananas', '6')
  await carol.checkbox('Yoghurt').check()
  await carol.page.getByRole('button', { name: 'New category' }).click()
  await carol.page.getByRole('textbox', { name: 'Category name' }).fill('Fruit')
  await carol.page.getByRole('button', { name: 'Add category' }).click()
  // On a phone a tap on the row checks it; Edit opens the item's name, quantity and details.
  await carol.page.getByRole('button', { name: 'Edit Oranges' }).click()
  await carol.page.getByRole('combobox', { name: 'Category for Oranges' }).selectOption({ label: 'Fruit' })
  await expect(carol.page.getByRole('region', { name: /^Fruit/ }).getByRole('checkbox', { name: 'Oranges' })).toBeVisible()
  await carol.page.getByRole('button', { name: 'Edit Bananas' }).click()

  const width = await carol.page.evaluate(() => document.documentElement.scrollWidth)
  expect(width).toBeLessThanOrEqual(375)
  await screenshot(carol.page, 'mobile-list', testInfo, { fullPage: true })

  // The app closes its socket itself when the browser says it is offline (Chromium would keep it open).
  await carol.context.setOffline(true)
  await expect(carol.status()).toContainText('Offline — changes kept on this device')
  await carol.checkbox('Bananas').check()
  await expect(carol.status()).toContainText('1 change waiting to sync')
  await screenshot(carol.page, 'mobile-offline', testInfo)
  await carol.context.setOffline(false)
  await expect(carol.status()).toHaveText('All changes saved')

  // Every control is reachable by keyboard and shows where focus is.
  await carol.page.getByRole('combobox', { name: 'Add an item' }).focus()
  await carol.page.keyboard.press('Tab')
  const outline = await carol.page.evaluate(() => {
    const active = document.activeElement
    return active ? getComputedStyle(active).outlineStyle : 'none'
  })
  expect(outline).not.toBe('none')
})

test.describe('with the network under control', () => {
  test.use({ controlNetwork: true })

  test('an expired session asks to log in again and keeps the edits made meanwhile', async ({ alice, bob }, testInfo) => {
    const listId = await sharedList(alice, 'Errands', [[bob, 'editor']])
    await seedItems(alice, listId, ['Post office'])
    await Promise.all([alice.openList(listId), bob.openList(listId)])
    await expect.poll(() => bob.page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 20_000 }).toBe(true)

    await bob.net.goOffline()
    await bob.addItem('Pharmacy')
    await bob.flushDeviceStore()
    // The token stops being accepted while Bob is away (e.g. the server's signing key rotated).
    await bob.page.evaluate(() => {
      const stored = JSON.parse(localStorage.getItem('colist:session') ?? '{}') as Record<string, unknown>
      localStorage.setItem('colist:session', JSON.stringify({ ...stored, token: 'not-a-valid-token' }))
    })
    await bob.page.reload()
    await expect(bob.checkbox('Pharmacy')).toBeVisible()

    await bob.net.goOnline()
    const dialog = bob.page.getByRole('dialog', { name: 'Log in again' })
    await expect(dialog).toBeVisible()
    await expect(bob.status()).toContainText('Signed out — log in to sync this list')
    await expect(bob.status()).toContainText('1 change not synced, kept on this device')
    await screenshot(bob.page, 'session-expired', testInfo)
    await dialog.getByLabel(`Password for ${bob.account.email}`).fill('correct horse battery')
    await dialog.getByRole('button', { name: 'Log in' }).click()
    await expect(dialog).toBeHidden()
    await expect(bob.status()).toHaveText('All changes saved')
    await expect(alice.checkbox('Pharmacy')).toBeVisible()
  })
})

test('the app loads, syncs and runs its service worker under its Content-Security-Policy, with no violation', async ({ alice, bob }) => {
  const violations: string[] = []
  for (const person of [alice, bob]) {
    person.page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to (load|execute|apply|connect|frame|create)/i.test(message.text())) violations.push(message.text())
    })
    await person.page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => console.error(`Refused to ${event.violatedDirective}: Content Security Policy ${event.blockedURI}`))
    })
  }
  const response = await alice.page.goto('/')
  expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'")
  const listId = await sharedList(alice, 'Under the CSP', [[bob, 'editor']])
  await Promise.all([alice.openList(listId), bob.openList(listId)])
  await alice.addItem('Strict policy')
  await expect(bob.checkbox('Strict policy')).toBeVisible()
  await bob.checkbox('Strict policy').check()
  await expect(alice.checkbox('Strict policy')).toBeChecked()
  // The service worker registered and controls the page (it is a script of this origin).
  await expect.poll(() => alice.page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 20_000 }).toBe(true)
  expect(violations).toEqual([])
})
