/**
 * Invitations (issue 11): a person without an account opens an invitation
 * link, signs up from it and lands in the list; an invitation revoked by the
 * owner no longer works; a first visit offers sign-up. At 390 and 1280 px;
 * screenshots invite-*.png.
 */
import type { Browser, Page } from '@playwright/test'
import { expect, screenshot, seedItems, sharedList, test, type Person } from './fixtures.ts'

const SIZES = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const

async function openShareDialog(owner: Person, title: string) {
  await owner.page.getByRole('button', { name: 'Share' }).click()
  return owner.page.getByRole('dialog', { name: `Share “${title}”` })
}

/** A browser nobody has used Colist in: no session, nothing stored. */
async function newcomer(browser: Browser, baseURL: string | undefined, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport })
  return context.newPage()
}

for (const size of SIZES) {
  test(`an invitation by link to a person without an account: they sign up from it and land in the list (${size.width} px)`, async ({ alice, browser, baseURL }, testInfo) => {
    await alice.page.setViewportSize(size)
    const title = `Picnic ${size.width}`
    const listId = await sharedList(alice, title)
    await seedItems(alice, listId, ['Bread', 'Cheese'])
    await alice.openList(listId)

    const dialog = await openShareDialog(alice, title)
    await dialog.getByLabel('Role', { exact: true }).selectOption('editor')
    await dialog.getByRole('button', { name: 'Create invite link' }).click()
    const linkField = dialog.getByRole('textbox', { name: 'Invitation link' })
    await expect(linkField).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/)
    await expect(dialog.getByText('Anyone with this link can join as an editor. Expires in 7 days.')).toBeVisible()
    await expect(dialog.getByTestId('pending-invitation')).toHaveText(/Invite link.*Editor · Expires in 7 days/)
    await screenshot(alice.page, `invite-link-created-${size.width}`, testInfo)
    const link = await linkField.inputValue()

    const page = await newcomer(browser, baseURL, size)
    try {
      await page.goto(link)
      await expect(page.getByRole('heading', { name: `Alice Adams invited you to edit “${title}”` })).toBeVisible()
      await expect(page.getByText('Create your account to join.')).toBeVisible()
      await screenshot(page, `invite-signup-${size.width}`, testInfo)
      await page.getByLabel('Name').fill('Nina Novak')
      await page.getByLabel('Email').fill(`nina.${size.width}.${Date.now().toString(36)}@example.com`)
      await page.getByLabel('Password').fill('correct horse battery')
      await page.getByRole('button', { name: 'Sign up' }).click()

      // In the list, as an editor, synced.
      await expect(page).toHaveURL(new RegExp(`/lists/${listId}$`))
      await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible()
      await expect(page.getByRole('checkbox', { name: 'Bread', exact: true })).toBeVisible({ timeout: 15_000 })
      await expect(page.getByRole('status').and(page.getByTestId('sync-status'))).toContainText('All changes saved', { timeout: 15_000 })
      const field = page.getByRole('combobox', { name: 'Add an item' })
      await field.fill('Grapes')
      await field.press('Enter')
      await expect(alice.checkbox('Grapes')).toBeVisible()
      await screenshot(page, `invite-landed-${size.width}`, testInfo)
    } finally {
      await page.context().close()
    }
    // The owner sees who joined.
    const members = await alice.api('GET', `/api/lists/${listId}`)
    expect((members.body as { members: Array<{ name: string; role: string }> }).members).toContainEqual(expect.objectContaining({ name: 'Nina Novak', role: 'editor' }))
  })

  test(`an invitation revoked by the owner no longer works (${size.width} px)`, async ({ alice, bob }, testInfo) => {
    await alice.page.setViewportSize(size)
    await bob.page.setViewportSize(size)
    const title = `Party ${size.width}`
    const listId = await sharedList(alice, title)
    await alice.openList(listId)

    const dialog = await openShareDialog(alice, title)
    await dialog.getByLabel('Email address').fill(bob.account.email)
    await dialog.getByLabel('Role', { exact: true }).selectOption('viewer')
    await dialog.getByRole('button', { name: 'Invite', exact: true }).click()
    await expect(dialog.getByText(`Send this link to ${bob.account.email} — they join as a viewer once they accept.`)).toBeVisible()
    const link = await dialog.getByRole('textbox', { name: 'Invitation link' }).inputValue()
    // Nobody was added, and nothing says whether Bob has an account.
    await expect(dialog.getByRole('combobox', { name: 'Role of Bob Baker' })).toHaveCount(0)
    const pending = dialog.getByTestId('pending-invitation').filter({ hasText: bob.account.email })
    await expect(pending).toContainText('Viewer · Expires in 7 days')
    await screenshot(alice.page, `invite-pending-${size.width}`, testInfo)

    await dialog.getByRole('button', { name: `Revoke invitation for ${bob.account.email}` }).click()
    await expect(dialog.getByText(`Invitation for ${bob.account.email} revoked: it no longer works.`)).toBeVisible()
    await expect(pending).toHaveCount(0)
    await expect(dialog.getByRole('textbox', { name: 'Invitation link' })).toHaveCount(0)

    await bob.page.goto(link)
    await expect(bob.page.getByRole('heading', { name: "This invitation can't be used" })).toBeVisible()
    await expect(bob.page.getByRole('alert')).toHaveText('This invitation was withdrawn. Ask whoever sent it for a new one.')
    await screenshot(bob.page, `invite-revoked-${size.width}`, testInfo)
    expect((await bob.api('GET', `/api/lists/${listId}`)).status).toBe(404)
  })
}

