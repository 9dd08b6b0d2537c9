/**
 * One item. Tapping the row checks it (or unchecks it); its name wraps, and
 * its quantity or note sits in a chip after the name (under it when the name
 * is long). Editing is an explicit action: on a desktop, clicking the name;
 * on a phone (or any touch screen), the Edit button or a long press, which
 * also shows the row's details. The details (⋯) hold its category, Move
 * up/down and Delete. Alt+↑/↓ anywhere in the row moves it within its group;
 * the grip drags it (pointer, touch or keyboard).
 *
 * Keyboard: the row is one tab stop, its checkbox (Space checks it). ↑/↓
 * move to the next or previous row, Home/End to the first or last; ←/→
 * reach the row's other actions; Enter (or F2) edits the name, Delete
 * deletes the item (with Undo), Escape comes back to the checkbox.
 */
import type { DraggableAttributes, DraggableSyntheticListeners } from '@dnd-kit/core'
import {
  memo,
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  type PointerEvent,
  type ReactElement,
} from 'react'
import { flushSync } from 'react-dom'
import type * as Y from 'yjs'
import { LIMITS, type Category, type Item } from '../../../../shared/list-document.ts'
import { samePeerShown, type Peer } from '../../presence/peers.ts'
import { LOCAL_ORIGIN } from '../../sync/origins.ts'
import { Icon } from '../Icon.tsx'
import { CategoryPicker } from './CategoryPicker.tsx'
import { ItemTextField } from './ItemTextField.tsx'
import { cutMessage } from './paste.ts'
import { RegisterField } from './RegisterField.tsx'
import type { RowSlot } from './RowList.tsx'
import './item-rows.css'
import { EDIT_ROW_EVENT, ROW_STOP, focusRow, focusRowFrom, neighboursOf, rowControls, type EditRowRequest, type FieldKey, type RowNeighbours, type TextSelection } from './row-focus.ts'

/** What an item is called in labels; an emptied text still needs a name. */
export function itemName(item: Item): string {
  return item.text.trim() || 'Empty item'
}

/** The id of the one element (ItemBoard's) that tells how the rows work by keyboard. */
export const ROW_KEYS_HELP_ID = 'item-row-keys-help'

export interface ItemActions {
  /** Whether the change was made (false: refused). */
  setChecked(id: string, checked: boolean): boolean
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
  /**
   * The row went away while focus was on one of its controls (`focusKey`): it was checked or
   * unchecked, moved to another group or deleted. Puts focus back near it.
   */
  lostFocus?(id: string, focusKey: string, around: RowNeighbours): void
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
  /** Its place in a virtualised list (RowList.tsx). */
  slot?: RowSlot
}

/** A press this long without moving edits the item (touch and pen; a mouse clicks the name instead). */
const LONG_PRESS_MS = 500
const LONG_PRESS_SLOP_PX = 10

/**
 * After a keyboard move the row re-renders in its new place; put focus back on the same control. (A
 * step stays within the item's group, so the row is the same one, still edited if it was.)
 */
function refocus(itemId: string, focusKey: string | undefined) {
  requestAnimationFrame(() => {
    const row = document.querySelector(`[data-item-id="${CSS.escape(itemId)}"]`)
    const target = focusKey ? row?.querySelector<HTMLElement>(`[data-focus-key="${focusKey}"]`) : null
    if (target && document.activeElement !== target) target.focus()
  })
}

/** Where in the clicked element's text the click landed, as a caret (undefined if it was not on its text). */
function caretAt(event: MouseEvent<HTMLElement>): TextSelection | undefined {
  const element = event.currentTarget
  let node: Node | null = null
  let offset = 0
  if (typeof document.caretPositionFromPoint === 'function') {
    const position = document.caretPositionFromPoint(event.clientX, event.clientY)
    node = position?.offsetNode ?? null
    offset = position?.offset ?? 0
  } else if (typeof document.caretRangeFromPoint === 'function') {
    const range = document.caretRangeFromPoint(event.clientX, event.clientY)
    node = range?.startContainer ?? null
    offset = range?.startOffset ?? 0
  }
  // The element's text is one text node (its only child): an offset in it is an offset in the text.
  if (!node || node.parentNode !== element || node.nodeType !== Node.TEXT_NODE) return undefined
  return { start: offset, end: offset }
}

/** Controls a click on which is theirs, not the row's. */
// (The name and quantity at rest, as text: on a desktop a click there edits; on a touch screen they take no touches.)
const OWN_CLICK = 'input, textarea, select, button, a, label, form, .item-row__details, .category-picker, span.item-row__text, span.item-row__qty'

