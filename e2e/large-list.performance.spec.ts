/**
 * Issue 11, finding 9: a 2,000-item list. The rows are virtualised (only
 * those near the window are in the page), the list can be searched, and
 * focus reaches rows outside the window. With the CPU slowed 4× (DevTools
 * throttling) it times and prints:
 * - the first screen: from the click on the list's card (the list on the
 *   device already, as on every open but the first) to the frame that shows
 *   its first rows;
 * - every key event (Event Timing API: input to the next frame) while typing
 *   in the add field, adding, editing a name, checking with Space, moving
 *   with ↓ and searching.
 * The issue's targets are < 300 ms and < 50 ms; the numbers are printed and
 * attached to the report, not asserted (see docs/client.md for where they
 * stand). This spec runs in its own Playwright project, after every other
 * spec, so nothing else shares the CPU while it measures.
 */
import type { CDPSession, Page } from '@playwright/test'
import { expect, screenshot, sharedList, test, type Person } from './fixtures.ts'

const ITEMS = 2000
const THROTTLE = 4

/** Adds `count` items through the page's own document (window.colist), in list order, a few hundred per change. */
async function seedInPage(page: Page, count: number): Promise<void> {
  await page.evaluate(async (count) => {
    const handle = window.colist
    if (!handle || !('doc' in handle)) throw new Error('no list open')
    const { doc, list, user } = handle
    const aisles = ['Produce', 'Bakery', 'Dairy', 'Pantry', 'Frozen']
    let last: { id: string; order: string } | null = null
    for (let start = 0; start < count; start += 250) {
      doc.transact(() => {
        for (let i = start; i < Math.min(count, start + 250); i++) {
          const id = list.addItem(doc, { text: `${aisles[i % aisles.length]} item ${i + 1}`, quantity: i % 7 === 0 ? `${(i % 5) + 1} packs` : '', createdBy: user.id, last })
          const item = list.getItem(doc, id)!
          last = { id, order: item.order }
        }
      })
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    await handle.flushDeviceStore()
  }, count)
}

async function throttle(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE })
  return cdp
}

/** Starts collecting Event Timing entries of key events (input to next frame, 8 ms granularity). */
async function watchKeys(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Array<{ name: string; duration: number }> = []
    ;(window as unknown as { keyTimings: typeof seen }).keyTimings = seen
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.name.startsWith('key')) seen.push({ name: entry.name, duration: entry.duration })
      // durationThreshold 16 is the lowest the API allows: a key event not reported took < 16 ms.
    }).observe({ type: 'event', durationThreshold: 16, buffered: false } as PerformanceObserverInit)
  })
}

async function keyTimings(page: Page): Promise<Array<{ name: string; duration: number }>> {
  // Entries are delivered after their frame: wait two frames.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
  return page.evaluate(() => (window as unknown as { keyTimings: Array<{ name: string; duration: number }> }).keyTimings.splice(0))
}

const worst = (timings: Array<{ duration: number }>) => Math.max(0, ...timings.map((timing) => timing.duration))
function over50(byActivity: Record<string, Array<{ name: string; duration: number }>>): string {
  const all = Object.values(byActivity).flat()
  const slow = Object.entries(byActivity).flatMap(([activity, timings]) =>
    timings.flatMap((timing, index) => (timing.duration >= 50 ? [`${activity} #${index + 1} ${timing.name} ${timing.duration}`] : [])),
  )
  return `${slow.length} of ${all.length}${slow.length ? `: ${slow.join(', ')}` : ''}`
}

async function openFromListsPage(alice: Person, title: string): Promise<number> {
  const page = alice.page
  await page.goto('/')
  const card = page.getByRole('link', { name: new RegExp(title) }).first()
  await expect(card).toBeVisible({ timeout: 15_000 })
  await page.evaluate(() => {
    const w = window as unknown as { openedAt?: number; firstRowsAt?: Promise<number> }
    document.addEventListener('click', (event) => (w.openedAt = event.timeStamp), { capture: true, once: true })
    w.firstRowsAt = new Promise((resolve) => {
      const check = () => {
        if (document.querySelector('.groups li.item-row')) requestAnimationFrame(() => resolve(performance.now()))
        else requestAnimationFrame(check)
      }
      requestAnimationFrame(check)
    })
  })
  await card.click()
  return page.evaluate(async () => {
    const w = window as unknown as { openedAt: number; firstRowsAt: Promise<number> }
    return (await w.firstRowsAt) - w.openedAt
  })
}