// With INVITATION_MAIL=smtp the server answers `mailed: true` (server/invitations.integration.test.ts mails through a real
// SMTP server); this machine's e2e server mails nothing, so the answer is the real one with that field set.
for (const size of SIZES) {
  test(`an invitation the server is mailing says so, and still offers the link (${size.width} px)`, async ({ alice }, testInfo) => {
    await alice.page.setViewportSize(size)
    const title = `Mailed ${size.width}`
    const listId = await sharedList(alice, title)
    await alice.openList(listId)
    await alice.page.route(`**/api/lists/${listId}/invitations`, async (route) => {
      if (route.request().method() !== 'POST') return route.fallback()
      const response = await route.fetch()
      await route.fulfill({ response, json: { ...((await response.json()) as object), mailed: true } })
    })
    const dialog = await openShareDialog(alice, title)
    await dialog.getByLabel('Email address').fill('sam@example.test')
    await dialog.getByRole('button', { name: 'Invite', exact: true }).click()
    await expect(dialog.getByText('An invitation is being emailed to sam@example.test — they join as an editor once they accept. You can also send them this link.')).toBeVisible()
    await expect(dialog.getByRole('textbox', { name: 'Invitation link' })).toHaveValue(/\/invite\//)
    await expect(dialog.getByText(/Send this link to/)).toHaveCount(0)
    // The pending invitation shows its whole address, wrapped on a phone rather than cut.
    const pendingName = dialog.getByTestId('pending-invitation').filter({ hasText: 'sam@example.test' }).locator('.member__name')
    await expect(pendingName).toHaveText('sam@example.test')
    expect(await pendingName.evaluate((name) => name.scrollWidth <= name.clientWidth)).toBe(true)
    await screenshot(alice.page, `invite-mailed-${size.width}`, testInfo)
  })
}

test('a signed-in person invited by email joins with “Join list”; a first visit offers sign-up', async ({ alice, bob, browser, baseURL }, testInfo) => {
  const listId = await sharedList(alice, 'Book club')
  const invited = await alice.api('POST', `/api/lists/${listId}/invitations`, { email: bob.account.email, role: 'editor' })
  expect(invited.status).toBe(201)
  await bob.page.goto(`/invite/${(invited.body as { token: string }).token}`)
  await expect(bob.page.getByRole('heading', { name: 'Alice Adams invited you to edit “Book club”' })).toBeVisible()
  await expect(bob.page.getByText(`Signed in as ${bob.account.email}.`)).toBeVisible()
  await screenshot(bob.page, 'invite-join-1280', testInfo)
  await bob.page.getByRole('button', { name: 'Join list' }).click()
  await expect(bob.page).toHaveURL(new RegExp(`/lists/${listId}$`))
  await expect(bob.status()).toContainText('All changes saved', { timeout: 15_000 })
  await expect(bob.page.getByRole('combobox', { name: 'Add an item' })).toBeVisible()

  const page = await newcomer(browser, baseURL, { width: 390, height: 844 })
  try {
    await page.goto('/')
    await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible()
    await expect(page.getByRole('link', { name: 'Log in' })).toBeVisible()
    await screenshot(page, 'first-visit-390', testInfo)
  } finally {
    await page.context().close()
  }
})
