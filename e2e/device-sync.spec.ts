/**
 * The device sync engine (client/src/sync/device-sync.ts): every list the
 * user can access is kept on the device and in sync in the background, not
 * only the open one. Two people, each with their own browser context; Bob's
 * sockets go through `net` so going offline really drops them.
 */
import { expect, screenshot, seedItems, sharedList, test, type Person } from './fixtures.ts'

test.use({ controlNetwork: true })

/** Client-side navigation (no page load, so it works offline without the service worker). */
async function goTo(person: Person, path: string): Promise<void> {
  await person.page.evaluate((to) => {
    history.pushState(null, '', to)
    window.dispatchEvent(new PopStateEvent('popstate'))
  }, path)
}

test('an edit made offline goes up once the network is back, from the lists page, with the list never reopened', async ({ alice, bob }, testInfo) => {
  const listId = await sharedList(alice, 'Weekend', [[bob, 'editor']])
  await seedItems(alice, listId, ['Bread'])
  await Promise.all([alice.openList(listId), bob.openList(listId)])

  await bob.net.goOffline()
  await bob.addItem('Ice cream')
  await bob.page.getByRole('link', { name: 'Lists' }).click()
  await expect(bob.page.getByRole('heading', { name: 'Your lists' })).toBeVisible()
  // The whole device's state, and which list holds the change.
  await expect(bob.status()).toContainText('1 change waiting — offline')
  const card = bob.page.locator('li.list-card').filter({ hasText: 'Weekend' })
  await expect(card).toContainText('1 change waiting')
  await screenshot(bob.page, 'device-changes-waiting-1280', testInfo)
  await bob.page.setViewportSize({ width: 390, height: 844 })
  await screenshot(bob.page, 'device-changes-waiting-390', testInfo)

  await bob.net.goOnline()
  await expect(alice.checkbox('Ice cream')).toBeVisible({ timeout: 2000 })
  await expect(bob.status()).toContainText('All changes saved')
  await expect(card).not.toContainText('change waiting')
  await screenshot(bob.page, 'device-all-saved-390', testInfo)
  await bob.page.setViewportSize({ width: 1280, height: 800 })
  await screenshot(bob.page, 'device-all-saved-1280', testInfo)
})

test('after the lists page loaded online once, every list opens offline with its items, also one never opened', async ({ alice, bob }, testInfo) => {
  const garden = await sharedList(alice, 'Garden', [[bob, 'editor']])
  await seedItems(alice, garden, ['Seeds', 'Rake'])
  const tools = await sharedList(bob, 'Tools')
  await seedItems(bob, tools, ['Hammer'])

  const sockets: string[] = []
  bob.page.on('websocket', (ws) => sockets.push(new URL(ws.url()).pathname))
  await bob.page.goto('/')
  await expect(bob.page.getByRole('link', { name: 'Garden' })).toBeVisible()
  await expect(bob.status()).toContainText('All changes saved', { timeout: 10_000 })
  // Both lists came down as channels of the device socket, not a socket each.
  expect(new Set(sockets)).toEqual(new Set(['/ws/device']))

  await bob.net.goOffline()
  await bob.page.getByRole('link', { name: 'Garden' }).click()
  await expect(bob.checkbox('Seeds')).toBeVisible()
  await expect(bob.checkbox('Rake')).toBeVisible()
  await expect(bob.page.getByText('This list is empty')).toHaveCount(0)
  await bob.page.getByRole('link', { name: 'Lists' }).click()
  await bob.page.getByRole('link', { name: 'Tools' }).click()
  await expect(bob.checkbox('Hammer')).toBeVisible()
  await bob.page.getByRole('link', { name: 'Lists' }).click()
  await expect(bob.status()).toContainText('Offline')
  await screenshot(bob.page, 'device-offline-saved-1280', testInfo)
})

test('a list that never reached this device says so offline instead of looking empty', async ({ alice, bob }, testInfo) => {
  await bob.page.goto('/')
  await expect(bob.page.getByRole('heading', { name: 'Your lists' })).toBeVisible()
  // Shared while Bob is offline: his device knows the list by its link only.
  await bob.net.goOffline()
  const listId = await sharedList(alice, 'Party', [[bob, 'viewer']])
  await seedItems(alice, listId, ['Balloons'])
  await goTo(bob, `/lists/${listId}`)
  await expect(bob.page.getByText('Not downloaded yet — connect to get it')).toBeVisible()
  await expect(bob.page.getByText('This list is empty')).toHaveCount(0)
  await screenshot(bob.page, 'device-not-downloaded-1280', testInfo)
  await bob.page.setViewportSize({ width: 390, height: 844 })
  await screenshot(bob.page, 'device-not-downloaded-390', testInfo)

  await bob.net.goOnline()
  await expect(bob.checkbox('Balloons')).toBeVisible()
  await expect(bob.page.getByText('Not downloaded yet — connect to get it')).toHaveCount(0)
})