for (const size of [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const) {
  test(`a 2,000-item list at ${size.width} px: virtualised and searchable; its first screen and every keypress timed at ${THROTTLE}× CPU throttling`, async ({ alice }, testInfo) => {
    test.setTimeout(180_000)
    const page = alice.page
    await page.setViewportSize(size)
    const title = `Big shop ${size.width}`
    const listId = await sharedList(alice, title)
    await alice.openList(listId)
    await seedInPage(page, ITEMS)
    await expect(alice.status()).toContainText('All changes saved', { timeout: 30_000 })
    // Virtualised: only rows near the window are in the page, and they know their place in the whole list.
    const rendered = await page.locator('.groups li.item-row').count()
    expect(rendered).toBeGreaterThan(5)
    expect(rendered).toBeLessThan(80)
    await expect(page.locator('.groups li.item-row').first()).toHaveAttribute('aria-setsize', String(ITEMS))

    // The first screen, opened from the lists page (the list on the device already), throttled.
    const cdp = await throttle(page)
    const firstScreens: number[] = []
    for (let run = 0; run < 3; run++) firstScreens.push(await openFromListsPage(alice, title))
    await expect(alice.checkbox('Produce item 1')).toBeVisible()

    // Keypresses, throttled: typing in the add field, adding, editing a name, checking with Space.
    await watchKeys(page)
    const add = page.getByRole('combobox', { name: 'Add an item' })
    await add.click()
    await page.keyboard.type('Sourdough', { delay: 60 })
    const typingAdd = await keyTimings(page)
    await page.keyboard.press('Enter')
    // Added at the end of the list, far below the window: in the document, not in the page.
    await expect(add).toHaveValue('')
    await expect.poll(() => page.evaluate(() => window.colist!.list.listItems((window.colist as { doc: import('yjs').Doc }).doc).items.at(-1)?.text)).toBe('Sourdough')
    const adding = await keyTimings(page)

    if (size.width < 600) await page.getByRole('button', { name: 'Edit Produce item 1', exact: true }).click()
    else await alice.row('Produce item 1').locator('.item-row__text').click()
    const name = alice.row('Produce item 1').locator('.item-row__text')
    await expect(name).toBeFocused()
    await page.keyboard.press('End')
    await keyTimings(page)
    await page.keyboard.type(' fresh', { delay: 60 })
    await expect(alice.checkbox('Produce item 1 fresh')).toBeVisible()
    const editing = await keyTimings(page)

    // (Escape would take the typing back: focus goes to the row's checkbox instead.)
    const fresh = alice.checkbox('Produce item 1 fresh')
    await fresh.focus()
    await keyTimings(page)
    await page.keyboard.press('Space')
    await expect(page.locator('.items--checked').getByRole('checkbox', { name: 'Produce item 1 fresh' })).toBeChecked()
    // Focus stays where it was, on the row that took the item's place: the page does not jump to the
    // checked item at the bottom of the list (it did while the list was virtualised).
    await expect(alice.checkbox('Bakery item 2')).toBeFocused()
    expect(await page.evaluate(() => scrollY)).toBeLessThan(400)
    const checking = await keyTimings(page)
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    const moving = await keyTimings(page)

    // Search narrows 2,000 rows to the matches (keys timed too), and End reaches the last row of the whole list.
    const search = page.getByRole('searchbox', { name: 'Find in this list' })
    await search.click()
    await page.keyboard.type('item 1999', { delay: 60 })
    await expect(page.getByText('1 of 2,001 items match')).toBeVisible()
    await expect(alice.checkbox('Pantry item 1999')).toBeVisible()
    const searching = await keyTimings(page)
    await page.keyboard.press('Escape')
    await expect(search).toHaveValue('')
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
    // From the checked row at the bottom, Home reaches the first open row, far outside the rows in the page.
    await page.locator('.items--checked').getByRole('checkbox', { name: 'Produce item 1 fresh' }).focus()
    await page.keyboard.press('Home')
    await expect(alice.checkbox('Bakery item 2')).toBeFocused()
    await page.keyboard.press('End')
    await expect(page.locator('.items--checked').getByRole('checkbox', { name: 'Produce item 1 fresh' })).toBeFocused()
    await screenshot(page, `large-list-${size.width}`, testInfo)

    const report = {
      firstScreenMs: firstScreens.map(Math.round),
      worstKeyMs: { typingAdd: worst(typingAdd), adding: worst(adding), editing: worst(editing), checking: worst(checking), moving: worst(moving), searching: worst(searching) },
      // The key events (down, press, up) that took 50 ms or more, of those that took 16 or more (the API reports no
      // shorter ones), each as its activity, its place among that activity's events and its duration.
      keyEventsOver50: over50({ typingAdd, adding, editing, checking, moving, searching }),
      renderedRows: rendered,
    }
    console.log(`large list at ${size.width} px, ${THROTTLE}× throttled: ${JSON.stringify(report)}`)
    testInfo.annotations.push({ type: 'performance', description: JSON.stringify(report) })
    // Timings are reported, not asserted (a timed assertion fails on a busy machine, not on slow code): the
    // targets (first screen < 300 ms, every key < 50 ms) and where they stand are in docs/client.md.
    expect(firstScreens).toHaveLength(3)
  })
}
