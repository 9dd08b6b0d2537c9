/**
 * A list written by layout v1 clients is upgraded to v2 while v1 and v2
 * replicas keep editing it; everything converges and no write is lost.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { attachClock, editItemText, getItem, getTitle, listItems, readLayoutVersion, removeItem, setChecked, updateItem } from './list-document.ts'
import { markLayoutVersion, stripFutureEntries } from './list-maintenance.ts'
import { LayoutV1Writer } from './test-support/layout-v1-writer.ts'

const sync = (...docs: Y.Doc[]) => {
  for (const from of docs) for (const to of docs) if (from !== to) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)))
}

function doc(clientID: number): Y.Doc {
  const d = new Y.Doc()
  d.clientID = clientID
  return d
}

describe('upgrading a v1 list to v2', () => {
  it('reads a v1 list, upgrades it, and v1 and v2 replicas editing concurrently all converge with every write kept', () => {
    let ms = 1_700_000_000_000
    const now = () => ms
    // Two v1 devices build the list.
    const v1a = new LayoutV1Writer(doc(1_000_001), now)
    const v1b = new LayoutV1Writer(doc(1_000_002), now)
    v1a.setTitle('Groceries')
    const milk = v1a.addItem('milk', 'alice', 'a0', '1 l')
    const eggs = v1a.addItem('eggs', 'alice', 'a1')
    const bread = v1a.addItem('bread', 'alice', 'a2')
    sync(v1a.doc, v1b.doc)
    v1b.setChecked(eggs, true)
    sync(v1a.doc, v1b.doc)

    // The server loads it: readers see the v1 list as it is, and the upgrade marks it v2.
    const server = doc(2_000_000)
    attachClock(server, { now })
    sync(server, v1a.doc, v1b.doc)
    expect(readLayoutVersion(server)).toBe(1)
    expect(listItems(server).items.map((i) => [i.text, i.checked, i.quantity])).toEqual([
      ['milk', false, '1 l'],
      ['eggs', true, ''],
      ['bread', false, ''],
    ])
    server.transact(() => {
      markLayoutVersion(server)
      stripFutureEntries(server, ms + 5 * 60_000)
    })
    expect(readLayoutVersion(server)).toBe(2)

    // A v2 device syncs the upgraded list; v1b is offline and keeps editing in v1 meanwhile.
    const v2 = doc(3_000_000)
    attachClock(v2, { now })
    sync(server, v2)
    ms += 1_000
    v1b.setQuantity(milk, '2 l') // v1 write, earlier than the v2 write below
    const jam = v1b.addItem('jam', 'bob', 'a3')
    v1b.setChecked(bread, true)
    ms += 1_000
    updateItem(v2, milk, { quantity: '3 l' }) // later: wins over v1b's
    setChecked(v2, eggs, false)
    editItemText(v2, bread, (text) => text.insert(5, ' (rye)'))
    removeItem(v2, bread) // after the text edit it just made, so bread is deleted…
    ms += 1_000
    v1b.setChecked(milk, true) // …and v1b's check of milk, after everything, stands
    sync(server, v2, v1b.doc, v1a.doc)

    const expected = listItems(server)
    for (const replica of [v2, v1a.doc, v1b.doc]) {
      expect(listItems(replica)).toEqual(expected)
      expect(readLayoutVersion(replica)).toBe(2)
    }
    expect(getTitle(server)).toBe('Groceries')
    expect(expected.items.map((i) => [i.id, i.text, i.checked, i.quantity])).toEqual([
      [milk, 'milk', true, '3 l'],
      [eggs, 'eggs', false, ''],
      [jam, 'jam', false, ''],
    ])
    expect(getItem(server, bread)).toBeNull()
    // Later v2 writes still win over the v1 entries they compete with, and v2 writes are flat entries.
    ms += 1_000
    setChecked(v2, eggs, true)
    sync(server, v2, v1b.doc)
    expect(getItem(v1b.doc, eggs)?.checked).toBe(true)
    expect([...(v2.getMap('items').get(eggs) as Y.Map<unknown>).keys()]).toContain(`checked:${v2.clientID}`)
  })

  it('two replicas upgrading the same v1 list at once end with identical documents', () => {
    const ms = 1_700_000_000_000
    const v1 = new LayoutV1Writer(doc(11), () => ms)
    v1.addItem('milk', 'alice')
    const nodeA = doc(21)
    const nodeB = doc(22)
    sync(v1.doc, nodeA, nodeB)
    for (const node of [nodeA, nodeB]) node.transact(() => markLayoutVersion(node))
    sync(nodeA, nodeB, v1.doc)
    expect(nodeA.getMap('meta').toJSON()).toEqual({ layout: 2 })
    expect(Y.encodeStateAsUpdate(nodeA)).toEqual(Y.encodeStateAsUpdate(nodeB))
    expect(listItems(nodeA)).toEqual(listItems(v1.doc))
  })
})
