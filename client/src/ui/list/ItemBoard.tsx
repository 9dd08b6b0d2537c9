/**
 * The unchecked items in their category groups, reorderable by dragging
 * (pointer, touch or keyboard through @dnd-kit) — into another group too,
 * which files the item under that category.
 */
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  closestCenter,
  useDroppable,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
} from '@dnd-kit/core'
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable'
import { CSS } from '@dnd-kit/utilities'
import { memo, useMemo, useState, type CSSProperties, type ReactElement, type ReactNode } from 'react'
import { usePainted } from '../../hooks/use-painted.ts'
import { sameElements, useStable } from '../../hooks/use-stable.ts'
import type { Category, Item, ItemGroup, ListView } from '../../../../shared/list-document.ts'
import { dropPlacement, type DropTarget, type Placement } from '../../list/reorder.ts'
import type { Peer } from '../../presence/peers.ts'
import { CategoryHeader } from './CategoryHeader.tsx'
import { ItemRow, ROW_KEYS_HELP_ID, sameRowProps, type ItemActions } from './ItemRow.tsx'
import { RowList, type RowSlot } from './RowList.tsx'
import { RowsPainted } from './rows-painted.ts'

interface ItemBoardProps {
  view: ListView
  categories: Category[]
  canWrite: boolean
  /** Whether items can be dragged and moved (not while the list is filtered by a search). */
  reorderable: boolean
  peersByItem: Map<string, Peer[]>
  actions: ItemActions
  nameOf: (userId: string) => string | null
  onPlace: (itemId: string, placement: Placement) => void
  onRenameCategory: (id: string, name: string) => void
  onRemoveCategory: (id: string) => void
  footer?: ReactNode
}

const groupKey = (categoryId: string | null) => `group:${categoryId ?? 'none'}`

/**
 * The sensors' options, made once: dnd-kit keeps a sensor only while its options are the same object,
 * and a new sensor gives every row new listeners — every row in the window rendered again whenever the
 * board did (an item checked, added or renamed).
 */
// A few pixels of travel before a drag starts, so a tap on the grip is still a click.
const POINTER_OPTIONS = { activationConstraint: { distance: 5 } }
const KEYBOARD_OPTIONS = { coordinateGetter: sortableKeyboardCoordinates }

/** Memoised: an awareness update or a keystroke in the add field that changes none of its props leaves the board alone. */
export const ItemBoard = memo(ItemBoardView)

