/**
 * `node --import tsx bench/experiments/list-document-cost.ts [ITEMS]`
 *
 * What an edit through shared/list-document.ts costs on a long list (10,000
 * items by default), with the list's `ListIndex` handed to the mutations
 * that place a row (`rows`, `moveItem`'s fourth argument: only the row's
 * neighbours are read) and to `removeChecked` (only the checked items are
 * read), and without it (every item is read). Each figure is
 * the median of 31 edits, each in its own transaction, on one document; the
 * index is settled before each (as the client's view and the server's routes
 * have it). Results and what they mean: bench/README.md, "Editing a long list".
 */
import * as Y from 'yjs'
import { addItem, getItem, listItems, moveItem, removeChecked, removeItem, restoreItem, setChecked, updateItem } from '../../shared/list-document.ts'
import { ListIndex } from '../../shared/list-index.ts'

const ITEMS = Number(process.argv[2] ?? 10_000)
const REPS = 31

const doc = new Y.Doc()
const index = new ListIndex(doc)
let last: { id: string; order: string } | null = null
for (let start = 0; start < ITEMS; start += 500) {
  doc.transact(() => {
    for (let i = start; i < Math.min(ITEMS, start + 500); i++) {
      const id = addItem(doc, { text: `item ${i}`, createdBy: 'bench', last })
      last = { id, order: getItem(doc, id)!.order }
    }
  })
}
index.settleNow()
const ids = listItems(doc).items.map((item) => item.id)
let cursor = 0
/** A different item near the middle each time. */
const middle = () => ids[(ITEMS >> 1) + (cursor++ % 500)]!

/** Prints and returns the median of `times`. */
function report(label: string, times: number[]): number {
  times.sort((a, b) => a - b)
  const median = times[times.length >> 1]!
  console.log(`${label.padEnd(58)} ${median.toFixed(3).padStart(8)} ms`)
  return median
}

function time(label: string, edit: () => void): number {
  const times: number[] = []
  for (let rep = 0; rep < REPS; rep++) {
    index.settleNow()
    const start = performance.now()
    edit()
    times.push(performance.now() - start)
  }
  return report(label, times)
}

console.log(`list-document edits on a ${ITEMS.toLocaleString('en')}-item list (median of ${REPS})`)
const appendIndexed = time('addItem at the end, last row from the index', () => void addItem(doc, { text: 'x', createdBy: 'bench', last: index.lastRow() }))
const afterWhole = time('addItem after an item, reading every item', () => void addItem(doc, { text: 'x', createdBy: 'bench', after: middle() }))
const afterIndexed = time('addItem after an item, through the index', () => void addItem(doc, { text: 'x', createdBy: 'bench', after: middle(), rows: index }))
const moveWhole = time('moveItem, reading every item', () => moveItem(doc, middle(), { after: middle() }))
const moveIndexed = time('moveItem, through the index', () => moveItem(doc, middle(), { after: middle() }, index))
time('setChecked', () => setChecked(doc, middle(), true))
time('updateItem (quantity)', () => updateItem(doc, middle(), { quantity: '2' }))
time('removeItem + restoreItem', () => {
  const id = middle()
  removeItem(doc, id)
  restoreItem(doc, id)
})
// Clearing 20 checked items (checked again before each timed clear, outside the timing).
const checkTwenty = () => {
  for (let i = 0; i < 20; i++) setChecked(doc, middle(), true)
}
function timeClear(label: string, clear: () => string[]): number {
  const times: number[] = []
  for (let rep = 0; rep < REPS; rep++) {
    checkTwenty()
    index.settleNow()
    const start = performance.now()
    const removed = clear()
    times.push(performance.now() - start)
    for (const id of removed) restoreItem(doc, id)
    for (const id of removed) setChecked(doc, id, false)
  }
  return report(label, times)
}
const clearWhole = timeClear('removeChecked (20 checked), reading every item', () => removeChecked(doc))
const clearIndexed = timeClear('removeChecked (20 checked), through the index', () => removeChecked(doc, index))
console.log(`through the index: removeChecked ${(clearWhole / clearIndexed).toFixed(0)}× faster`)
console.log(`through the index: addItem after ${(afterWhole / afterIndexed).toFixed(0)}× faster, moveItem ${(moveWhole / moveIndexed).toFixed(0)}× faster; append ${appendIndexed.toFixed(3)} ms`)
index.destroy()
