/** Category changes made from an item (its row's category picker). */
import type * as Y from 'yjs'
import { addCategory, getItem, updateItem } from '../../../shared/list-document.ts'

/**
 * Makes a category where the person made it — right after the category the
 * item is in (first, right below "No category", when it has none) — and files
 * the item under it. Call inside one change: one transaction, one undo step.
 */
export function fileUnderNewCategory(doc: Y.Doc, itemId: string, name: string): string {
  const item = getItem(doc, itemId)
  if (!item) throw new Error(`unknown item ${itemId}`)
  const categoryId = addCategory(doc, { name, after: item.categoryId })
  updateItem(doc, itemId, { categoryId })
  return categoryId
}
