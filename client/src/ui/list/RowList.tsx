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
import { defaultRangeExtractor, useWindowVirtualizer, type Range, type Virtualizer } from '@tanstack/react-virtual'
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type ReactElement } from 'react'
import { sameElements, useStable } from '../../hooks/use-stable.ts'
import { registerVirtualList } from './virtual-rows.ts'

/** Lists with at least this many rows render only those near the window. */
export const VIRTUALISE_FROM = 60

/** A row's height before it is measured (one line of name, no chip). */
const ESTIMATED_ROW_PX = 53
const estimateSize = () => ESTIMATED_ROW_PX

/**
 * A row's height: as the ResizeObserver reports it (after layout, before the
 * paint); as the row mounts, the height it had before, or the estimate. The
 * library's default reads an unmeasured row's `offsetHeight` as it mounts,
 * and with the rows placed between reads that forced a layout per row.
 */
function measureRow(element: Element, entry: ResizeObserverEntry | undefined, instance: Virtualizer<Window, Element>): number {
  const box = entry?.borderBoxSize?.[0]
  if (box) return Math.round(box.blockSize)
  if (entry) return (element as HTMLElement).offsetHeight
  return instance.itemSizeCache.get(instance.options.getItemKey(instance.indexFromElement(element))) ?? ESTIMATED_ROW_PX
}

/**
 * How a virtualised row is measured and placed: spread onto the row's `li`.
 * The virtualizer writes its `top` (directDomUpdates) and the list keeps its
 * `data-index`, `aria-posinset` and `aria-setsize` current, so a row renders
 * again only when its item does; `data-index` is here for the row's first
 * measurement, as it mounts.
 */
export interface RowSlot {
  ref: (node: HTMLElement | null) => void
  style: CSSProperties
  'data-index': number
}

const ROW_STYLE: CSSProperties = { position: 'absolute', left: 0, right: 0 }

interface RowListProps<T extends { id: string }> {
  items: readonly T[]
  className: string
  id?: string
  /** Names the list's place in the page across visits (a group's key), for `rememberedStart`. */
  placeKey?: string
  renderRow: (item: T, index: number, slot?: RowSlot) => ReactElement
}

/**
 * Where a long list last started in the page (its `scrollMargin`), by place and window width, kept
 * for the tab's session (a reload too). A list opened again starts from it, so its first render
 * already has the rows of the window: without it the list is rendered empty, laid out (the page's
 * first layout, forced) to learn where it starts, and only then given its rows — two passes before
 * the first screen. The layout effect measures the real start either way and corrects a stale one.
 */
const START_KEY = 'colist:list-start'

/** The starts as stored, read from the session once (the list measures its start at every resize of the page). */
let starts: Record<string, unknown> | null = null

function storedStarts(): Record<string, unknown> {
  if (starts) return starts
  try {
    starts = JSON.parse(sessionStorage.getItem(START_KEY) ?? '{}') as Record<string, unknown>
  } catch {
    starts = {}
  }
  return starts
}

function startKey(placeKey: string): string {
  return `${placeKey}@${window.innerWidth}`
}

