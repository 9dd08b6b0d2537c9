/** Checked items, collapsible, with "Clear checked" to delete them all at once. */
import { useId, useState, type ReactElement } from 'react'
import type { Category, Item } from '../../../../shared/list-document.ts'
import type { Peer } from '../../presence/peers.ts'
import { Icon } from '../Icon.tsx'
import { ItemRow, type ItemActions } from './ItemRow.tsx'

interface CheckedSectionProps {
  items: Item[]
  categories: Category[]
  canWrite: boolean
  peersByItem: Map<string, Peer[]>
  actions: ItemActions
  nameOf: (userId: string) => string | null
  onClear: () => void
}

export function CheckedSection({ items, categories, canWrite, peersByItem, actions, nameOf, onClear }: CheckedSectionProps): ReactElement | null {
  const [open, setOpen] = useState(true)
  const regionId = useId()
  if (items.length === 0) return null
  return (
    <section className="checked" aria-labelledby={`${regionId}-title`}>
      <div className="checked__header">
        <h2 id={`${regionId}-title`} className="checked__title">
          <button type="button" className="checked__toggle" aria-expanded={open} aria-controls={regionId} onClick={() => setOpen((o) => !o)}>
            <span className={`chevron${open ? ' chevron--open' : ''}`}>
              <Icon name="chevron" size={18} />
            </span>
            Checked <span className="count">{items.length}</span>
          </button>
        </h2>
        {canWrite && (
          <button type="button" className="button button--small button--ghost-danger" onClick={onClear}>
            Clear checked
          </button>
        )}
      </div>
      {open && (
        <ul id={regionId} className="items items--checked">
          {items.map((item) => (
            <ItemRow
              key={item.id}
              item={item}
              categories={categories}
              canWrite={canWrite}
              focusedBy={peersByItem.get(item.id) ?? []}
              actions={actions}
              addedBy={nameOf(item.createdBy)}
            />
          ))}
        </ul>
      )}
    </section>
  )
}
