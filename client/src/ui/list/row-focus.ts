/**
 * Focus on the list page's rows. Each row is one tab stop (its checkbox);
 * the arrow keys move between rows and, within a row, between its actions.
 * When a row goes away while focus is in it (checked or unchecked into the
 * other section, moved to another group, deleted), focus goes to the same
 * item in its new place, or to the row that took its place. Rows of a long
 * list that are not in the page (RowList.tsx virtualises it) count in their
 * place: focusing one scrolls it into view first (virtual-rows.ts).
 */
import { virtualListHolding, virtualListOf } from './virtual-rows.ts'

/** The control a row is reached by (Tab, ↑/↓): its checkbox. */
export const ROW_STOP = 'check'

const ROW_SELECTOR = 'li.item-row[data-item-id]'

/** Every row on the page in the order shown (not the one a drag carries). */
export function rowsOnPage(root: ParentNode = document): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(ROW_SELECTOR)].filter((row) => !row.closest('.items--overlay'))
}

/** Every row's item id in the order shown, including rows of a virtualised list not in the page. */
export function rowIdsOnPage(root: ParentNode = document): string[] {
  const ids: string[] = []
  for (const list of root.querySelectorAll('ul.items:not(.items--overlay)')) {
    const virtual = virtualListOf(list)
    if (virtual) ids.push(...virtual.ids())
    else for (const row of list.querySelectorAll<HTMLElement>(ROW_SELECTOR)) if (row.dataset.itemId) ids.push(row.dataset.itemId)
  }
  return ids
}

export function rowOf(itemId: string): HTMLElement | null {
  return rowsOnPage().find((row) => row.dataset.itemId === itemId) ?? null
}

function shown(element: HTMLElement): boolean {
  return element.getClientRects().length > 0
}

/**
 * Focuses a control of the item's row (its checkbox if that control is not there); false if the row is not
 * shown. A row of a virtualised list outside the window is scrolled into view and focused on a later frame.
 */
export function focusRow(itemId: string, focusKey: string = ROW_STOP): boolean {
  const row = rowOf(itemId)
  if (!row) {
    if (!virtualListHolding(itemId)?.reveal(itemId)) return false
    // It renders once the list has scrolled and React has rendered: a few frames.
    let frames = 10
    const later = () => {
      if (rowOf(itemId)) focusRow(itemId, focusKey)
      else if (--frames > 0) requestAnimationFrame(later)
    }
    requestAnimationFrame(later)
    return true
  }
  const target = row.querySelector<HTMLElement>(`[data-focus-key="${focusKey}"]`) ?? row.querySelector<HTMLElement>(`[data-focus-key="${ROW_STOP}"]`)
  if (!target || !shown(target)) return false
  target.focus()
  return document.activeElement === target
}

/** A row's text fields, which exist only while the row is being edited (ItemRow.tsx). */
export type FieldKey = 'text' | 'qty'

export interface TextSelection {
  start: number
  end: number
}

/** Asks a row to start editing (ItemRow listens for it): its field `focusKey` focused, the caret at `selection`. */
export const EDIT_ROW_EVENT = 'colist:edit-row'

export interface EditRowRequest {
  focusKey: FieldKey
  selection?: TextSelection
}

/** Edits the item's row, if it is on the page. */
export function editRow(itemId: string, focusKey: FieldKey, selection?: TextSelection): void {
  rowOf(itemId)?.dispatchEvent(new CustomEvent<EditRowRequest>(EDIT_ROW_EVENT, { detail: { focusKey, selection } }))
}

/** The section a row is in: the open items or the checked ones. */
function sectionOf(row: HTMLElement): Element | null {
  return row.closest('.groups, .checked')
}

export interface RowNeighbours {
  /** The next row in the same section, else null. */
  next: string | null
  prev: string | null
}

/** The rows around `row` in its section, read while it is still on the page. */
export function neighboursOf(row: HTMLElement): RowNeighbours {
  const section = sectionOf(row)
  const ids = rowIdsOnPage(section ?? document)
  const at = ids.indexOf(row.dataset.itemId ?? '')
  return { next: at >= 0 ? (ids[at + 1] ?? null) : null, prev: at > 0 ? (ids[at - 1] ?? null) : null }
}

/** Focuses the row `delta` rows away from `row` (any section), or the first/last for ±Infinity; false if none. */
export function focusRowFrom(row: HTMLElement, delta: number): boolean {
  const ids = rowIdsOnPage()
  const at = ids.indexOf(row.dataset.itemId ?? '')
  const index = delta === -Infinity ? 0 : delta === Infinity ? ids.length - 1 : at + delta
  const target = ids[index]
  if (!target || target === row.dataset.itemId) return false
  return focusRow(target)
}

/** A row's own actions in the order shown, for ←/→ (not its text fields: arrows move the caret there). */
export function rowControls(row: HTMLElement): HTMLElement[] {
  const main = row.querySelector('.item-row__main')
  if (!main) return []
  return [...main.querySelectorAll<HTMLElement>('button, select, input[type="checkbox"]')].filter(
    (control) => shown(control) && !(control as HTMLButtonElement).disabled && !control.closest('form'),
  )
}

/** When nothing is left to focus near a row: the first (or last) row, else the add field, else the list's heading. */
export function focusSomewhereSensible(which: 'first' | 'last' = 'first'): void {
  const ids = rowIdsOnPage()
  const row = which === 'first' ? ids[0] : ids[ids.length - 1]
  if (row && focusRow(row)) return
  const add = document.querySelector<HTMLElement>('#quick-add-text')
  if (add && shown(add)) {
    add.focus()
    return
  }
  document.querySelector<HTMLElement>('main h1')?.focus()
}

/** Whether focus has gone nowhere (the focused element was removed). */
export function focusIsLost(): boolean {
  const active = document.activeElement
  return !active || active === document.body || !active.isConnected
}
