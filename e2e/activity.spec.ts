/**
 * The activity feed (issue 9) between two people on two devices: when Bob
 * opens the list Alice has open, she is told he opened it; when he checks Milk,
 * her Activity view says so; when he closes it, she is told; her lists page
 * shows the list's latest activity. Screenshots at 390 and 1280 px
 * (activity-*).
 */
import { expect, screenshot, seedItems, sharedList, test } from './fixtures.ts'

for (const width of [390, 1280]) {
  test(`"opened the list", "checked Milk" and "closed the list" reach the other device (${width} px)`, async ({ alice, bob }, testInfo) => {
    test.setTimeout(60_000)
    await alice.page.setViewportSize({ width, height: width === 390 ? 844 : 800 })
    const listId = await sharedList(alice, `Weekend ${width}`, [[bob, 'editor']])
    await seedItems(alice, listId, ['Milk', 'Bread', 'Apples'])
    await alice.openList(listId)

    const notices = alice.page.getByTestId('presence-notices')
    await bob.openList(listId)
    await expect(notices).toContainText('Bob Baker opened the list', { timeout: 5000 })
    await screenshot(alice.page, `activity-joined-${width}`, testInfo)

    await bob.checkbox('Milk').check()
    await alice.page.getByRole('button', { name: 'Activity' }).click()
    const dialog = alice.page.getByRole('dialog', { name: 'Activity' })
    const rows = dialog.getByTestId('activity-list').getByRole('listitem')
    // Newest first: his check above his arrival, above hers and her own additions.
    await expect(rows.first()).toContainText('Bob Baker checked Milk', { timeout: 5000 })
    await expect(rows.first()).toContainText('just now')
    await expect(rows.nth(1)).toContainText('Bob Baker opened the list')
    await expect(rows.nth(2)).toContainText('You opened the list')
    await expect(rows.nth(3)).toContainText('You added Apples')
    await screenshot(alice.page, `activity-dialog-${width}`, testInfo)
    await dialog.getByRole('button', { name: 'Close' }).click()

    await bob.page.goto('about:blank')
    // Recorded once he has been gone for the grace (5 s), so a reload is not a leave.
    await expect(notices).toContainText('Bob Baker closed the list', { timeout: 12_000 })

    await alice.page.goto('/')
    const card = alice.page.getByRole('listitem').filter({ has: alice.page.getByRole('link', { name: new RegExp(`^Weekend ${width}`) }) })
    await expect(card.getByTestId('list-activity')).toHaveText('Bob Baker checked Milk · just now')
    await screenshot(alice.page, `activity-lists-${width}`, testInfo)
  })
}
