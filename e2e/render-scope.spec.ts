/**
 * A change renders the rows it changed, not every row in the window. Counted
 * through React's DevTools hook (what React DevTools' "highlight updates"
 * reads): a row renders when its hooks' state is made again. On a slow phone
 * each row rendered costs a few milliseconds of the keypress that caused it.
 *
 * Found by profiling the 2,000-item list (large-list.performance.spec.ts):
 * the drag-and-drop sensors' options were new objects at each render of the
 * board, so dnd-kit gave every row new listeners and every row in the window
 * rendered again on every check, add and rename.
 */
import type { Page } from '@playwright/test'
import { expect, sharedList, test, type Person } from './fixtures.ts'

/** Components counted: rows, the list page around them, and its sync status line. */
const COUNTED = ['ItemRow', 'OpenList', 'SyncStatusBar'] as const
type Counted = (typeof COUNTED)[number]

/**
 * Installs a DevTools hook before the app loads that counts renders of the
 * components named in COUNTED (by displayName); `rowRenders(page)` then reads
 * and resets the rows' count, `window.renders` holds them all.
 */
async function countRowRenders(page: Page): Promise<void> {
  await page.addInitScript((counted) => {
    type Fiber = { tag: number; type: unknown; child: Fiber | null; sibling: Fiber | null; alternate: Fiber | null; memoizedState: unknown }
    const seen = new WeakMap<Fiber, unknown>()
    const w = window as unknown as { renders: Record<string, number>; __REACT_DEVTOOLS_GLOBAL_HOOK__: unknown }
    w.renders = Object.fromEntries(counted.map((name) => [name, 0]))
    w.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
      supportsFiber: true,
      renderers: new Map(),
      isDisabled: false,
      inject: () => 1,
      checkDCE: () => {},
      onScheduleFiberRoot: () => {},
      onCommitFiberUnmount: () => {},
      onPostCommitFiberRoot: () => {},
      onCommitFiberRoot: (_id: number, root: { current: Fiber }) => {
        const stack: Fiber[] = [root.current]
        while (stack.length > 0) {
          const fiber = stack.pop()!
          // A function component (tag 0) whose hooks were made again in this commit rendered; one React
          // bailed out on keeps its hooks. Components mounting count too.
          const name = fiber.tag === 0 ? (fiber.type as { displayName?: string }).displayName : undefined
          if (name !== undefined && name in w.renders) {
            const before = seen.get(fiber)
            if (before !== fiber.memoizedState) w.renders[name]!++
            // Both fibers of the pair: the next commit may hold either, and one left with an older commit's
            // hooks would count a render that did not happen.
            seen.set(fiber, fiber.memoizedState)
            if (fiber.alternate) seen.set(fiber.alternate, fiber.memoizedState)
          }
          if (fiber.child) stack.push(fiber.child)
          if (fiber.sibling) stack.push(fiber.sibling)
        }
      },
    }
  }, [...COUNTED])
}

async function rowRenders(page: Page): Promise<number> {
  // Whatever the change set off (presence, the sync status, a second render) has settled.
  await page.waitForTimeout(300)
  return page.evaluate(() => {
    const w = window as unknown as { renders: Record<Counted, number> }
    const count = w.renders.ItemRow
    w.renders.ItemRow = 0
    return count
  })
}

/** Adds "Row 1" … "Row {count}", in list order, in one change of the open list's own document (window.colist). */
async function addRows(page: Page, count: number): Promise<void> {
  await page.evaluate((count) => {
    const handle = window.colist
    if (!handle || !('doc' in handle)) throw new Error('no list open')
    const { doc, list, user } = handle
    let last: { id: string; order: string } | null = null
    doc.transact(() => {
      for (let i = 1; i <= count; i++) {
        const id = list.addItem(doc, { text: `Row ${i}`, createdBy: user.id, last })
        last = { id, order: list.getItem(doc, id)!.order }
      }
    })
  }, count)
}

/**
 * Opens a new list of 20 rows (renders counted) with its search field focused and settled, and gives the page
 * `window.searchKey(text)`: what a key does to the field — its value changes, then `input` (React's onChange).
 */
async function searchableList(person: Person, title: string) {
  const page = person.page
  await countRowRenders(page)
  await page.addInitScript(() => {
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!
    ;(window as unknown as { searchKey: (text: string) => HTMLInputElement }).searchKey = (text) => {
      const field = document.querySelector<HTMLInputElement>('input[type="search"]')!
      setValue.call(field, text)
      field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: text.at(-1) }))
      return field
    }
  })
  const listId = await sharedList(person, title)
  await person.openList(listId)
  await addRows(page, 20)
  const search = page.getByRole('searchbox', { name: 'Find in this list' })
  await search.click()
  await page.waitForTimeout(300)
  return search
}

