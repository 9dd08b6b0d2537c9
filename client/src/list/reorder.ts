/**
 * Where a reordered item goes, in the terms `moveItem` takes ("after this
 * id", null for first). The list has one order for all items; the UI shows
 * it filtered into category groups and a checked section, so "just before
 * X in this group" becomes "after whatever precedes X in the whole list".
 */
import type { Item, ListView } from '../../../shared/list-document.ts'

export interface Placement {
  /** Id to place after (null: first); undefined keeps the item's place in the order. */
  after: string | null | undefined
  categoryId: string | null
}

export type DropTarget = { kind: 'item'; id: string } | { kind: 'group'; categoryId: string | null }

/** The `after` that puts `movingId` immediately before `targetId`. */
export function afterForBefore(items: readonly Item[], targetId: string, movingId: string): string | null {
  const others = items.filter((item) => item.id !== movingId)
  const index = others.findIndex((item) => item.id === targetId)
  return index <= 0 ? null : (others[index - 1]?.id ?? null)
}

function groupOf(view: ListView, itemId: string) {
  return view.groups.find((group) => group.items.some((item) => item.id === itemId)) ?? null
}

/** One step up (-1) or down (+1) within the item's group; null at either end. */
export function stepWithinGroup(view: ListView, itemId: string, delta: -1 | 1): Placement | null {
  const group = groupOf(view, itemId)
  if (!group) return null
  const index = group.items.findIndex((item) => item.id === itemId)
  const target = group.items[index + delta]
  if (!target) return null
  const categoryId = group.category?.id ?? null
  return delta < 0 ? { after: afterForBefore(view.items, target.id, itemId), categoryId } : { after: target.id, categoryId }
}

/** Where a dragged item lands when dropped on another item or on a group's empty space. */
export function dropPlacement(view: ListView, activeId: string, target: DropTarget): Placement | null {
  const from = groupOf(view, activeId)
  if (!from) return null
  if (target.kind === 'group') {
    const group = view.groups.find((g) => (g.category?.id ?? null) === target.categoryId)
    const last = group?.items.filter((item) => item.id !== activeId).at(-1)
    return { after: last ? last.id : undefined, categoryId: target.categoryId }
  }
  if (target.id === activeId) return null
  const to = groupOf(view, target.id)
  if (!to) return null
  const categoryId = to.category?.id ?? null
  if (to === from) {
    const activeIndex = from.items.findIndex((item) => item.id === activeId)
    const overIndex = from.items.findIndex((item) => item.id === target.id)
    if (activeIndex < overIndex) return { after: target.id, categoryId }
  }
  return { after: afterForBefore(view.items, target.id, activeId), categoryId }
}
