import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addCategory, addItem, listCategories, listItems, setChecked } from '../../../shared/list-document.ts'
import { filterView, foldForSearch, queryWords } from './search.ts'

describe('search within a list', () => {
  const doc = new Y.Doc()
  const dairy = addCategory(doc, { name: 'Dairy' })
  addItem(doc, { text: 'Crème fraîche', createdBy: 'u1', categoryId: dairy })
  addItem(doc, { text: 'Milk', quantity: '2 litres', createdBy: 'u1', categoryId: dairy })
  addItem(doc, { text: 'Bread', createdBy: 'u1' })
  const oats = addItem(doc, { text: 'Oat milk', createdBy: 'u1' })
  setChecked(doc, oats, true)
  addCategory(doc, { name: 'Frozen' })
  const view = listItems(doc)
  const categories = listCategories(doc)
  const texts = (query: string) => {
    const shown = filterView(view, categories, query)
    return { open: shown.groups.flatMap((group) => group.items.map((item) => item.text)), checked: shown.checked.map((item) => item.text), groups: shown.groups.length }
  }

  it('folds case, accents and spaces', () => {
    expect(foldForSearch('  Crème   FRAÎCHE ')).toBe('creme fraiche')
    expect(queryWords('   ')).toEqual([])
  })

  it('finds by name in open and checked items, ignoring case and accents', () => {
    expect(texts('MILK')).toEqual({ open: ['Milk'], checked: ['Oat milk'], groups: 1 })
    expect(texts('creme')).toEqual({ open: ['Crème fraîche'], checked: [], groups: 1 })
  })

  it('finds by quantity and by category name, every word required', () => {
    expect(texts('litres').open).toEqual(['Milk'])
    expect(texts('dairy').open).toEqual(['Crème fraîche', 'Milk'])
    expect(texts('dairy milk').open).toEqual(['Milk'])
    expect(texts('milk bread').open).toEqual([])
  })

  it('a blank query is the whole view; groups without a match are left out', () => {
    expect(filterView(view, categories, '  ')).toBe(view)
    expect(texts('bread')).toEqual({ open: ['Bread'], checked: [], groups: 1 })
  })
})