function rememberedStart(placeKey: string): number | null {
  const value = storedStarts()[startKey(placeKey)]
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function rememberStart(placeKey: string, top: number): void {
  const all = storedStarts()
  if (all[startKey(placeKey)] === top) return
  all[startKey(placeKey)] = top
  try {
    sessionStorage.setItem(START_KEY, JSON.stringify(all))
  } catch {
    // Storage full or refused: the next visit measures first, as a first visit does.
  }
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

function VirtualRowList<T extends { id: string }>({ items, className, id, placeKey = className, renderRow }: RowListProps<T>): ReactElement {
  const listRef = useRef<HTMLUListElement | null>(null)
  // Where the list starts in the page: where it did last time (`rememberedStart`), else unknown until it
  // is laid out, and then no row is placed before that (the first render has none; the layout effect
  // below measures, and the rows render before the paint).
  const [scrollMargin, setScrollMargin] = useState<number | null>(() => rememberedStart(placeKey))
  // The row with focus, kept in the page (below): a ref, not state, so that moving focus between rows
  // (every ↑/↓, every check) does not render the list again. A focused row is in the page already; the
  // ref matters once the window scrolls away from it, and scrolling computes the range again.
  const focusedId = useRef<string | null>(null)
  const itemsNow = useRef(items)
  itemsNow.current = items

  const rangeExtractor = useCallback((range: Range) => {
    const indexes = defaultRangeExtractor(range)
    const focused = focusedId.current
    if (focused === null) return indexes
    const focusedIndex = itemsNow.current.findIndex((item) => item.id === focused)
    if (focusedIndex < 0 || indexes.includes(focusedIndex)) return indexes
    return [...indexes, focusedIndex].sort((a, b) => a - b)
  }, [])
  // Stable options: a new function per render would make the virtualizer measure every row's offset
  // again. It changes only when the rows do (an item added, taken out or moved), not when an item does.
  const ids = useStable(
    useMemo(() => items.map((item) => item.id), [items]),
    sameElements,
  )
  const getItemKey = useCallback((index: number) => ids[index]!, [ids])
  const virtualizer = useWindowVirtualizer({
    count: scrollMargin === null ? 0 : items.length,
    estimateSize,
    measureElement: measureRow,
    overscan: 3,
    scrollMargin: scrollMargin ?? 0,
    getItemKey,
    rangeExtractor,
    initialRect: { width: window.innerWidth, height: window.innerHeight },
    // Scrolling and measuring re-render in React's own time, not synchronously inside the scroll or resize event.
    useFlushSync: false,
    // Rows are placed (`top`) and the list sized by the virtualizer itself: a row measured taller, or
    // the window scrolled within the rows in the page, moves rows without rendering any of them again.
    directDomUpdates: true,
    directDomUpdatesMode: 'position',
  })

  // The list's place in the page moves when what is above it changes (a banner, the add field's suggestions, a group).
  useLayoutEffect(() => {
    const list = listRef.current
    if (!list) return
    const measure = () => {
      const top = list.getBoundingClientRect().top + window.scrollY
      rememberStart(placeKey, top)
      setScrollMargin((current) => (current !== null && Math.abs(current - top) < 1 ? current : top))
    }
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(document.body)
    return () => observer.disconnect()
  }, [placeKey])

  // Updated once this render is committed, not during it: a row taken out by this commit reads its
  // neighbours (row-focus.ts) from the rows it was among, in its layout cleanup, before this runs.
  const latest = useRef({ items, virtualizer })
  useLayoutEffect(() => {
    latest.current = { items, virtualizer }
    // A row's place in the whole list, kept by the list rather than the row (RowSlot): an item added
    // or taken out above renders none of the rows below it again.
    const list = listRef.current
    if (!list) return
    const indexOf = new Map(virtualizer.getVirtualItems().map((row) => [row.key, row.index]))
    for (const row of list.children as HTMLCollectionOf<HTMLElement>) {
      const index = indexOf.get(row.dataset.itemId ?? '')
      if (index === undefined) continue
      if (row.dataset.index !== String(index)) row.dataset.index = String(index)
      row.setAttribute('aria-posinset', String(index + 1))
      row.setAttribute('aria-setsize', String(items.length))
    }
  })
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
  const containerRef = virtualizer.containerRef
  const setList = useCallback(
    (node: HTMLUListElement | null) => {
      listRef.current = node
      containerRef(node)
    },
    [containerRef],
  )

  return (
    <ul
      ref={setList}
      id={id}
      className={`${className} items--virtual`}
      style={{ position: 'relative' }}
      onFocus={(event) => {
        const row = (event.target as HTMLElement).closest<HTMLElement>('li[data-item-id]')
        if (row?.dataset.itemId) focusedId.current = row.dataset.itemId
      }}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) focusedId.current = null
      }}
    >
      {virtualizer.getVirtualItems().map((row) =>
        renderRow(items[row.index]!, row.index, {
          ref: virtualizer.measureElement,
          style: ROW_STYLE,
          'data-index': row.index,
        }),
      )}
    </ul>
  )
}
