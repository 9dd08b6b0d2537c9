import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem, setChecked } from '../../../shared/list-document.ts'
import { ListIndex } from '../../../shared/list-index.ts'
import { latestView, viewStore } from './use-list-view.ts'

// No requestAnimationFrame here: afterPaint runs its work in the next task, as in a hidden tab.
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0))

function setUp() {
  const doc = new Y.Doc()
  const index = new ListIndex(doc)
  const store = viewStore(doc, index)
  let told = 0
  const unsubscribe = store.subscribe(() => told++)
  return { doc, index, store, told: () => told, unsubscribe }
}

describe('the list view store', () => {
  it('tells the page after the paint, once for a burst of updates; a handler meanwhile reads the list as it is now', async () => {
    const { doc, index, store, told } = setUp()
    store.getSnapshot()
    const milk = addItem(doc, { text: 'Milk', createdBy: 'u1' })
    addItem(doc, { text: 'Eggs', createdBy: 'u1' })
    setChecked(doc, milk, true)
    // Not inside the change: the event that made it paints first.
    expect(told()).toBe(0)
    const now = latestView({ doc, index })
    expect(now.view.items.map((item) => [item.text, item.checked])).toEqual([
      ['Milk', true],
      ['Eggs', false],
    ])
    await nextTask()
    expect(told()).toBe(1)
    // The page renders what the handler read: the same object.
    expect(store.getSnapshot()).toBe(now)
  })

  it('tells nobody once the last page is gone', async () => {
    const { doc, told, unsubscribe } = setUp()
    addItem(doc, { text: 'Milk', createdBy: 'u1' })
    unsubscribe()
    await nextTask()
    expect(told()).toBe(0)
  })
})
