/**
 * One item: check it, edit its text and quantity inline, delete it, and in
 * its details choose a category or move it. Alt+↑/↓ anywhere in the row
 * moves it within its group; the grip drags it (pointer or keyboard).
 */
import type { DraggableAttributes, DraggableSyntheticListeners } from '@dnd-kit/core'
import { useId, useState, type CSSProperties, type FocusEvent, type KeyboardEvent, type ReactElement } from 'react'
import { LIMITS, type Category, type Item } from '../../../../shared/list-document.ts'
import type { Peer } from '../../presence/peers.ts'
import { Icon } from '../Icon.tsx'
import { InlineField } from './InlineField.tsx'

export interface ItemActions {
  setChecked(id: string, checked: boolean): void
  setText(id: string, text: string): void
  setQuantity(id: string, quantity: string): void
  setCategory(id: string, categoryId: string | null): void
  remove(id: string): void
  /** Moves one place up (-1) or down (+1) in its group; false at an end. */
  step(id: string, delta: -1 | 1): boolean
  focus(id: string | null): void
  typed(): void
  stoppedTyping(): void
}

export interface DragBits {
  setNodeRef: (node: HTMLElement | null) => void
  setActivatorNodeRef: (node: HTMLElement | null) => void
  attributes: DraggableAttributes
  listeners: DraggableSyntheticListeners
  style: CSSProperties
  isDragging: boolean
}

interface ItemRowProps {
  item: Item
  categories: Category[]
  canWrite: boolean
  focusedBy: Peer[]
  actions: ItemActions
  addedBy: string | null
  drag?: DragBits
  /** Whether the row can move up / down (for the details buttons). */
  canMove?: { up: boolean; down: boolean }
}

/** After a keyboard move the row re-renders elsewhere; put focus back on the same control. */
function refocus(itemId: string, focusKey: string | undefined) {
  requestAnimationFrame(() => {
    const row = document.querySelector(`[data-item-id="${CSS.escape(itemId)}"]`)
    const target = focusKey ? row?.querySelector<HTMLElement>(`[data-focus-key="${focusKey}"]`) : null
    if (target && document.activeElement !== target) target.focus()
  })
}

export function ItemRow({ item, categories, canWrite, focusedBy, actions, addedBy, drag, canMove }: ItemRowProps): ReactElement {
  const [open, setOpen] = useState(false)
  const detailsId = useId()
  const names = focusedBy.map((peer) => peer.name).join(', ')
  const peerColor = focusedBy[0]?.color

  function onKeyDown(event: KeyboardEvent<HTMLLIElement>) {
    if (!canWrite || !drag || !event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return
    event.preventDefault()
    const focusKey = (event.target as HTMLElement).dataset.focusKey
    if (actions.step(item.id, event.key === 'ArrowUp' ? -1 : 1)) refocus(item.id, focusKey)
  }

  function onBlur(event: FocusEvent<HTMLLIElement>) {
    if (event.currentTarget.contains(event.relatedTarget as Node | null)) return
    actions.stoppedTyping()
    actions.focus(null)
  }

  const className = [
    'item-row',
    item.checked && 'item-row--checked',
    focusedBy.length > 0 && 'item-row--peer',
    drag?.isDragging && 'item-row--dragging',
    open && 'item-row--open',
  ]
    .filter(Boolean)
    .join(' ')

  return (
    <li
      ref={drag?.setNodeRef}
      className={className}
      style={{ ...drag?.style, ...(peerColor ? ({ '--peer-color': peerColor } as CSSProperties) : {}) }}
      data-item-id={item.id}
      data-focused-by={names || undefined}
      onFocus={() => actions.focus(item.id)}
      onBlur={onBlur}
      onKeyDown={onKeyDown}
    >
      <div className="item-row__main">
        {drag && canWrite ? (
          <button
            type="button"
            ref={drag.setActivatorNodeRef}
            className="item-row__handle"
            data-focus-key="handle"
            {...drag.attributes}
            {...drag.listeners}
            aria-label={`Move ${item.text}`}
            aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
          >
            <Icon name="grip" size={18} />
          </button>
        ) : (
          <span className="item-row__handle item-row__handle--placeholder" aria-hidden="true" />
        )}
        <input
          type="checkbox"
          className="item-row__check"
          checked={item.checked}
          aria-label={item.text}
          disabled={!canWrite}
          data-focus-key="check"
          onChange={(event) => actions.setChecked(item.id, event.target.checked)}
        />
        <InlineField
          className="item-row__text"
          value={item.text}
          label={`Edit ${item.text}`}
          maxLength={LIMITS.itemText}
          readOnly={!canWrite}
          focusKey="text"
          onCommit={(text) => actions.setText(item.id, text)}
          onTyping={actions.typed}
          onStopTyping={actions.stoppedTyping}
        />
        <InlineField
          className="item-row__qty"
          value={item.quantity}
          label={`Quantity or note for ${item.text}`}
          placeholder={canWrite ? 'Qty' : ''}
          maxLength={LIMITS.quantity}
          readOnly={!canWrite}
          allowEmpty
          focusKey="qty"
          onCommit={(quantity) => actions.setQuantity(item.id, quantity)}
          onTyping={actions.typed}
          onStopTyping={actions.stoppedTyping}
        />
        {canWrite && (
          <button
            type="button"
            className="icon-button icon-button--danger item-row__quick-delete"
            aria-label={`Delete ${item.text}`}
            data-focus-key="delete"
            onClick={() => actions.remove(item.id)}
          >
            <Icon name="trash" size={18} />
          </button>
        )}
        <button
          type="button"
          className="icon-button"
          aria-label={`Details for ${item.text}`}
          aria-expanded={open}
          aria-controls={detailsId}
          data-focus-key="details"
          onClick={() => setOpen((o) => !o)}
        >
          <Icon name="more" size={18} />
        </button>
      </div>
      {open && (
        <div id={detailsId} className="item-row__details">
          <label className="inline-label">
            <span>Category</span>
            <select
              value={item.categoryId ?? ''}
              disabled={!canWrite}
              aria-label={`Category for ${item.text}`}
              onChange={(event) => actions.setCategory(item.id, event.target.value === '' ? null : event.target.value)}
            >
              <option value="">No category</option>
              {categories.map((category) => (
                <option key={category.id} value={category.id}>
                  {category.name}
                </option>
              ))}
            </select>
          </label>
          {canWrite && drag && canMove && (
            <div className="item-row__moves">
              <button type="button" className="button button--small" disabled={!canMove.up} onClick={() => actions.step(item.id, -1) && refocus(item.id, 'details')}>
                <Icon name="up" size={16} /> Move up
              </button>
              <button type="button" className="button button--small" disabled={!canMove.down} onClick={() => actions.step(item.id, 1) && refocus(item.id, 'details')}>
                <Icon name="down" size={16} /> Move down
              </button>
            </div>
          )}
          {canWrite && (
            <button type="button" className="button button--small button--ghost-danger item-row__delete" onClick={() => actions.remove(item.id)}>
              <Icon name="trash" size={16} /> Delete item
            </button>
          )}
          {addedBy && <p className="item-row__meta">Added by {addedBy}</p>}
        </div>
      )}
      {focusedBy.length > 0 && (
        <span className="peer-tag" style={{ backgroundColor: peerColor }} aria-hidden="true">
          {names}
        </span>
      )}
    </li>
  )
}
