/**
 * The device's side of the server owning who writes what: its clock is
 * corrected by the server's, a refused write is explained by its code, and
 * two accounts on one browser never load each other's device copy (so
 * neither can send structs under the other's Yjs clientID).
 */
import { CloseCode, WriteRule, writeRejection } from '../shared/protocol.ts'
import { expect, screenshot, seedItems, sharedList, storedSession, test } from './fixtures.ts'

test('a device whose clock is 7 minutes ahead is told so calmly, and writes with the server’s time', async ({ alice }, testInfo) => {
  await alice.page.addInitScript(() => {
    const deviceNow = Date.now
    Date.now = () => deviceNow() + 7 * 60_000
  })
  const listId = await sharedList(alice, 'Clock check')
  await seedItems(alice, listId, ['Batteries'])
  await alice.openList(listId)
  const notice = alice.page.getByTestId('clock-notice')
  await expect(notice).toHaveText("This device's clock is 7 min ahead; Colist corrects for it.")
  const offset = Number(await alice.page.evaluate(() => localStorage.getItem('colist:clock-offset')))
  expect(offset).toBeGreaterThan(-7 * 60_000 - 30_000)
  expect(offset).toBeLessThan(-7 * 60_000 + 30_000)

  await alice.checkbox('Batteries').check()
  await expect(alice.status()).toHaveText('All changes saved')
  const wall = await alice.page.evaluate(() => {
    const handle = window.colist
    if (!handle || !('doc' in handle)) throw new Error('no list open')
    const items = handle.doc.getMap('items')
    for (const item of items.values()) {
      for (const [key, entry] of (item as Map<string, unknown>).entries()) {
        if (key.startsWith('checked:')) return Number(((entry as { t: string }).t ?? '').slice(0, 15))
      }
    }
    return null
  })
  expect(wall).not.toBeNull()
  expect(Math.abs((wall ?? 0) - Date.now())).toBeLessThan(60_000)
  await screenshot(alice.page, 'clock-notice', testInfo)

  // After a reload the offset kept on the device is used at once, before anything is written.
  await alice.page.reload()
  await expect(notice).toBeVisible()
})

test.describe('with the network under control', () => {
  test.use({ controlNetwork: true })

  test('a refused write or a final close is explained by its code', async ({ alice }, testInfo) => {
    const listId = await sharedList(alice, 'Refusals')
    await seedItems(alice, listId, ['Tape'])
    await alice.openList(listId)
    const alert = alice.page.getByRole('alert')

    // 4425: some timestamps were ahead of the server's clock; the changes stay, Try again later.
    await alice.net.refuseWrites(writeRejection(WriteRule.ClockSkew, 'a timestamp is too far ahead'))
    await expect(alert).toContainText("Syncing paused: some changes are dated ahead of Colist's clock.")
    await expect(alice.status()).toContainText("Syncing paused: some changes are dated ahead of Colist's clock")
    await screenshot(alice.page, 'refused-clock-skew', testInfo)
    await alert.getByRole('button', { name: 'Try again' }).click()
    await expect(alice.status()).toHaveText('All changes saved')
    await expect(alert).toHaveCount(0)

    // 4424: too many new clientIDs.
    await alice.net.refuseWrites(writeRejection(WriteRule.ClientIdsPerUser, 'too many new clientIDs'))
    await expect(alert).toContainText('Syncing paused: this list was opened in too many new tabs today.')
    await alert.getByRole('button', { name: 'Try again' }).click()
    await expect(alice.status()).toHaveText('All changes saved')

    // 4427: this app only knows an older layout; reload.
    await alice.net.refuseWrites(writeRejection(WriteRule.RemovedEntry, 'v1-style deletion'))
    await expect(alert).toContainText('This version of Colist is out of date — reload.')
    expect(CloseCode.LayoutOutdated.code).toBe(4427)
    await screenshot(alice.page, 'refused-outdated', testInfo)
    await alert.getByRole('button', { name: 'Reload' }).click()
    await expect(alice.status()).toHaveText('All changes saved', { timeout: 15_000 })

    // 4422 with a change waiting: the device copy is discarded and the list reopened from the server.
    alice.net.holdAcks()
    await alice.addItem('Glue')
    await expect(alice.status()).toHaveText('Syncing 1 change…')
    await alice.net.refuseWrites(writeRejection(WriteRule.FieldTooLong, 'text too long'))
    await expect(alert).toContainText("Colist couldn't save a change made on this device: a text in it is longer than Colist allows. Your change was not saved and has been taken back")
    await screenshot(alice.page, 'refused-invalid', testInfo)
    alice.net.releaseAcks()
    await expect(alice.status()).toHaveText('All changes saved', { timeout: 15_000 })
    await alert.getByRole('button', { name: 'OK' }).click()
    await expect(alert).toHaveCount(0)
  })

  test('two accounts on one browser keep separate device copies: neither loads the other’s unsynced changes', async ({ alice, bob }) => {
    const listId = await sharedList(alice, 'Flat share', [[bob, 'editor']])
    await seedItems(alice, listId, ['Soap'])
    const page = alice.page
    await alice.openList(listId)

    // Alice, offline, adds an item that only this device has.
    await alice.net.goOffline()
    await alice.addItem('Alice’s unsynced note')
    await alice.flushDeviceStore()
    const aliceClient = await page.evaluate(() => {
      const handle = window.colist
      return handle && 'doc' in handle ? handle.doc.clientID : null
    })

    // Bob signs in on the same browser (still offline, then online).
    await page.evaluate((session) => localStorage.setItem('colist:session', session), storedSession(bob.account))
    await page.reload()
    await alice.net.goOnline()
    await page.reload()
    await expect(alice.status()).toHaveText('All changes saved', { timeout: 15_000 })
    await expect(alice.checkbox('Soap')).toBeVisible()
    await expect(alice.checkbox('Alice’s unsynced note')).toHaveCount(0)
    const bobView = await page.evaluate(() => {
      const handle = window.colist
      if (!handle || !('doc' in handle)) throw new Error('no list open')
      return { user: handle.user.id, clientId: handle.doc.clientID, clients: [...handle.Y.decodeStateVector(handle.Y.encodeStateVector(handle.doc)).keys()] }
    })
    expect(bobView.user).toBe(bob.account.id)
    expect(bobView.clientId).not.toBe(aliceClient)
    expect(bobView.clients).not.toContain(aliceClient)
    await alice.addItem('Bob’s sponge')
    await expect(alice.status()).toHaveText('All changes saved')
    const names = await page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? '').filter((name) => name.startsWith('colist:')))
    expect(names.sort()).toEqual([`colist:${alice.account.id}:${listId}`, `colist:${bob.account.id}:${listId}`].sort())
    let stored = await alice.api('GET', `/api/lists/${listId}/items`)
    expect((stored.body as { items: Array<{ text: string }> }).items.map((item) => item.text)).toEqual(['Soap', 'Bob’s sponge'])

    // Alice signs in again: her own device copy, with her unsynced item, syncs now.
    await page.evaluate((session) => localStorage.setItem('colist:session', session), storedSession(alice.account))
    await page.reload()
    await expect(alice.status()).toHaveText('All changes saved', { timeout: 15_000 })
    await expect(alice.checkbox('Alice’s unsynced note')).toBeVisible()
    stored = await alice.api('GET', `/api/lists/${listId}/items`)
    expect((stored.body as { items: Array<{ text: string }> }).items.map((item) => item.text).sort()).toEqual(['Alice’s unsynced note', 'Bob’s sponge', 'Soap'].sort())
  })
})
