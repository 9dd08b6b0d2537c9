/**
 * The lists page is live and works offline (issue 9): a list shared with
 * me, renamed or deleted shows on my open lists page within 1 s, with its
 * counts; a list created offline is filled at once and reaches a partner
 * once online. Screenshots at 390 and 1280 px (lists-live-*, lists-offline-*).
 */
import { expect, screenshot, seedItems, share, sharedList, test, type Person } from './fixtures.ts'

const card = (person: Person, title: string) => person.page.getByRole('listitem').filter({ has: person.page.getByRole('link', { name: new RegExp(`^${title}`) }) })

async function openListsPage(person: Person): Promise<void> {
  await person.page.goto('/')
  await expect(person.page.getByRole('heading', { name: 'Your lists' })).toBeVisible()
  await expect(person.page.getByTestId('sync-status').or(person.page.getByRole('status').first())).toBeVisible()
  // The feed is live once its snapshot is in: the page says so.
  await expect(person.page.getByText('Up to date').or(person.page.getByText('All changes saved'))).toBeVisible()
}

for (const width of [390, 1280]) {
  test(`a list shared with me, renamed, filled and deleted updates my open lists page within 1 s (${width} px)`, async ({ alice, bob }, testInfo) => {
    await bob.page.setViewportSize({ width, height: width === 390 ? 844 : 800 })
    await openListsPage(bob)
    const listId = await sharedList(alice, `Camping ${width}`)
    await seedItems(alice, listId, ['Tent', 'Stove', 'Matches'])

    await share(alice, listId, bob, 'editor')
    await expect(card(bob, `Camping ${width}`)).toBeVisible({ timeout: 1000 })
    await expect(card(bob, `Camping ${width}`).getByTestId('list-meta')).toHaveText('3 to get · with Alice Adams', { timeout: 1000 })
    // The latest activity (shared/activity.ts) once it is in; the lists feed's own line until then.
    await expect(card(bob, `Camping ${width}`).getByTestId('list-activity')).toHaveText('Alice Adams added Matches · just now')

    await alice.openList(listId)
    await alice.checkbox('Tent').check()
    await expect(card(bob, `Camping ${width}`).getByTestId('list-meta')).toContainText('2 to get · 1 done', { timeout: 1000 })
    await screenshot(bob.page, `lists-live-${width}`, testInfo)

    expect((await alice.api('PATCH', `/api/lists/${listId}`, { title: `Lake trip ${width}` })).status).toBe(200)
    await expect(card(bob, `Lake trip ${width}`)).toBeVisible({ timeout: 1000 })
    await expect(card(bob, `Camping ${width}`)).toHaveCount(0)

    expect((await alice.api('DELETE', `/api/lists/${listId}`)).status).toBe(204)
    await expect(card(bob, `Lake trip ${width}`)).toHaveCount(0, { timeout: 1000 })
    await expect(bob.page.getByText('Nothing shared with you yet.')).toBeVisible()
  })
}

test.describe('offline', () => {
  test.use({ controlNetwork: true })

  for (const width of [390, 1280]) {
    test(`a list created offline is filled at once and reaches the partner once online and shared (${width} px)`, async ({ alice, bob }, testInfo) => {
      await alice.page.setViewportSize({ width, height: width === 390 ? 844 : 800 })
      await openListsPage(alice)
      await alice.net.goOffline()
      await expect(alice.page.getByText("You're offline. New lists")).toBeVisible()

      const title = `Plane ${width}`
      await alice.page.getByRole('textbox', { name: 'New list name' }).fill(title)
      await alice.page.getByRole('button', { name: 'Create list' }).click()
      await expect(alice.page).toHaveURL(/\/lists\/[0-9a-f-]{36}$/)
      const listId = alice.page.url().split('/').at(-1)!
      await expect(alice.page.getByRole('heading', { level: 1 })).toHaveText(title)
      await alice.addItem('Passport')
      await alice.addItem('Charger')

      await alice.page.goBack()
      await expect(card(alice, title)).toBeVisible()
      await expect(card(alice, title)).toContainText('Not on Colist yet')
      await screenshot(alice.page, `lists-offline-${width}`, testInfo)
      expect((await bob.api('GET', `/api/lists/${listId}`)).status).toBe(404)

      await alice.page.goto(`/lists/${listId}`)
      await expect(alice.checkbox('Passport')).toBeVisible()
      await alice.net.goOnline()
      await expect(alice.status()).toHaveText('All changes saved', { timeout: 15_000 })
      await share(alice, listId, bob, 'editor')

      await openListsPage(bob)
      await expect(card(bob, title).getByTestId('list-meta')).toContainText('2 to get')
      await bob.openList(listId)
      await expect(bob.checkbox('Passport')).toBeVisible()
      await expect(bob.checkbox('Charger')).toBeVisible()
    })
  }

  test('rename, delete and leave made offline show at once and apply when back online; a rename of a list deleted meanwhile is dropped with a notice', async ({ alice, bob }) => {
    const kept = await sharedList(alice, 'Groceries')
    const doomed = await sharedList(alice, 'Old stuff')
    const renamedAway = await sharedList(bob, 'Party', [[alice, 'editor']])
    const left = await sharedList(bob, 'Book club', [[alice, 'viewer']])
    await openListsPage(alice)
    await expect(card(alice, 'Party')).toBeVisible()
    await alice.net.goOffline()

    await card(alice, 'Groceries').getByRole('button', { name: 'Rename Groceries' }).click()
    await alice.page.getByRole('textbox', { name: 'New name for Groceries' }).fill('Weekly shop')
    await alice.page.getByRole('button', { name: 'Save' }).click()
    await card(alice, 'Old stuff').getByRole('button', { name: 'Delete Old stuff' }).click()
    await alice.page.getByRole('button', { name: 'Delete list' }).click()
    await card(alice, 'Book club').getByRole('button', { name: 'Leave Book club' }).click()
    await alice.page.getByRole('button', { name: 'Leave list' }).click()
    await card(alice, 'Party').getByRole('button', { name: 'Rename Party' }).click()
    await alice.page.getByRole('textbox', { name: 'New name for Party' }).fill('Birthday party')
    await alice.page.getByRole('button', { name: 'Save' }).click()
    await expect(card(alice, 'Weekly shop')).toContainText('Rename waiting')
    await expect(card(alice, 'Old stuff')).toHaveCount(0)
    await expect(card(alice, 'Book club')).toHaveCount(0)
    await expect(card(alice, 'Birthday party')).toBeVisible()
    // Meanwhile Bob deletes the list Alice renamed offline.
    expect((await bob.api('DELETE', `/api/lists/${renamedAway}`)).status).toBe(204)

    await alice.net.goOnline()
    await expect(alice.page.getByRole('alert')).toContainText('“Party” was deleted or is no longer shared with you, so its new name was not saved.')
    await expect(card(alice, 'Birthday party')).toHaveCount(0)
    await expect(card(alice, 'Weekly shop')).not.toContainText('Rename waiting')
    expect((await alice.api('GET', `/api/lists/${kept}`)).body).toMatchObject({ title: 'Weekly shop' })
    expect((await alice.api('GET', `/api/lists/${doomed}`)).status).toBe(404)
    expect((await bob.api('GET', `/api/lists/${left}`)).body).toMatchObject({ members: [expect.objectContaining({ role: 'owner' })] })
    // After a reload it is what the server says.
    await alice.page.reload()
    await expect(card(alice, 'Weekly shop')).toBeVisible()
    await expect(card(alice, 'Book club')).toHaveCount(0)
  })
})
