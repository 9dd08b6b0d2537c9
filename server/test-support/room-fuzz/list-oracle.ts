/**
 * What the final list must say, derived from the honest clients' edits alone.
 *
 * The fuzz gives every client the same simulated clock, advanced before
 * every edit, so each edit's HLC timestamp is exactly the time it was made:
 * last-writer-wins then means "the edit made last, in the fuzz's own order",
 * whatever reached whom when. So the expected value of a register field is
 * the value of the last edit that wrote it, and (with layout v2) an item or
 * category exists iff the last edit that touched it was not a deletion.
 *
 * Each edit is recorded by comparing the acting client's view (public
 * functions of shared/list-document.ts) just before and just after it: what
 * changed there is what it wrote. Where a view cannot tell (assigning "no
 * category" to an item whose category is deleted may or may not write), the
 * field is unknown until a later edit writes it.
 */
import * as Y from 'yjs'
import { addItem, attachClock, getItem, listCategories, listItems, removeItem, setChecked, type Category, type Item } from '../../../shared/list-document.ts'

/** Last-writer-wins fact about one field: the last edit's value, or unknown. */
type Fact<T> = { at: number; known: true; value: T } | { at: number; known: false }

const fact = <T>(at: number, value: T): Fact<T> => ({ at, known: true, value })

export interface Semantics {
  /** Layout v2: existence is last-writer-wins (a later edit brings a deleted item back). */
  lwwExistence: boolean
  /** Timestamps hold any clientID up to 2^53 (Yrs-based clients), so clients may use such ids. */
  bigClientIds: boolean
}

/**
 * Which rules the shared model implements, read off its behaviour: one
 * replica deletes an item, another (not having seen that) checks it later.
 */
export function probeSemantics(): Semantics {
  let now = 1_000_000
  const a = new Y.Doc()
  const b = new Y.Doc()
  for (const doc of [a, b]) attachClock(doc, { now: () => now })
  const id = addItem(a, { text: 'probe', createdBy: 'probe' })
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  now += 10
  removeItem(a, id)
  now += 10
  setChecked(b, id, true)
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  const lwwExistence = getItem(a, id) !== null && getItem(b, id) !== null
  a.destroy()
  b.destroy()
  let bigClientIds = true
  try {
    attachClock(new Y.Doc(), { now: () => now }).tick(Number.MAX_SAFE_INTEGER)
  } catch {
    bigClientIds = false
  }
  return { lwwExistence, bigClientIds }
}

export interface ListSnapshot {
  items: Map<string, Item>
  categories: Map<string, Category>
  title: string
}

export function snapshotList(doc: Y.Doc): ListSnapshot {
  const view = listItems(doc)
  return {
    items: new Map(view.items.map((item) => [item.id, item])),
    categories: new Map(listCategories(doc).map((category) => [category.id, category])),
    title: view.title,
  }
}

/** What one edit wrote beyond what the views show (writes that may leave the view as it was). */
export interface ExplicitWrites {
  /** `setTitle` always writes, even the value already shown. */
  title?: string
  /** `renameCategory` always writes, even the name already shown. */
  categoryName?: { id: string; name: string }
  /** Items whose category field this edit may or may not have written. */
  categoryUnknown?: string[]
  /** Items (or, for a categories edit, categories) this edit wrote to, even if their view did not change (a move to the key they had). */
  touched?: string[]
}

export type EditScope = 'items' | 'categories' | 'title'

interface ItemFacts {
  creator: string
  exists: Fact<boolean>
  everDeleted: boolean
  checked: Fact<boolean>
  quantity: Fact<string>
  /** The category id as stored (it reads as null while that category is deleted). */
  category: Fact<string | null>
}

interface CategoryFacts {
  exists: Fact<boolean>
  everDeleted: boolean
  name: Fact<string>
}

export class ListOracle {
  private readonly items = new Map<string, ItemFacts>()
  private readonly categories = new Map<string, CategoryFacts>()
  private title: Fact<string> | null = null

  constructor(readonly semantics: Semantics) {}

  /** Who created an item, if an honest client did. */
  creatorOf(itemId: string): string | undefined {
    return this.items.get(itemId)?.creator
  }

  /** Records one edit made at `at` by `userId`, from the acting client's view before and after it. */
  record(at: number, userId: string, scope: EditScope, before: ListSnapshot, after: ListSnapshot, writes: ExplicitWrites = {}): void {
    if (scope === 'items') this.recordItems(at, userId, before, after, writes)
    if (scope === 'categories') this.recordCategories(at, before, after, writes)
    if (writes.title !== undefined) this.title = fact(at, writes.title)
    else if (scope === 'title' && before.title !== after.title) this.title = fact(at, after.title)
  }

