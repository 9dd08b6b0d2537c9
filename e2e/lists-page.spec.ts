/**
 * The lists page (issue 11): each card previews the first open items, live
 * as another person checks and adds; shows counts and everyone on the list
 * as avatars; lists can be pinned and reordered with the keyboard, and the
 * order holds across a reload and on a second device; a first visit says
 * what to do, with a list one tap away. Screenshots at 390 and 1280 px
 * (lists-page-*).
 */
import type { Browser, Page } from '@playwright/test'
import { expect, screenshot, seedItems, sharedList, storedSession, test, type Person } from './fixtures.ts'

const sizes = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
]

const card = (page: Page, title: string) => page.locator('li.list-card').filter({ has: page.getByRole('link', { name: new RegExp(`^${title}`) }) })

/** Titles of the cards of a section, in the order shown. */
const titles = (page: Page, section: 'pinned' | 'mine' | 'shared') => page.locator(`[data-section="${section}"] .list-card__title`)

async function openListsPage(page: Page): Promise<void> {
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'Your lists' })).toBeVisible()
  // Live once the feed's snapshot is in.
  await expect(page.getByText('Up to date').or(page.getByText('All changes saved'))).toBeVisible({ timeout: 15_000 })
}

/** The same account signed in on another device: its own browser context. */
async function secondDevice(browser: Browser, person: Person, baseURL: string | undefined, size: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    viewport: size,
    storageState: { cookies: [], origins: [{ origin: baseURL ?? '', localStorage: [{ name: 'colist:session', value: storedSession(person.account) }] }] },
  })
  return context.newPage()
}

