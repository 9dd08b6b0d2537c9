/**
 * The virtualised row lists on the page (RowList.tsx), by their `ul`: what
 * rows each holds, in order, including those not in the page, and how to
 * bring one into it. Focus code (row-focus.ts) reads rows through here, so
 * ↑/↓, Home/End and focus after a change reach rows outside the window.
 */

export interface VirtualList {
  /** Every row's item id, in order. */
  ids(): string[]
  /** Scrolls the row of `itemId` into the window (it renders on the next frame); false if not in this list. */
  reveal(itemId: string): boolean
}

const lists = new Map<Element, VirtualList>()

/** Registers the list whose element is `ul`; returns the unregistration. */
export function registerVirtualList(ul: Element, list: VirtualList): () => void {
  lists.set(ul, list)
  return () => {
    if (lists.get(ul) === list) lists.delete(ul)
  }
}

export function virtualListOf(ul: Element): VirtualList | undefined {
  return lists.get(ul)
}

/** The virtualised list holding item `itemId`, if any. */
export function virtualListHolding(itemId: string): VirtualList | undefined {
  for (const list of lists.values()) if (list.ids().includes(itemId)) return list
  return undefined
}
