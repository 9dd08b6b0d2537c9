/**
 * One item: check it, edit its text and quantity inline, delete it, and in
 * its details choose a category or move it. Alt+↑/↓ anywhere in the row
 * moves it within its group; the grip drags it (pointer or keyboard).
 */
import type { DraggableAttributes, DraggableSyntheticListeners } from '@dnd-kit/core'
import { useId, useState, type CSSProperties, type FocusEvent, type KeyboardEvent, type ReactElement } from 'react'
import type * as Y from 'yjs'
import { LIMITS, type Category, type Item } from '../../../../shared/list-document.ts'
import type { Peer } from '../../presence/peers.ts'
import { LOCAL_ORIGIN } from '../../sync/origins.ts'
import { Icon } from '../Icon.tsx'
import { CategoryPicker } from './CategoryPicker.tsx'
import { ItemTextField } from './ItemTextField.tsx'
import { RegisterField } from './RegisterField.tsx'

/** What an item is called in labels; an emptied text still needs a name. */
export function itemName(item: Item): string {
  return item.text.trim() || 'Empty item'
}

export interface ItemActions {
  setChecked(id: string, checked: boolean): void
  /** The item's Y.Text, to bind its text field to; null if it is gone. */
  textOf(id: string): Y.Text | null
  /** Edits the item's text in place as one change of this user; false if refused. */
  editText(id: string, edit: (text: Y.Text) => void): boolean
  /** The person emptied the item's text and left the field. */
  leftEmpty(id: string): void
  /**
   * The row went away while the person was in its text field (`name`: what it was called then;
   * `selection`: where the caret was): deleted by someone else, or moved to another group.
   */
  goneWhileEditing(id: string, name: string, selection: { start: number; end: number }): void
  setQuantity(id: string, quantity: string): void
  setCategory(id: string, categoryId: string | null): void
  /** Makes a category named `name` right after the item's and files the item under it (the row's category picker); false if refused. */
  fileUnderNew?(id: string, name: string): boolean
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
  const name = itemName(item)
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
            aria-label={`Move ${name}`}
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
          aria-label={name}
          disabled={!canWrite}
          data-focus-key="check"
          onChange={(event) => actions.setChecked(item.id, event.target.checked)}
        />
        <ItemTextField
          className="item-row__text"
          text={actions.textOf(item.id)}
          fallback={item.text}
          label={`Edit ${name}`}
          placeholder="Empty item"
          maxLength={LIMITS.itemText}
          readOnly={!canWrite}
          focusKey="text"
          localOrigin={LOCAL_ORIGIN}
          apply={(edit) => actions.editText(item.id, edit)}
          onTyping={actions.typed}
          onStopTyping={actions.stoppedTyping}
          onLeftEmpty={() => actions.leftEmpty(item.id)}
          onGoneWhileFocused={(selection) => actions.goneWhileEditing(item.id, name, selection)}
        />
        <RegisterField
          className="item-row__qty"
          value={item.quantity}
          label={`Quantity or note for ${name}`}
          placeholder={canWrite ? 'Qty' : ''}
          maxLength={LIMITS.quantity}
          readOnly={!canWrite}
          allowEmpty
          focusKey="qty"
          onCommit={(quantity) => actions.setQuantity(item.id, quantity)}
          onTyping={actions.typed}
          onStopTyping={actions.stoppedTyping}
        />
        {canWrite && !item.checked && (
          <CategoryPicker name={name} categoryId={item.categoryId} categories={categories} onPick={(id) => actions.setCategory(item.id, id)} onCreate={(category) => actions.fileUnderNew?.(item.id, category) ?? false} />
        )}
        {canWrite && (
          <button
            type="button"
            className="icon-button icon-button--danger item-row__quick-delete"
            aria-label={`Delete ${name}`}
            data-focus-key="delete"
            onClick={() => actions.remove(item.id)}
          >
            <Icon name="trash" size={18} />
          </button>
        )}
        <button
          type="button"
          className="icon-button"
          aria-label={`Details for ${name}`}
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
              aria-label={`Category for ${name}`}
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