function ItemBoardView(props: ItemBoardProps): ReactElement {
  const { view, categories, canWrite, actions } = props
  const [activeId, setActiveId] = useState<string | null>(null)
  const [overGroup, setOverGroup] = useState<string | null>(null)
  const sensors = useSensors(useSensor(PointerSensor, POINTER_OPTIONS), useSensor(KeyboardSensor, KEYBOARD_OPTIONS))
  // The rows' category selects come a frame after the board's first (rows-painted.ts).
  const rowsPainted = usePainted()
  const textOf = (id: string | number | undefined) => view.items.find((item) => item.id === id)?.text ?? 'item'

  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${textOf(active.id)}. Use the arrow keys to move, Space to drop, Escape to cancel.`,
    onDragOver: ({ active, over }) => (over ? `${textOf(active.id)} is over ${describeTarget(over.id, view)}.` : `${textOf(active.id)} is no longer over a place to drop.`),
    onDragEnd: ({ active, over }) => (over ? `${textOf(active.id)} was dropped at ${describeTarget(over.id, view)}.` : `${textOf(active.id)} was dropped.`),
    onDragCancel: ({ active }) => `Moving ${textOf(active.id)} was cancelled.`,
  }

  function targetOf(id: string | number): DropTarget {
    const key = String(id)
    if (key.startsWith('group:')) {
      const raw = key.slice('group:'.length)
      return { kind: 'group', categoryId: raw === 'none' ? null : raw }
    }
    return { kind: 'item', id: key }
  }

  function onDragEnd(event: DragEndEvent) {
    setActiveId(null)
    setOverGroup(null)
    if (!event.over) return
    const placement = dropPlacement(view, String(event.active.id), targetOf(event.over.id))
    if (placement) props.onPlace(String(event.active.id), placement)
  }

  function onDragOver(event: DragOverEvent) {
    if (!event.over) return setOverGroup(null)
    const target = targetOf(event.over.id)
    const categoryId = target.kind === 'group' ? target.categoryId : (view.items.find((item) => item.id === target.id)?.categoryId ?? null)
    setOverGroup(groupKey(categoryId))
  }

  const active = activeId ? view.items.find((item) => item.id === activeId) : undefined
  // While dragging, an empty "No category" group appears so items can be dropped out of a category.
  const groups: ItemGroup[] =
    activeId && categories.length > 0 && !view.groups.some((group) => group.category === null)
      ? [{ category: null, items: [] }, ...view.groups]
      : view.groups
  const showGroupHeaders = categories.length > 0

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={closestCenter}
      accessibility={{ announcements, screenReaderInstructions: { draggable: 'To move an item, press Space or Enter, use the arrow keys, then press Space again to drop it. Alt with the up or down arrow moves it one place.' } }}
      onDragStart={(event: DragStartEvent) => setActiveId(String(event.active.id))}
      onDragOver={onDragOver}
      onDragEnd={onDragEnd}
      onDragCancel={() => {
        setActiveId(null)
        setOverGroup(null)
      }}
    >
      <p id={ROW_KEYS_HELP_ID} hidden>
        {canWrite
          ? 'Space checks the item, Enter edits it, Delete deletes it. Up and down arrows go to the next item, left and right arrows to its other actions; Alt with up or down moves it.'
          : 'Up and down arrows go to the next item.'}
      </p>
      <RowsPainted value={rowsPainted}>
        <div className="groups">
          {groups.map((group) => (
            <Group
              key={groupKey(group.category?.id ?? null)}
              group={group}
              showHeader={showGroupHeaders}
              highlighted={activeId !== null && overGroup === groupKey(group.category?.id ?? null)}
              {...props}
            />
          ))}
        </div>
      </RowsPainted>
      {props.footer}
      <DragOverlay dropAnimation={null}>
        {active ? (
          <ul className="items items--overlay">
            <ItemRow item={active} categories={categories} canWrite={canWrite} focusedBy={[]} actions={actions} addedBy={null} />
          </ul>
        ) : null}
      </DragOverlay>
    </DndContext>
  )
}

function describeTarget(id: string | number, view: ListView): string {
  const key = String(id)
  if (key.startsWith('group:')) {
    const raw = key.slice('group:'.length)
    const category = view.groups.find((group) => (group.category?.id ?? 'none') === raw)?.category
    return category ? `the end of ${category.name}` : 'No category'
  }
  const item = view.items.find((entry) => entry.id === key)
  return item ? `the place of ${item.text}` : 'a new place'
}

function Group({
  group,
  showHeader,
  highlighted,
  categories,
  canWrite,
  reorderable,
  peersByItem,
  actions,
  nameOf,
  onRenameCategory,
  onRemoveCategory,
}: ItemBoardProps & { group: ItemGroup; showHeader: boolean; highlighted: boolean }): ReactElement {
  const categoryId = group.category?.id ?? null
  const { setNodeRef } = useDroppable({ id: groupKey(categoryId), disabled: !canWrite || !reorderable })
  const headingId = `heading-${groupKey(categoryId).replace(':', '-')}`
  // The same array while the group holds the same items in the same order (an edit of a name keeps it):
  // SortableContext then keeps its value, and no row's useSortable runs again.
  const ids = useStable(
    useMemo(() => group.items.map((item) => item.id), [group.items]),
    sameElements,
  )
  return (
    <section ref={setNodeRef} className={`group${highlighted ? ' group--over' : ''}`} aria-labelledby={showHeader ? headingId : undefined} aria-label={showHeader ? undefined : 'Items'}>
      {showHeader && (
        <CategoryHeader
          category={group.category}
          count={group.items.length}
          headingId={headingId}
          canWrite={canWrite}
          onRename={onRenameCategory}
          onRemove={onRemoveCategory}
        />
      )}
      <SortableContext id={groupKey(categoryId)} items={ids} strategy={verticalListSortingStrategy}>
        <RowList
          items={group.items}
          placeKey={groupKey(categoryId)}
          className="items"
          renderRow={(item, index, slot) => (
            <SortableItem
              key={item.id}
              item={item}
              categories={categories}
              canWrite={canWrite}
              canDrag={canWrite && reorderable}
              focusedBy={peersByItem.get(item.id) ?? []}
              actions={actions}
              addedBy={nameOf(item.createdBy)}
              canMove={reorderable ? { up: index > 0, down: index < group.items.length - 1 } : { up: false, down: false }}
              slot={slot}
            />
          )}
        />
      </SortableContext>
      {group.items.length === 0 && group.category && <p className="group__empty">Nothing here yet{canWrite ? ' — drag items here or pick this category when adding.' : '.'}</p>}
    </section>
  )
}

interface SortableItemProps {
  item: Item
  categories: Category[]
  canWrite: boolean
  canDrag: boolean
  focusedBy: Peer[]
  actions: ItemActions
  addedBy: string | null
  canMove: { up: boolean; down: boolean }
  slot?: RowSlot
}

/**
 * Memoised as ItemRow is: a change to one item (a name typed into) renders the board again, and each
 * row's useSortable only when its own props or the group's sortable context changed.
 */
const SortableItem = memo(SortableItemView, (a, b) => a.canDrag === b.canDrag && sameRowProps(a, b))

/** A row's style while no drag is under way: dnd-kit's transform and transition only mean something during one. */
const AT_REST: CSSProperties = {}

function SortableItemView({ canDrag, ...props }: SortableItemProps): ReactElement {
  const sortable = useSortable({ id: props.item.id, disabled: !canDrag })
  if (!canDrag) return <ItemRow {...props} />
  // Outside a drag (and the settling after a drop, while a row still has a transform), the rows' style stays
  // the same object: when the group's items change (an item checked, added or moved) dnd-kit gives every row
  // a `transition` that disables animation for one render, then takes it back — two renders of every row in
  // the window for nothing.
  const style = sortable.isSorting || sortable.transform ? { transform: CSS.Translate.toString(sortable.transform), transition: sortable.transition } : AT_REST
  return (
    <ItemRow
      {...props}
      drag={{
        setNodeRef: sortable.setNodeRef,
        setActivatorNodeRef: sortable.setActivatorNodeRef,
        attributes: sortable.attributes,
        listeners: sortable.listeners,
        isDragging: sortable.isDragging,
        style,
      }}
    />
  )
}
