/**
 * Issue 11, keyboard and screen readers: others' changes are announced
 * politely (a live region, not an alert), and rate-limited — a burst of
 * changes is one sentence, said once the previous one has had its time.
 */
import { expect, sharedList, test } from './fixtures.ts'

test('others’ changes are announced politely, a burst as one sentence', async ({ alice, bob }) => {
  const listId = await sharedList(alice, 'Groceries', [[bob, 'editor']])
  await alice.openList(listId)
  await bob.openList(listId)
  const announcer = alice.page.getByTestId('announcer')
  await expect(announcer).toHaveAttribute('aria-live', 'polite')
  await expect(announcer).toHaveAttribute('role', 'status')

  await bob.addItem('Milk')
  await expect(announcer).toHaveText('Bob Baker added Milk', { timeout: 10_000 })
  const said = Date.now()
  // Three more changes right after (made at once through Bob's page: typing them in could take longer
  // than the gap on a loaded machine): nothing new is said until the gap (5 s) has passed, then one sentence.
  await bob.page.evaluate(() => {
    const handle = window.colist
    if (!handle || !('doc' in handle)) throw new Error('no list open')
    const { doc, list, user } = handle
    const milk = list.listItems(doc).items.find((item) => item.text === 'Milk')!
    list.addItem(doc, { text: 'Eggs', createdBy: user.id })
    list.addItem(doc, { text: 'Bread', createdBy: user.id })
    list.setChecked(doc, milk.id, true)
  })
  await expect(bob.checkbox('Bread')).toBeVisible()
  await expect(announcer).toHaveText('Bob Baker added Milk')
  await expect(announcer).toHaveText(/^Bob Baker added Eggs, and 2 more changes$/, { timeout: 15_000 })
  expect(Date.now() - said).toBeGreaterThanOrEqual(4000)
  // Alice's own changes are not announced to her.
  await alice.addItem('Butter')
  await alice.page.waitForTimeout(6000)
  await expect(announcer).toHaveText(/^Bob Baker added Eggs, and 2 more changes$/)
})