type SearchKeyWindow = { renders: Record<string, number>; searchKey: (text: string) => HTMLInputElement }

test('checking, adding and renaming an item renders only the rows they change, in a short list and a virtualised one', async ({ alice }) => {
  const page = alice.page
  await countRowRenders(page)
  for (const count of [12, 150]) {
    const listId = await sharedList(alice, `Rows ${count}`)
    await alice.openList(listId)
    await addRows(page, count)
    await expect(alice.checkbox('Row 3')).toBeVisible()
    const inWindow = await page.locator('.groups li.item-row').count()
    expect(inWindow).toBeGreaterThan(8)
    await rowRenders(page)

    // Checking Row 3: its row goes, a row for it comes in Checked, and focus moves to Row 4.
    await alice.checkbox('Row 3').focus()
    await rowRenders(page)
    await page.keyboard.press('Space')
    await expect(alice.checkbox('Row 4')).toBeFocused()
    expect(await rowRenders(page), `rows rendered by a check (${inWindow} in the window)`).toBeLessThanOrEqual(3)

    // Adding an item: its own row, and the row it follows (no longer the last: its "move down" returns).
    const add = page.getByRole('combobox', { name: 'Add an item' })
    await add.fill('Bread')
    await rowRenders(page)
    await page.keyboard.press('Enter')
    await expect(add).toHaveValue('')
    expect(await rowRenders(page), 'rows rendered by an add').toBeLessThanOrEqual(2)

    // A rename from another device of the same person: that row only.
    await page.evaluate(() => {
      const handle = window.colist
      if (!handle || !('doc' in handle)) throw new Error('no list open')
      const item = handle.list.listItems(handle.doc).items.find((entry) => entry.text === 'Row 5')!
      handle.list.updateItem(handle.doc, item.id, { text: 'Row 5 renamed' })
    })
    await expect(alice.checkbox('Row 5 renamed')).toBeVisible()
    expect(await rowRenders(page), 'rows rendered by a rename').toBe(1)
  }
})

test('a long list opened again comes with its rows in its first commit, and a stale remembered start is corrected', async ({ alice }) => {
  const page = alice.page
  // Records, for the first virtualised list put in the page, whether rows came with it or were added to it after.
  await page.addInitScript(() => {
    const w = window as unknown as { listArrival?: { rowsWithIt: number; addedAfter: number } }
    new MutationObserver((records, observer) => {
      for (const record of records)
        for (const node of record.addedNodes) {
          const list = node instanceof Element ? (node.matches('ul.items--virtual') ? node : node.querySelector('ul.items--virtual')) : null
          if (!list) continue
          // Rows React appended to the list once it was in the page show up as records on it, in this same batch.
          const addedAfter = records.filter((other) => other.target === list && other.addedNodes.length > 0).length
          w.listArrival = { rowsWithIt: list.children.length - addedAfter, addedAfter }
          observer.disconnect()
          return
        }
    }).observe(document, { childList: true, subtree: true })
  })
  const listId = await sharedList(alice, 'Long list')
  await alice.openList(listId)
  await addRows(page, 150)
  await expect(alice.checkbox('Row 1')).toBeVisible()
  // Where Row 1 sits in its list (inside the list's border), on a first visit measured before any row is placed.
  const firstRowAt = async () => {
    const [list, row] = await Promise.all([page.locator('ul.items--virtual').first().boundingBox(), alice.row('Row 1').boundingBox()])
    return Math.round(row!.y - list!.y)
  }
  const atTop = await firstRowAt()
  expect(atTop).toBeLessThanOrEqual(1)

  // Opened again (a reload: the list's start is remembered for the tab): the rows come in the list's first commit.
  await page.reload()
  await expect(alice.checkbox('Row 1')).toBeVisible({ timeout: 15_000 })
  const arrival = await page.evaluate(() => (window as unknown as { listArrival?: { rowsWithIt: number; addedAfter: number } }).listArrival)
  expect(arrival?.addedAfter).toBe(0)
  expect(arrival?.rowsWithIt).toBeGreaterThan(5)
  expect(await firstRowAt()).toBe(atTop)

  // A start remembered wrong (another page layout): the list measures, and shows the rows of the window from Row 1.
  for (const wrong of [40, 900]) {
    await page.evaluate((wrong) => {
      const starts = JSON.parse(sessionStorage.getItem('colist:list-start') ?? '{}') as Record<string, number>
      for (const key of Object.keys(starts)) starts[key] = wrong
      sessionStorage.setItem('colist:list-start', JSON.stringify(starts))
    }, wrong)
    await page.reload()
    await expect(alice.checkbox('Row 1')).toBeVisible({ timeout: 15_000 })
    expect(await firstRowAt()).toBe(atTop)
    await expect(alice.checkbox('Row 8')).toBeInViewport()
  }
})