for (const size of sizes) {
  const { width } = size

  test(`a card previews the first open items, live as another person checks and adds; counts and avatars (${width} px)`, async ({ alice, bob }, testInfo) => {
    await bob.page.setViewportSize(size)
    const title = `Camping ${width}`
    const listId = await sharedList(alice, title, [[bob, 'editor']])
    await seedItems(alice, listId, ['Tent', 'Stove', 'Matches', 'Rope'])
    await openListsPage(bob.page)

    const bobsCard = card(bob.page, title)
    await expect(bobsCard.getByTestId('list-preview')).toHaveText('Tent · Stove · Matches · +1 more')
    await expect(bobsCard.getByTestId('list-meta')).toHaveText('4 to get · with Alice Adams')
    const avatars = bobsCard.getByTestId('list-avatars')
    await expect(avatars).toHaveAccessibleName('Members: Alice Adams, you')
    await expect(avatars.locator('.member-avatar')).toHaveText(['AA', 'BB'])
    const colours = await avatars.locator('.member-avatar').evaluateAll((spans) => spans.map((span) => getComputedStyle(span).backgroundColor))
    expect(colours.every((colour) => colour !== 'rgba(0, 0, 0, 0)')).toBe(true)

    // Alice, in the list on her own device: what she checks and adds reaches Bob's card within a second.
    await alice.openList(listId)
    await alice.checkbox('Tent').check()
    await expect(bobsCard.getByTestId('list-preview')).toHaveText('Stove · Matches · Rope')
    await expect(bobsCard.getByTestId('list-meta')).toHaveText('3 to get · 1 done · with Alice Adams')
    await alice.addItem('Lantern')
    await expect(bobsCard.getByTestId('list-preview')).toHaveText('Stove · Matches · Rope · +1 more')
    await expect(bobsCard.getByTestId('list-meta')).toHaveText('4 to get · 1 done · with Alice Adams')
    await screenshot(bob.page, `lists-page-card-${width}`, testInfo)
  })

  test(`pinned and reordered lists keep their place across a reload and on a second device (${width} px)`, async ({ alice, bob, browser, baseURL }, testInfo) => {
    await alice.page.setViewportSize(size)
    for (const name of ['Apples', 'Books', 'Chores']) expect((await alice.api('POST', '/api/lists', { title: `${name} ${width}` })).status).toBe(201)
    const bobsList = await sharedList(bob, `Bob's trip ${width}`, [[alice, 'viewer']])
    await openListsPage(alice.page)
    const phone = await secondDevice(browser, alice, baseURL, size)
    try {
      await openListsPage(phone)
      // Newest first until she says otherwise.
      await expect(titles(alice.page, 'mine')).toHaveText([`Chores ${width}`, `Books ${width}`, `Apples ${width}`])

      // Reorder with the keyboard only: the focus stays on the moved list's button.
      const mine = alice.page.locator('[data-section="mine"]')
      await mine.getByRole('button', { name: 'Reorder' }).click()
      await mine.getByRole('button', { name: `Move Apples ${width} up` }).focus()
      await alice.page.keyboard.press('Enter')
      await expect(titles(alice.page, 'mine')).toHaveText([`Chores ${width}`, `Apples ${width}`, `Books ${width}`])
      await expect(mine.getByRole('button', { name: `Move Apples ${width} up` })).toBeFocused()
      await screenshot(alice.page, `lists-page-reorder-${width}`, testInfo)
      await alice.page.keyboard.press('Enter')
      await expect(titles(alice.page, 'mine')).toHaveText([`Apples ${width}`, `Chores ${width}`, `Books ${width}`])
      await expect(alice.page.getByTestId('arrange-status')).toHaveText(`Apples ${width} moved to place 1 of 3.`)
      // At the top: Up is off, the focus moved to Down on the same card.
      await expect(mine.getByRole('button', { name: `Move Apples ${width} up` })).toBeDisabled()
      await expect(mine.getByRole('button', { name: `Move Apples ${width} down` })).toBeFocused()
      await mine.getByRole('button', { name: 'Done' }).click()

      await card(alice.page, `Bob's trip ${width}`).getByRole('button', { name: `Pin Bob's trip ${width}` }).click()
      await expect(titles(alice.page, 'pinned')).toHaveText([`Bob's trip ${width}`])
      await expect(card(alice.page, `Bob's trip ${width}`).getByRole('button', { name: `Pin Bob's trip ${width}` })).toHaveAttribute('aria-pressed', 'true')
      await screenshot(alice.page, `lists-page-arranged-${width}`, testInfo)

      // Her other device follows, live.
      await expect(titles(phone, 'pinned')).toHaveText([`Bob's trip ${width}`])
      await expect(titles(phone, 'mine')).toHaveText([`Apples ${width}`, `Chores ${width}`, `Books ${width}`])

      // And a reload shows the same.
      await alice.page.reload()
      await expect(titles(alice.page, 'pinned')).toHaveText([`Bob's trip ${width}`])
      await expect(titles(alice.page, 'mine')).toHaveText([`Apples ${width}`, `Chores ${width}`, `Books ${width}`])

      // Theirs alone: Bob's page keeps his list where it was, not pinned.
      const bobs = (await bob.api('GET', '/api/lists')).body as Array<{ id: string; pinned: boolean; position: string | null }>
      expect(bobs.find((list) => list.id === bobsList)).toMatchObject({ pinned: false, position: null })
    } finally {
      await phone.context().close()
    }
  })

  test(`a first visit says what to do and creates a list in one tap; only shared lists say so too (${width} px)`, async ({ alice, bob }, testInfo) => {
    await alice.page.setViewportSize(size)
    await openListsPage(alice.page)
    const welcome = alice.page.getByTestId('first-visit')
    await expect(welcome.getByRole('heading', { name: 'Create your first list' })).toBeVisible()
    await screenshot(alice.page, `lists-page-first-visit-${width}`, testInfo)
    await welcome.getByRole('button', { name: 'Groceries' }).click()
    await expect(alice.page.getByRole('heading', { name: 'Groceries', level: 1 })).toBeVisible()
    await alice.page.goto('/')
    await expect(card(alice.page, 'Groceries')).toBeVisible()
    await expect(alice.page.getByTestId('first-visit')).toHaveCount(0)

    // Bob has only a list shared with him: his own section says how to start one.
    await bob.page.setViewportSize(size)
    await sharedList(alice, `Shared ${width}`, [[bob, 'editor']])
    await openListsPage(bob.page)
    await expect(card(bob.page, `Shared ${width}`)).toBeVisible()
    const none = bob.page.getByTestId('no-own-lists')
    await expect(none).toContainText("You haven't made a list of your own yet")
    await expect(none.getByRole('button', { name: 'Packing' })).toBeVisible()
    await screenshot(bob.page, `lists-page-shared-only-${width}`, testInfo)
  })
}
