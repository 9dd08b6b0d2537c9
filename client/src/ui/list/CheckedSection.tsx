/**
 * Checked items, at the bottom: collapsible, in list order or A–Z (both
 * remembered on this device), with "Clear checked" to delete them all at
 * once (the Undo bar brings them back).
 */
import { memo, useId, useState, type ReactElement } from 'react'
import type { Category, Item } from '../../../../shared/list-document.ts'
import type { Peer } from '../../presence/peers.ts'
import { Icon } from '../Icon.tsx'
import { ItemRow, type ItemActions } from './ItemRow.tsx'
import { RowList } from './RowList.tsx'

interface CheckedSectionProps {
  items: Item[]
  categories: Category[]
  canWrite: boolean
  peersByItem: Map<string, Peer[]>
  actions: ItemActions
  nameOf: (userId: string) => string | null
  onClear: () => void
}

type Sort = 'list' | 'name'

/** How this device shows checked items: `{ open, sort }`. */
const STORAGE_KEY = 'colist:checked-view'

function storedView(): { open: boolean; sort: Sort } {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as { open?: unknown; sort?: unknown }
    return { open: stored.open !== false, sort: stored.sort === 'name' ? 'name' : 'list' }
  } catch {
    return { open: true, sort: 'list' }
  }
}

function storeView(view: { open: boolean; sort: Sort }): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(view))
  } catch {
    // Private mode or full: it is only a preference.
  }
}

const byName = (a: Item, b: Item) => a.text.localeCompare(b.text, undefined, { sensitivity: 'base', numeric: true })

export const CheckedSection = memo(CheckedSectionView)

function CheckedSectionView({ items, categories, canWrite, peersByItem, actions, nameOf, onClear }: CheckedSectionProps): ReactElement | null {
  const [view, setView] = useState(storedView)
  const regionId = useId()
  if (items.length === 0) return null
  const change = (next: Partial<typeof view>) => {
    const merged = { ...view, ...next }
    setView(merged)
    storeView(merged)
  }
  const shown = view.sort === 'name' ? [...items].sort(byName) : items
  return (
    <section className="checked" aria-labelledby={`${regionId}-title`}>
      <div className="checked__header">
        <h2 id={`${regionId}-title`} className="checked__title">
          <button type="button" className="checked__toggle" aria-expanded={view.open} aria-controls={regionId} onClick={() => change({ open: !view.open })}>
            <span className={`chevron${view.open ? ' chevron--open' : ''}`}>
              <Icon name="chevron" size={18} />
            </span>
            Checked <span className="count">{items.length}</span>
          </button>
        </h2>
        <div className="checked__tools">
          {view.open && items.length > 1 && (
            <select className="checked__sort" aria-label="Sort checked items" value={view.sort} onChange={(event) => change({ sort: event.target.value === 'name' ? 'name' : 'list' })}>
              <option value="list">List order</option>
              <option value="name">A–Z</option>
            </select>
          )}
          {canWrite && (
            <button type="button" className="button button--small button--ghost-danger" onClick={onClear}>
              Clear checked
            </button>
          )}
        </div>
      </div>
      {view.open && (
        <RowList
          id={regionId}
          items={shown}
          className="items items--checked"
          renderRow={(item, _index, slot) => (
            <ItemRow
              key={item.id}
              item={item}
              categories={categories}
              canWrite={canWrite}
              focusedBy={peersByItem.get(item.id) ?? []}
              actions={actions}
              addedBy={nameOf(item.createdBy)}
              slot={slot}
            />
          )}
        />
      )}
    </section>
  )
}