  private recordItems(at: number, userId: string, before: ListSnapshot, after: ListSnapshot, writes: ExplicitWrites): void {
    for (const [id, item] of after.items) {
      const known = this.items.get(id)
      const was = before.items.get(id)
      if (!known) {
        this.items.set(id, {
          creator: userId,
          exists: fact(at, true),
          everDeleted: false,
          checked: fact(at, item.checked),
          quantity: fact(at, item.quantity),
          category: fact(at, item.categoryId),
        })
        continue
      }
      if (!was) {
        known.exists = fact(at, true) // restored
        continue
      }
      const changed = (['text', 'checked', 'quantity', 'categoryId', 'order'] as const).filter((field) => was[field] !== item[field])
      if (changed.length === 0) continue
      known.exists = fact(at, true)
      if (changed.includes('checked')) known.checked = fact(at, item.checked)
      if (changed.includes('quantity')) known.quantity = fact(at, item.quantity)
      if (changed.includes('categoryId')) known.category = fact(at, item.categoryId)
    }
    for (const id of before.items.keys()) {
      const known = this.items.get(id)
      if (!after.items.has(id) && known) {
        known.exists = fact(at, false)
        known.everDeleted = true
      }
    }
    for (const id of writes.touched ?? []) {
      const known = this.items.get(id)
      if (known && after.items.has(id)) known.exists = fact(at, true)
    }
    for (const id of writes.categoryUnknown ?? []) {
      const known = this.items.get(id)
      if (!known) continue
      known.category = { at, known: false }
      // Had it written, that write would also count for the item's existence.
      if (after.items.has(id)) known.exists = { at, known: false }
    }
  }

  private recordCategories(at: number, before: ListSnapshot, after: ListSnapshot, writes: ExplicitWrites): void {
    for (const [id, category] of after.categories) {
      const known = this.categories.get(id)
      const was = before.categories.get(id)
      if (!known) {
        this.categories.set(id, { exists: fact(at, true), everDeleted: false, name: fact(at, category.name) })
        continue
      }
      if (!was) {
        known.exists = fact(at, true)
        continue
      }
      if (was.name !== category.name || was.order !== category.order) known.exists = fact(at, true)
      if (was.name !== category.name) known.name = fact(at, category.name)
    }
    for (const id of before.categories.keys()) {
      const known = this.categories.get(id)
      if (!after.categories.has(id) && known) {
        known.exists = fact(at, false)
        known.everDeleted = true
      }
    }
    for (const id of writes.touched ?? []) {
      const known = this.categories.get(id)
      if (known && after.categories.has(id)) known.exists = fact(at, true)
    }
    if (writes.categoryName) {
      const known = this.categories.get(writes.categoryName.id)
      if (known) {
        known.name = fact(at, writes.categoryName.name)
        known.exists = fact(at, true)
      }
    }
  }

  private expectedExistence(facts: { exists: Fact<boolean>; everDeleted: boolean }): boolean | undefined {
    // Layout v1: a deletion wins over everything, forever.
    if (!this.semantics.lwwExistence) return !facts.everDeleted
    return facts.exists.known ? facts.exists.value : undefined
  }

  /** Every way `view` (the converged list) differs from what the honest edits imply. */
  check(view: ListSnapshot): string[] {
    const problems: string[] = []
    const describeFact = (f: Fact<unknown>) => (f.known ? `${JSON.stringify(f.value)} written at ${f.at}` : `unknown since ${f.at}`)
    for (const [id, facts] of this.items) {
      const expected = this.expectedExistence(facts)
      const item = view.items.get(id)
      if (expected === true && !item) problems.push(`item ${id} (by ${facts.creator}) is gone, yet the last edit touching it was no deletion (${describeFact(facts.exists)})`)
      if (expected === false && item) problems.push(`item ${id} (by ${facts.creator}) is shown, yet the last edit touching it deleted it (${describeFact(facts.exists)})`)
      if (!item) continue
      if (item.createdBy !== facts.creator) problems.push(`item ${id} says it was created by ${JSON.stringify(item.createdBy)}, but ${facts.creator} created it`)
      if (facts.checked.known && item.checked !== facts.checked.value) problems.push(`item ${id}: checked is ${item.checked}, the last write was ${describeFact(facts.checked)}`)
      if (facts.quantity.known && item.quantity !== facts.quantity.value) problems.push(`item ${id}: quantity is ${JSON.stringify(item.quantity)}, the last write was ${describeFact(facts.quantity)}`)
      if (this.semantics.lwwExistence && facts.category.known) {
        const stored = facts.category.value
        const shown = stored !== null && view.categories.has(stored) ? stored : null
        if (item.categoryId !== shown) problems.push(`item ${id}: category is ${item.categoryId}, expected ${shown} (last write ${describeFact(facts.category)})`)
      }
    }
    for (const [id, item] of view.items) {
      if (!this.items.has(id)) problems.push(`item ${id} (${JSON.stringify(item.text.slice(0, 40))}, createdBy ${JSON.stringify(item.createdBy)}) was created by no honest client`)
    }
    for (const [id, facts] of this.categories) {
      const expected = this.expectedExistence(facts)
      const category = view.categories.get(id)
      if (expected === true && !category) problems.push(`category ${id} is gone, yet the last edit touching it was no deletion (${describeFact(facts.exists)})`)
      if (expected === false && category) problems.push(`category ${id} is shown, yet the last edit touching it deleted it (${describeFact(facts.exists)})`)
      if (category && facts.name.known && category.name !== facts.name.value) problems.push(`category ${id}: name is ${JSON.stringify(category.name)}, the last write was ${describeFact(facts.name)}`)
    }
    for (const id of view.categories.keys()) {
      if (!this.categories.has(id)) problems.push(`category ${id} was created by no honest client`)
    }
    if (this.title?.known && view.title !== this.title.value) problems.push(`title is ${JSON.stringify(view.title.slice(0, 60))}, the last write was ${describeFact(this.title)}`)
    if (!this.title && view.title !== '') problems.push(`title is ${JSON.stringify(view.title.slice(0, 60))}, but no honest client set one`)
    return problems
  }
}