// The page renders a change after the frame the key or tap paints (use-list-view.ts): a check's frame
// waited ~100 ms (4× throttled) while the whole list rendered inside the event. That frame shows the box
// checked where it is (ItemRow's `checkedNow`); the row moves to Checked right after.
test("a check is painted in the key's own frame, the box checked in its place, and the row moves to Checked after it", async ({ alice }) => {
  const page = alice.page
  const listId = await sharedList(alice, 'First frame')
  await alice.openList(listId)
  await alice.addItem('Milk')
  await alice.addItem('Eggs')
  await alice.checkbox('Milk').focus()
  const inTheKeysFrame = await page.evaluate(
    () =>
      new Promise<{ connected: boolean; checked: boolean; inChecked: boolean }>((resolve) => {
        const box = document.querySelector<HTMLInputElement>('.groups input[type="checkbox"][aria-label="Milk"]')!
        box.click()
        // What the next frame paints: read in its animation-frame callback, before its paint.
        requestAnimationFrame(() => resolve({ connected: box.isConnected, checked: box.checked, inChecked: box.closest('.items--checked') !== null }))
      }),
  )
  expect(inTheKeysFrame).toEqual({ connected: true, checked: true, inChecked: false })
  await expect(page.locator('.items--checked').getByRole('checkbox', { name: 'Milk' })).toBeChecked()
  await expect(page.locator('.groups').getByRole('checkbox', { name: 'Milk' })).toHaveCount(0)
})

// Found profiling the 2,000-item list's first add (4× throttled: 56–72 ms, the next adds ~40): the toolbar's
// undo state was read by the page, as a new object at every edit, so the whole page (its dialogs and menus
// too) rendered inside the Enter key. Undo and Redo follow the undo manager themselves now (UndoButtons).
test("adding an item renders the add field, not the page around it, inside the key's event, also when Undo becomes possible", async ({ alice }) => {
  const page = alice.page
  await countRowRenders(page)
  const listId = await sharedList(alice, 'Key frame')
  await alice.openList(listId)
  const add = page.getByRole('combobox', { name: 'Add an item' })
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled()
  for (const text of ['Milk', 'Eggs']) {
    await add.fill(text)
    // The typing's own renders (suggestions, presence) have settled.
    await page.waitForTimeout(300)
    const pageRendersInTheKeysEvent = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const w = window as unknown as { renders: Record<string, number> }
          w.renders.OpenList = 0
          document.querySelector<HTMLFormElement>('form.quick-add')!.requestSubmit()
          // What the event rendered, React's flush of it included (at its end, or in a microtask queued
          // before this one). The list itself renders after the frame's paint (use-list-view.ts).
          queueMicrotask(() => resolve(w.renders.OpenList!))
        }),
    )
    expect(pageRendersInTheKeysEvent, `the page's renders in the event of adding ${text}`).toBe(0)
    await expect(alice.checkbox(text)).toBeVisible()
    await expect(add).toHaveValue('')
  }
  await expect(page.getByRole('button', { name: 'Undo' })).toBeEnabled()
  await page.getByRole('button', { name: 'Undo' }).click()
  await expect(alice.checkbox('Eggs')).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Redo' })).toBeEnabled()
})