/**
 * A row renders again only when what it shows changed: its item (an
 * unchanged item keeps its object, shared/list-index.ts), the categories,
 * who is on it, its place. A keystroke in one name, or a check, re-renders
 * that row, not every row in the page.
 */
export const ItemRow = memo(ItemRowView, sameRowProps)
// Kept by the minifier: React DevTools, and e2e/render-scope.spec.ts counting which rows render, find rows by it.
ItemRowView.displayName = 'ItemRow'

export function sameRowProps(a: ItemRowProps, b: ItemRowProps): boolean {
  return (
    a.item === b.item &&
    a.categories === b.categories &&
    a.canWrite === b.canWrite &&
    a.actions === b.actions &&
    a.addedBy === b.addedBy &&
    a.focusedBy.length === b.focusedBy.length &&
    a.focusedBy.every((peer, i) => samePeerShown(peer, b.focusedBy[i]!)) &&
    a.canMove?.up === b.canMove?.up &&
    a.canMove?.down === b.canMove?.down &&
    sameSlot(a.slot, b.slot) &&
    sameDrag(a.drag, b.drag)
  )
}

function sameSlot(a: RowSlot | undefined, b: RowSlot | undefined): boolean {
  if (!a || !b) return a === b
  // Not `data-index`: the list keeps it current on the row itself (RowList.tsx).
  return a.ref === b.ref && a.style === b.style
}

function sameDrag(a: DragBits | undefined, b: DragBits | undefined): boolean {
  if (!a || !b) return a === b
  return (
    a.isDragging === b.isDragging &&
    a.setNodeRef === b.setNodeRef &&
    a.setActivatorNodeRef === b.setActivatorNodeRef &&
    a.listeners === b.listeners &&
    a.style.transform === b.style.transform &&
    a.style.transition === b.style.transition &&
    Object.keys(a.attributes).length === Object.keys(b.attributes).length &&
    (Object.keys(a.attributes) as Array<keyof DraggableAttributes>).every((key) => a.attributes[key] === b.attributes[key])
  )
}

