/**
 * Undo and redo of this user's own changes to a list, with one difference
 * from a plain Y.UndoManager: undoing the creation of an item or category
 * marks it deleted (last-writer-wins, like the Delete button) instead of
 * deleting its key from `items` / `categories`.
 *
 * A Yjs deletion of the key would be final: a partner's edit of that item
 * made offline meanwhile would be discarded when it arrives, and the server
 * refuses key deletions from anyone but the creator (docs/list-document.md).
 * Marked deleted, the item comes back with any later edit, and redo restores
 * it as it was.
 */
import * as Y from 'yjs'
import { removeCategory, removeItem } from '../../../shared/list-document.ts'
import { categoriesMap, itemsMap } from '../../../shared/list-layout.ts'

type StackItem = Y.UndoManager['undoStack'][number]

/** Consecutive changes of one group (typing in one field) closer together than this undo as one. */
export const UNDO_CAPTURE_MS = 1000

export class ListUndoManager extends Y.UndoManager {
  /**
   * The stack being popped and a copy from before, to tell which stack item
   * is being undone; `held` are the ones below it, set aside while it is.
   */
  #popping: { live: StackItem[]; before: StackItem[]; held: StackItem[] } | null = null
  readonly #items: Y.Map<unknown>
  readonly #categories: Y.Map<unknown>

  constructor(doc: Y.Doc, trackedOrigin: unknown) {
    const items = itemsMap(doc)
    const categories = categoriesMap(doc)
    super([items, categories], { trackedOrigins: new Set([trackedOrigin]), captureTimeout: UNDO_CAPTURE_MS })
    // Y.UndoManager reads this property each time it deletes.
    this.deleteFilter = (item) => this.mayDelete(item)
    this.#items = items
    this.#categories = categories
  }

  override undo(): StackItem | null {
    return this.#pop(this.undoStack, () => super.undo())
  }

  override redo(): StackItem | null {
    return this.#pop(this.redoStack, () => super.redo())
  }

  #pop(stack: StackItem[], pop: () => StackItem | null): StackItem | null {
    const popping = { live: stack, before: [...stack], held: [] as StackItem[] }
    this.#popping = popping
    try {
      return pop()
    } finally {
      this.#popping = null
      stack.unshift(...popping.held)
    }
  }

  /**
   * Called by Y.UndoManager for each struct it is about to delete, children
   * before parents. Keeps an item or category created by the stack item being
   * undone, and everything inside it, and marks that item deleted instead.
   */
  private mayDelete(struct: Y.Item): boolean {
    const popping = this.#popping
    if (!popping) return true
    // Y.UndoManager pops before it deletes, so the stack item being undone is the first one gone.
    const stackItem = popping.before[popping.live.length]
    const entry = this.#rowEntry(struct)
    if (!stackItem || !entry || !Y.isDeleted(stackItem.insertions, entry.id)) return true
    if (entry === struct) {
      this.#markDeleted(entry)
      // Y.UndoManager counts only its own deletions and redos as "changed something"; a stack
      // item whose undo was only this marking would look empty, and it would go on to undo the
      // next one too. With nothing below it, it stops here (the stack is put back afterwards).
      popping.held.push(...popping.live.splice(0))
    }
    return false
  }

  /** The struct of the `items` / `categories` key that `struct` is, or is inside of; null if neither. */
  #rowEntry(struct: Y.Item): Y.Item | null {
    let current: Y.Item | null = struct
    while (current) {
      const parent = current.parent as Y.AbstractType<unknown> | null
      if (parent === this.#items || parent === this.#categories) return current.parentSub === null ? null : current
      current = parent?._item ?? null
    }
    return null
  }

  #markDeleted(entry: Y.Item): void {
    const id = entry.parentSub
    if (id === null) return
    const doc = this.doc
    try {
      // Runs inside the undo's transaction, so it is part of this undo step (and redo takes it back).
      if (entry.parent === this.#items) removeItem(doc, id)
      else removeCategory(doc, id)
    } catch {
      // Already deleted by someone else: nothing to mark.
    }
  }
}