// The search field keeps its own text and hands it to the page in a transition (ListSearch.tsx): as the
// page's state, each key rendered the whole page inside its event (a 2,000-item list's search keys 56–96 ms
// at 4× throttling). (CI once saw the transition's render land before the key's frame: checked in the event.)
test("a key in 'Find in this list' renders the field, not the page, inside the key's event; the rows follow, and Escape brings every row back", async ({ alice }) => {
  const page = alice.page
  const search = await searchableList(alice, 'Find frame')
  const inTheKeysEvent = await page.evaluate(
    () =>
      new Promise<{ pageRenders: number; value: string }>((resolve) => {
        const w = window as unknown as SearchKeyWindow
        w.renders.OpenList = 0
        const field = w.searchKey('Row 1')
        // What the event rendered, React's flush of it included (at its end, or in a microtask queued before
        // this one). The transition's render comes in a task of its own: on a fast machine even before the
        // next frame, so the frame is not what is checked here.
        queueMicrotask(() => resolve({ pageRenders: w.renders.OpenList!, value: field.value }))
      }),
  )
  expect(inTheKeysEvent).toEqual({ pageRenders: 0, value: 'Row 1' })
  // Row 1 and Row 10–19 match.
  await expect(page.getByText('11 of 20 items match')).toBeVisible()
  await expect(alice.checkbox('Row 2')).toHaveCount(0)
  await expect(alice.checkbox('Row 19')).toBeVisible()
  await search.press('Escape')
  await expect(search).toHaveValue('')
  await expect(alice.checkbox('Row 2')).toBeVisible()
  await expect(page.getByText(/items match/)).toHaveCount(0)
  // Clear does the same (every word typed: Row 2, Row 12, Row 20).
  await search.fill('Row 2')
  await expect(page.getByText('3 of 20 items match')).toBeVisible()
  await page.getByRole('button', { name: 'Clear' }).click()
  await expect(search).toHaveValue('')
  await expect(search).toBeFocused()
  await expect(alice.checkbox('Row 1')).toBeVisible()
})

// `change` cleared the page's error at every change: set to the null it already held, React still rendered the
// whole page (its hooks, every memo comparison) inside most keystrokes of a name, as it does not always skip a
// state set to its own value. The sync status line ("Syncing 1 change…") follows after the key's frame too:
// rendered in the event, its text change cost a traced keystroke 7–14 ms at 4× throttling.
test("typing in an item's name renders neither the page, nor any row, nor the sync status inside the key's event", async ({ alice }) => {
  const page = alice.page
  await countRowRenders(page)
  const listId = await sharedList(alice, 'Name frame')
  await alice.openList(listId)
  await addRows(page, 20)
  await alice.row('Row 3').locator('.item-row__text').click()
  await expect(alice.row('Row 3').locator('.item-row__text')).toBeFocused()
  await page.keyboard.press('End')
  const rendered: Array<{ page: number; rows: number; status: number }> = []
  for (const letter of 'abcd') {
    // The previous key's change has been stored and acknowledged, its renders (the list, after the frame) done.
    await page.waitForTimeout(300)
    rendered.push(
      await page.evaluate(
        (letter) =>
          new Promise<{ page: number; rows: number; status: number }>((resolve) => {
            const w = window as unknown as { renders: Record<string, number> }
            w.renders.OpenList = 0
            w.renders.ItemRow = 0
            w.renders.SyncStatusBar = 0
            // As a key does: the editor inserts the text and fires `input` (the binding's edit of the Y.Text).
            document.execCommand('insertText', false, letter)
            // What the event rendered, React's flush of it included (a microtask queued before this one).
            queueMicrotask(() => resolve({ page: w.renders.OpenList!, rows: w.renders.ItemRow!, status: w.renders.SyncStatusBar! }))
          }),
        letter,
      ),
    )
  }
  expect(rendered).toEqual(Array.from({ length: 4 }, () => ({ page: 0, rows: 0, status: 0 })))
  await expect(alice.checkbox('Row 3abcd')).toBeVisible()
  await expect(alice.status()).toContainText('All changes saved')
})

// Each new set of rows is a commit and a frame no key can interrupt: when the rows followed every key, a
// 2,000-item list's search keys landed on them (80–152 ms at 4× throttling). They follow once typing pauses.
test("the rows follow 'Find in this list' once typing pauses: five quick keys render the page once", async ({ alice }) => {
  const page = alice.page
  const search = await searchableList(alice, 'Find pause')
  const pageRenders = await page.evaluate(async () => {
    const w = window as unknown as SearchKeyWindow
    w.renders.OpenList = 0
    // Five keys, each in a task of its own, 10 ms apart (a fast typist's keys come 60–150 ms apart).
    for (const text of ['R', 'Ro', 'Row', 'Row ', 'Row 1']) {
      w.searchKey(text)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const whileTyping = w.renders.OpenList!
    await new Promise((resolve) => setTimeout(resolve, 600))
    return { whileTyping, after: w.renders.OpenList! }
  })
  expect(pageRenders).toEqual({ whileTyping: 0, after: 1 })
  await expect(page.getByText('11 of 20 items match')).toBeVisible()
  await search.press('Escape')
  await expect(alice.checkbox('Row 2')).toBeVisible()
})