function ItemRowView({ item, categories, canWrite, focusedBy, actions, addedBy, drag, canMove, slot }: ItemRowProps): ReactElement {
  const [open, setOpen] = useState(false)
  const [editing, setEditing] = useState(false)
  /** A long press is on: let go to edit. */
  const [held, setHeld] = useState(false)
  const [pasteNote, setPasteNote] = useState<string | null>(null)
  // The box as the person just set it, shown in the frame their tap or key paints: the list renders the
  // change after that frame (use-list-view.ts), and a controlled checkbox would show the old state until then.
  const [checkedNow, setCheckedNow] = useState<{ value: boolean; from: boolean } | null>(null)
  if (checkedNow && checkedNow.from !== item.checked) setCheckedNow(null)
  const checked = checkedNow ? checkedNow.value : item.checked
  const rowRef = useRef<HTMLLIElement | null>(null)
  const detailsId = useId()
  const quantityId = useId()
  const names = focusedBy.map((peer) => peer.name).join(', ')
  const name = itemName(item)
  const peerColor = focusedBy[0]?.color
  const latest = useRef({ actions, id: item.id })
  latest.current = { actions, id: item.id }
  const setDragNode = drag?.setNodeRef
  const measure = slot?.ref
  const setRowRef = useCallback(
    (node: HTMLLIElement | null) => {
      rowRef.current = node
      setDragNode?.(node)
      measure?.(node)
    },
    [setDragNode, measure],
  )
  const press = useRef<{ timer: ReturnType<typeof setTimeout> | null; x: number; y: number; long: boolean } | null>(null)

  // The row is one tab stop (its checkbox): every other control in its main line is reached with ←/→,
  // including ones other components put there (the category picker).
  // Again whenever the controls in it may have changed (not on every render: a keystroke in the name renders the row).
  const hasDrag = drag !== undefined
  useLayoutEffect(() => {
    const main = rowRef.current?.querySelector('.item-row__main')
    // A form one of them opens (the picker's new category) keeps its own Tab order.
    for (const control of main?.querySelectorAll<HTMLElement>('button, select, a[href]') ?? []) if (!control.closest('form')) control.tabIndex = -1
  }, [canWrite, item.checked, hasDrag, editing, open, categories])

  // React runs this before it detaches the row, so focus still tells whether the person was in it.
  useLayoutEffect(() => {
    const row = rowRef.current
    return () => {
      if (!row || !row.contains(document.activeElement)) return
      const focusKey = (document.activeElement as HTMLElement).dataset.focusKey ?? ROW_STOP
      latest.current.actions.lostFocus?.(latest.current.id, focusKey, neighboursOf(row))
    }
  }, [])

  // Editing ends when the person goes elsewhere: focus or a press outside the row's editor. A press
  // ends it only once it is over: the details it hides must not move the rows under the pointer
  // between press and release (the tap would land on another row).
  useEffect(() => {
    if (!editing) return
    // The name, the quantity, the details and the Edit button are the editor.
    const inEditor = (target: EventTarget | null) =>
      target instanceof Node && [...(rowRef.current?.querySelectorAll('.item-row__body, .item-row__details, .item-row__edit') ?? [])].some((zone) => zone.contains(target))
    let pressing = false
    let leave = false
    const end = () => setEditing(false)
    const onFocusIn = (event: globalThis.FocusEvent) => {
      if (inEditor(event.target)) return
      if (pressing) leave = true
      else end()
    }
    const onPointerDown = (event: globalThis.PointerEvent) => {
      pressing = true
      if (!(event.target instanceof Node) || !rowRef.current?.contains(event.target)) leave = true
    }
    const onPointerUp = () => {
      pressing = false
      // After the click this release makes.
      if (leave) setTimeout(end, 0)
    }
    document.addEventListener('focusin', onFocusIn)
    document.addEventListener('pointerdown', onPointerDown, true)
    document.addEventListener('pointerup', onPointerUp, true)
    document.addEventListener('pointercancel', onPointerUp, true)
    return () => {
      document.removeEventListener('focusin', onFocusIn)
      document.removeEventListener('pointerdown', onPointerDown, true)
      document.removeEventListener('pointerup', onPointerUp, true)
      document.removeEventListener('pointercancel', onPointerUp, true)
    }
  }, [editing])

  useEffect(() => () => clearPress(), [])

  /**
   * Edits the name (or the quantity): the caret at `selection`, else at the end. Called from the
   * gesture, so a phone shows its keyboard: the fields exist only while the row is edited, and come
   * with this render.
   */
  function startEditing(focusKey: FieldKey = 'text', selection?: TextSelection) {
    if (!canWrite) return
    if (!editing) flushSync(() => setEditing(true))
    const field = rowRef.current?.querySelector<HTMLTextAreaElement>(`[data-focus-key="${focusKey}"]`)
    if (!field) return
    field.focus()
    const end = field.value.length
    field.setSelectionRange(Math.min(selection?.start ?? end, end), Math.min(selection?.end ?? end, end))
  }
  const latestStart = useRef(startEditing)
  latestStart.current = startEditing

  // Someone else's change took the row from under the person editing it (checked, moved to another
  // group): the row is new, and editRow (row-focus.ts) asks it to go on where they were — on the next
  // frame, which may come before this row's passive effects have run.
  useLayoutEffect(() => {
    const row = rowRef.current
    if (!row) return
    const onEdit = (event: Event) => {
      const { focusKey, selection } = (event as CustomEvent<EditRowRequest>).detail
      latestStart.current(focusKey, selection)
    }
    row.addEventListener(EDIT_ROW_EVENT, onEdit)
    return () => row.removeEventListener(EDIT_ROW_EVENT, onEdit)
  }, [])

  function backToRow() {
    setEditing(false)
    focusRow(item.id)
  }

  function setCheckedTo(value: boolean) {
    if (canWrite && value !== checked && actions.setChecked(item.id, value)) setCheckedNow({ value, from: item.checked })
  }

  function toggle() {
    setCheckedTo(!checked)
  }

  function onRowClick(event: MouseEvent<HTMLLIElement>) {
    const target = event.target as HTMLElement
    if (press.current?.long) {
      press.current = null
      return
    }
    if (editing || target.closest(OWN_CLICK) || !target.closest('.item-row__main')) return
    // Selecting the name's text with the mouse is not a tap.
    if (window.getSelection()?.type === 'Range' && rowRef.current?.contains(window.getSelection()?.anchorNode ?? null)) return
    toggle()
  }

  function clearPress() {
    if (press.current?.timer) clearTimeout(press.current.timer)
    if (press.current) press.current.timer = null
  }

  function onPointerDown(event: PointerEvent<HTMLLIElement>) {
    if (event.pointerType === 'mouse' || !canWrite || editing || (event.target as HTMLElement).closest(OWN_CLICK)) return
    clearPress()
    press.current = {
      x: event.clientX,
      y: event.clientY,
      long: false,
      timer: setTimeout(() => {
        if (!press.current) return
        press.current.long = true
        press.current.timer = null
        // Not editing yet: the fields take touches only after the finger is lifted (else it places the caret).
        setHeld(true)
        navigator.vibrate?.(10)
      }, LONG_PRESS_MS),
    }
  }

  function onPointerMove(event: PointerEvent<HTMLLIElement>) {
    const current = press.current
    if (!current?.timer) return
    if (Math.hypot(event.clientX - current.x, event.clientY - current.y) > LONG_PRESS_SLOP_PX) {
      clearPress()
      press.current = null
    }
  }

  function onPointerUp() {
    clearPress()
    // Focus from the end of the press itself: a phone shows its keyboard only for a gesture.
    if (press.current?.long) {
      setHeld(false)
      startEditing()
      // The click that may follow is the press's, not a tap (onRowClick); after it, nothing is pending.
      setTimeout(() => {
        press.current = null
      }, 0)
    } else press.current = null
  }

  function onKeyDown(event: KeyboardEvent<HTMLLIElement>) {
    const target = event.target as HTMLElement
    const focusKey = target.dataset.focusKey
    if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      if (!canWrite || !drag) return
      event.preventDefault()
      if (actions.step(item.id, event.key === 'ArrowUp' ? -1 : 1)) refocus(item.id, focusKey)
      return
    }
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return
    const row = rowRef.current
    // Only the row's own actions: text fields keep their keys (the caret), and so does an open details panel.
    if (!row || !target.closest('.item-row__main') || target.matches('textarea, input:not([type="checkbox"])')) return
    // While the grip carries the item, the arrow keys are the drag's.
    if (focusKey === 'handle' && drag?.isDragging) return
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        // A closed select changes its value with ↑/↓: leave those to it.
        if (target.tagName === 'SELECT') return
        event.preventDefault()
        focusRowFrom(row, event.key === 'ArrowDown' ? 1 : -1)
        return
      case 'Home':
      case 'End':
        event.preventDefault()
        focusRowFrom(row, event.key === 'Home' ? -Infinity : Infinity)
        return
      case 'ArrowRight':
      case 'ArrowLeft': {
        event.preventDefault()
        const controls = rowControls(row)
        const at = controls.indexOf(target)
        controls[at + (event.key === 'ArrowRight' ? 1 : -1)]?.focus()
        return
      }
      case 'Escape':
        if (focusKey !== ROW_STOP) {
          event.preventDefault()
          backToRow()
        }
        return
      case 'Enter':
      case 'F2':
        if (focusKey !== ROW_STOP) return
        event.preventDefault()
        startEditing()
        return
      case 'Delete':
      case 'Backspace':
        if (focusKey !== ROW_STOP || !canWrite) return
        event.preventDefault()
        actions.remove(item.id)
        return
    }
  }

  function onBlur(event: FocusEvent<HTMLLIElement>) {
    if (event.currentTarget.contains(event.relatedTarget as Node | null)) return
    actions.stoppedTyping()
    actions.focus(null)
    setPasteNote(null)
  }

  const className = [
    'item-row',
    checked && 'item-row--checked',
    canWrite && 'item-row--writable',
    focusedBy.length > 0 && 'item-row--peer',
    drag?.isDragging && 'item-row--dragging',
    open && 'item-row--open',
    editing && 'item-row--editing',
    held && 'item-row--held',
    item.quantity === '' && 'item-row--no-quantity',
  ]
    .filter(Boolean)
    .join(' ')

  const describedBy = [item.quantity ? quantityId : null, ROW_KEYS_HELP_ID].filter(Boolean).join(' ')

  return (
    <li
      ref={setRowRef}
      className={className}
      style={{ ...slot?.style, ...drag?.style, ...(peerColor ? ({ '--peer-color': peerColor } as CSSProperties) : {}) }}
      data-index={slot?.['data-index']}
      data-item-id={item.id}
      data-focused-by={names || undefined}
      onFocus={() => actions.focus(item.id)}
      onBlur={onBlur}
      onKeyDown={onKeyDown}
      onClick={onRowClick}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onTouchEnd={(event) => {
        // The end of a long press is no tap: no click, and no word selected in the name now being edited.
        if (press.current?.long) event.preventDefault()
      }}
      onPointerCancel={() => {
        clearPress()
        press.current = null
        setHeld(false)
      }}
      onContextMenu={(event) => {
        // A long press on a phone edits; it must not also open the browser's menu.
        if (press.current?.long || (editing && (event.target as HTMLElement).closest('.item-row__main') && !(event.target as HTMLElement).closest('textarea'))) event.preventDefault()
      }}
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
            tabIndex={-1}
            aria-label={`Move ${name}`}
            aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
          >
            <Icon name="grip" size={18} />
          </button>
        ) : (
          <span className="item-row__handle item-row__handle--placeholder" aria-hidden="true" />
        )}
        <span className="item-row__check">
          <input
            type="checkbox"
            className="item-row__check-input"
            checked={checked}
            aria-label={name}
            aria-describedby={describedBy}
            aria-keyshortcuts={canWrite ? 'Enter Delete' : undefined}
            // Not `disabled`: a viewer still reaches and reads every row with the keyboard.
            aria-disabled={canWrite ? undefined : true}
            data-focus-key={ROW_STOP}
            onClick={(event) => {
              if (!canWrite) event.preventDefault()
            }}
            onChange={(event) => {
              setCheckedTo(event.target.checked)
            }}
          />
          <span className="item-row__box" aria-hidden="true">
            <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="3.5" strokeLinecap="round" strokeLinejoin="round" focusable="false">
              <path d="M5 12.5 10 17.5 19 7" />
            </svg>
          </span>
        </span>
        <div className="item-row__body">
          {editing ? (
            <>
              <ItemTextField
                className="item-row__text"
                text={actions.textOf(item.id)}
                fallback={item.text}
                label={`Edit ${name}`}
                placeholder="Empty item"
                maxLength={LIMITS.itemText}
                focusKey="text"
                localOrigin={LOCAL_ORIGIN}
                apply={(edit) => actions.editText(item.id, edit)}
                onTyping={actions.typed}
                onStopTyping={actions.stoppedTyping}
                onLeftEmpty={() => actions.leftEmpty(item.id)}
                onGoneWhileFocused={(selection) => actions.goneWhileEditing(item.id, name, selection)}
                onEscape={backToRow}
                onPasteCut={(kept) => setPasteNote(cutMessage(kept, LIMITS.itemText, 'an item'))}
              />
              <RegisterField
                className="item-row__qty"
                value={item.quantity}
                label={`Quantity or note for ${name}`}
                placeholder="Quantity or note"
                maxLength={LIMITS.quantity}
                allowEmpty
                focusKey="qty"
                onCommit={(quantity) => actions.setQuantity(item.id, quantity)}
                onTyping={actions.typed}
                onStopTyping={actions.stoppedTyping}
                onEscape={backToRow}
                onPasteCut={(kept) => setPasteNote(cutMessage(kept, LIMITS.quantity, 'a quantity or note'))}
              />
            </>
          ) : (
            // At rest (every row but the one being edited): the name and quantity as text, laid out as the fields
            // are. A long list's rows are light, and its first screen comes sooner; a click edits, the caret
            // where it landed.
            <>
              <span className="item-row__text" dir="auto" data-placeholder="Empty item" onClick={(event) => startEditing('text', caretAt(event))}>
                {item.text}
              </span>
              <span className="item-row__qty" dir="auto" onClick={(event) => startEditing('qty', caretAt(event))}>
                {item.quantity}
              </span>
            </>
          )}
          {item.quantity && (
            <span id={quantityId} hidden>
              {item.quantity}
            </span>
          )}
          {pasteNote && (
            <p className="item-row__note" role="status">
              {pasteNote}
            </p>
          )}
        </div>
        {canWrite && !item.checked && (
          <CategoryPicker name={name} categoryId={item.categoryId} categories={categories} onPick={(id) => actions.setCategory(item.id, id)} onCreate={(category) => actions.fileUnderNew?.(item.id, category) ?? false} />
        )}
        {canWrite && (
          <button
            type="button"
            className="icon-button item-row__edit"
            aria-label={`Edit ${name}`}
            aria-expanded={editing}
            aria-controls={detailsId}
            data-focus-key="edit"
            // Keeps focus in the name while editing (the press does not take it).
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => (editing ? backToRow() : startEditing())}
          >
            <Icon name="pencil" size={18} />
          </button>
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
          className="icon-button item-row__more"
          aria-label={`Details for ${name}`}
          aria-expanded={open}
          aria-controls={detailsId}
          data-focus-key="details"
          onClick={() => setOpen((o) => !o)}
        >
          <Icon name="more" size={18} />
        </button>
      </div>
      {(open || editing) && (
        <div id={detailsId} className={`item-row__details${open ? '' : ' item-row__details--editing'}`}>
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
