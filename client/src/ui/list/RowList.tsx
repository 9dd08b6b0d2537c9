/**
 * A list of rows (`ul.items`), virtualised once it is long: from
 * VIRTUALISE_FROM rows, only the rows in and near the window are in the
 * page (@tanstack/react-virtual, measuring each row, since names wrap), each
 * placed at its offset in a list as tall as all of them. Shorter lists render
 * every row, as before.
 *
 * A virtualised list keeps in the page, beside the visible rows, the row
 * that has focus (scrolling away does not drop the keyboard user's place),
 * and registers itself in virtual-rows.ts so that focus can move to a row not
 * in the page yet (↓ past the last one rendered, End, focus after a move):
 * the row is scrolled into view, then focused.
 */
import { defaultRangeExtractor, useWindowVirtualizer, type Range } from '@tanstack/react-virtual'
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type ReactElement } from 'react'
import { registerVirtualList } from './virtual-rows.ts'

/** Lists with at least this many rows render only those near the window. */
export const VIRTUALISE_FROM = 60

/** A row's height before it is measured (one line of name, no chip). */
const ESTIMATED_ROW_PX = 57
const estimateSize = () => ESTIMATED_ROW_PX

/** Where a virtualised row goes, and how it is measured: spread onto the row's `li`. */
export interface RowSlot {
  ref: (node: HTMLElement | null) => void
  style: CSSProperties
  'data-index': number
  'aria-posinset': number
  'aria-setsize': number
}

interface RowListProps<T extends { id: string }> {
  items: readonly T[]
  className: string
  id?: string
  renderRow: (item: T, index: number, slot?: RowSlot) => ReactElement
}

export function RowList<T extends { id: string }>(props: RowListProps<T>): ReactElement {
  if (props.items.length < VIRTUALISE_FROM)
    return (
      <ul id={props.id} className={props.className}>
        {props.items.map((item, index) => props.renderRow(item, index))}
      </ul>
    )
  return <VirtualRowList {...props} />
}

function VirtualRowList<T extends { id: string }>({ items, className, id, renderRow }: RowListProps<T>): ReactElement {
  const listRef = useRef<HTMLUListElement | null>(null)
  const [scrollMargin, setScrollMargin] = useState(0)
  const [focusedId, setFocusedId] = useState<string | null>(null)
  const focusedIndex = focusedId === null ? -1 : items.findIndex((item) => item.id === focusedId)

  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range)
      if (focusedIndex < 0 || indexes.includes(focusedIndex)) return indexes
      return [...indexes, focusedIndex].sort((a, b) => a - b)
    },
    [focusedIndex],
  )
  // Stable options: a new function per render would make the virtualizer measure every row's offset again.
  const getItemKey = useCallback((index: number) => items[index]!.id, [items])
  const virtualizer = useWindowVirtualizer({
    count: items.length,
    estimateSize,
    overscan: 6,
    scrollMargin,
    getItemKey,
    rangeExtractor,
    // Scrolling and measuring re-render in React's own time, not synchronously inside the scroll or resize event.
    useFlushSync: false,
  })

  // The list's place in the page moves when what is above it changes (a banner, the add field's suggestions, a group).
  useLayoutEffect(() => {
    const list = listRef.current
    if (!list) return
    const measure = () => {
      const top = list.getBoundingClientRect().top + window.scrollY
      setScrollMargin((current) => (Math.abs(current - top) < 1 ? current : top))
    }
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(document.body)
    return () => observer.disconnect()
  }, [])

  const latest = useRef({ items, virtualizer })
  latest.current = { items, virtualizer }
  useEffect(() => {
    const list = listRef.current
    if (!list) return
    return registerVirtualList(list, {
      ids: () => latest.current.items.map((item) => item.id),
      reveal: (itemId) => {
        const index = latest.current.items.findIndex((item) => item.id === itemId)
        if (index < 0) return false
        latest.current.virtualizer.scrollToIndex(index, { align: 'auto' })
        return true
      },
    })
  }, [])

  return (
    <ul
      ref={listRef}
      id={id}
      className={`${className} items--virtual`}
      style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
      onFocus={(event) => {
        const row = (event.target as HTMLElement).closest<HTMLElement>('li[data-item-id]')
        if (row?.dataset.itemId) setFocusedId(row.dataset.itemId)
      }}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setFocusedId(null)
      }}
    >
      {virtualizer.getVirtualItems().map((row) =>
        renderRow(items[row.index]!, row.index, {
          ref: virtualizer.measureElement,
          style: { position: 'absolute', top: 0, left: 0, right: 0, translate: `0 ${row.start - scrollMargin}px` },
          'data-index': row.index,
          'aria-posinset': row.index + 1,
          'aria-setsize': items.length,
        }),
      )}
    </ul>
  )
}
