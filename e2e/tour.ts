/**
 * A walk through every screen of the app, for the specs that look at each one
 * (screens.spec.ts takes screenshots, a11y.spec.ts scans them): sign-up,
 * log-in, the lists page, a list with categories and checked items, its share
 * dialog, its activity, the account menu, the devtools panel and the account
 * page. At each, `visit(page, name)` is called with the screen ready.
 *
 * The list is filled through `window.colist` (shared/list-document.ts) rather
 * than by clicking, so the walk does not depend on how the list's controls look.
 */
import type { Browser, Page } from '@playwright/test'
import { expect, seedItems, sharedList, type Person } from './fixtures.ts'

export type Visit = (page: Page, screen: string) => Promise<void>

export interface TourOptions {
  browser: Browser
  baseURL: string | undefined
  /** The one who signs in; `partner` shares a list with them and is on theirs. */
  owner: Person
  partner: Person
  viewport: { width: number; height: number }
  colorScheme?: 'light' | 'dark'
}

export async function tourEveryScreen({ browser, baseURL, owner, partner, viewport, colorScheme }: TourOptions, visit: Visit): Promise<void> {
  // Signed out: a browser of its own, with no session.
  const signedOut = await browser.newContext({ baseURL, viewport, colorScheme })
  try {
    const page = await signedOut.newPage()
    await page.goto('/signup')
    await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible({ timeout: 15_000 })
    await visit(page, 'sign-up')
    await page.getByRole('link', { name: /log in/i }).click()
    await expect(page.getByRole('heading', { name: 'Welcome back' })).toBeVisible()
    await visit(page, 'log-in')
  } finally {
    await signedOut.close()
  }

  const page = owner.page
  await page.setViewportSize(viewport)
  if (colorScheme) await page.emulateMedia({ colorScheme })
  await sharedList(partner, 'Camping trip', [[owner, 'editor']])
  const listId = await sharedList(owner, 'Weekly groceries', [[partner, 'editor']])
  await seedItems(owner, listId, ['Olive oil (extra virgin)', 'Sourdough bread', 'Tomatoes', 'Greek yoghurt', 'Milk', 'Coffee beans'])

  await owner.openList(listId)
  await page.evaluate(() => {
    const handle = window.colist
    if (!handle || !('doc' in handle)) throw new Error('no list open')
    const { doc, list } = handle
    const dairy = list.addCategory(doc, { name: 'Dairy' })
    const bakery = list.addCategory(doc, { name: 'Bakery' })
    for (const item of list.listItems(doc).items) {
      if (item.text === 'Greek yoghurt' || item.text === 'Milk') list.updateItem(doc, item.id, { categoryId: dairy })
      if (item.text === 'Sourdough bread') list.updateItem(doc, item.id, { categoryId: bakery })
      if (item.text === 'Olive oil (extra virgin)') list.updateItem(doc, item.id, { quantity: '1 l' })
      if (item.text === 'Coffee beans') list.setChecked(doc, item.id, true)
    }
  })
  await expect(page.getByRole('region', { name: /^Dairy/ }).getByRole('checkbox', { name: 'Milk' })).toBeVisible()
  await expect(owner.status()).toHaveText('All changes saved')

  // The partner on the list too, so presence and the share dialog have someone in them.
  await partner.openList(listId)
  await expect(page.getByRole('list', { name: 'On this list now' }).getByRole('img', { name: new RegExp(partner.name) })).toBeVisible()

  await page.goto('/')
  await expect(page.getByRole('link', { name: /Camping trip/ })).toBeVisible()
  await expect(page.getByRole('link', { name: /Weekly groceries/ })).toBeVisible()
  await visit(page, 'lists')

  await page.getByRole('link', { name: /Weekly groceries/ }).click()
  await expect(owner.status()).toHaveText('All changes saved', { timeout: 15_000 })
  await expect(owner.checkbox('Milk')).toBeVisible()
  await visit(page, 'list')

  await page.getByRole('button', { name: 'Share' }).click()
  const share = page.getByRole('dialog', { name: /^Share/ })
  await expect(share).toBeVisible()
  await expect(share).toContainText(partner.name)
  await visit(page, 'share-dialog')
  await page.keyboard.press('Escape')
  await expect(share).toBeHidden()

  await page.getByRole('button', { name: 'Activity' }).click()
  const activity = page.getByRole('dialog', { name: 'Activity' })
  await expect(activity).toBeVisible()
  await expect(activity).toContainText('Coffee beans')
  await visit(page, 'activity')
  await page.keyboard.press('Escape')
  await expect(activity).toBeHidden()

  await page.getByRole('button', { name: /^Account menu/ }).click()
  await expect(page.getByRole('group', { name: 'Account menu' })).toBeVisible()
  await visit(page, 'account-menu')
  await page.getByRole('button', { name: 'Developer tools' }).click()
  const devtools = page.getByRole('complementary', { name: 'Developer tools' })
  await expect(devtools).toBeVisible()
  await expect(devtools.getByRole('region', { name: 'Document' })).toContainText('6 (1 checked)')
  await visit(page, 'devtools')
  await devtools.getByRole('button', { name: 'Close developer tools' }).click()
  await expect(devtools).toBeHidden()

  await page.getByRole('button', { name: /^Account menu/ }).click()
  await page.getByRole('link', { name: 'Account and devices' }).click()
  await expect(page.getByTestId('session-row')).toHaveCount(1)
  await visit(page, 'account')
}
