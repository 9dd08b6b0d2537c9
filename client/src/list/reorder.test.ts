import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addCategory, addItem, listItems, moveItem, setChecked, updateItem } from '../../../shared/list-document.ts'
import { dropPlacement, stepWithinGroup, type Placement } from './reorder.ts'

function setup() {
  const doc = new Y.Doc()
  const ids: Record<string, string> = {}
  for (const text of ['A', 'B', 'C', 'D']) ids[text] = addItem(doc, { text, createdBy: 'u' })
  return { doc, ids }
}

function apply(doc: Y.Doc, id: string, placement: Placement | null) {
  if (!placement) return
  doc.transact(() => {
    updateItem(doc, id, { categoryId: placement.categoryId })
    if (placement.after !== undefined) moveItem(doc, id, { after: placement.after })
  })
}

const order = (doc: Y.Doc) => listItems(doc).groups.map((group) => `${group.category?.name ?? '-'}: ${group.items.map((item) => item.text).join('')}`)

describe('stepWithinGroup', () => {
  it('moves one place up or down, and not past the ends', () => {
    const { doc, ids } = setup()
    apply(doc, ids.C!, stepWithinGroup(listItems(doc), ids.C!, -1))
    expect(order(doc)).toEqual(['-: ACBD'])
    apply(doc, ids.A!, stepWithinGroup(listItems(doc), ids.A!, 1))
    expect(order(doc)).toEqual(['-: CABD'])
    expect(stepWithinGroup(listItems(doc), ids.C!, -1)).toBeNull()
    expect(stepWithinGroup(listItems(doc), ids.D!, 1)).toBeNull()
  })

  it('steps over checked items and other groups that sit between in list order', () => {
    const { doc, ids } = setup()
    setChecked(doc, ids.B!, true)
    apply(doc, ids.C!, stepWithinGroup(listItems(doc), ids.C!, -1))
    expect(order(doc)).toEqual(['-: CAD'])
  })
})

describe('dropPlacement', () => {
  it('drops before the target when moving up and after it when moving down', () => {
    const { doc, ids } = setup()
    apply(doc, ids.D!, dropPlacement(listItems(doc), ids.D!, { kind: 'item', id: ids.B! }))
    expect(order(doc)).toEqual(['-: ADBC'])
    apply(doc, ids.A!, dropPlacement(listItems(doc), ids.A!, { kind: 'item', id: ids.B! }))
    expect(order(doc)).toEqual(['-: DBAC'])
  })

  it('files the item under the category it is dropped into', () => {
    const { doc, ids } = setup()
    const fruit = addCategory(doc, { name: 'Fruit' })
    updateItem(doc, ids.C!, { categoryId: fruit })
    apply(doc, ids.A!, dropPlacement(listItems(doc), ids.A!, { kind: 'item', id: ids.C! }))
    expect(order(doc)).toEqual(['-: BD', 'Fruit: AC'])
    const veg = addCategory(doc, { name: 'Veg' })
    apply(doc, ids.B!, dropPlacement(listItems(doc), ids.B!, { kind: 'group', categoryId: veg }))
    expect(order(doc)).toEqual(['-: D', 'Fruit: AC', 'Veg: B'])
    apply(doc, ids.D!, dropPlacement(listItems(doc), ids.D!, { kind: 'group', categoryId: fruit }))
    expect(order(doc)).toEqual(['Fruit: ACD', 'Veg: B'])
  })

  it('does nothing when dropped on itself', () => {
    const { doc, ids } = setup()
    expect(dropPlacement(listItems(doc), ids.A!, { kind: 'item', id: ids.A! })).toBeNull()
  })
})
