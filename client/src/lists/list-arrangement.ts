/**
 * Pure: how the lists page orders a user's lists, and what pinning or moving
 * one writes (PUT /api/me/list-placements, shared/lists-feed.ts `ListPlacement`).
 *
 * Sections: Pinned (the lists the user pinned, whoever owns them), My lists,
 * Shared with me. In each, lists the user placed come first, by their
 * position (a fractional order key, shared/order-keys.ts; then id), the
 * others after them in the section's default order: newest first for the
 * user's own lists, by title for shared ones, and the order they were pinned
 * in for pinned ones.
 *
 * Moving a list writes only its own position when its new neighbours both
 * have positions in order; otherwise (the first move in a section, or
 * neighbours sharing a key) every list of the section gets a fresh position,
 * in the order shown, in one request.
 */
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing'
import type { ListOverview, ListPlacement } from '../../../shared/lists-feed.ts'

export interface ArrangedLists {
  pinned: ListOverview[]
  mine: ListOverview[]
  shared: ListOverview[]
}

type Fallback = (a: ListOverview, b: ListOverview) => number

const newestFirst: Fallback = (a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1)
const byTitle: Fallback = (a, b) => a.title.localeCompare(b.title) || (a.id < b.id ? -1 : 1)
const oldestFirst: Fallback = (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)

/** Placed lists first by (position, id) in code-unit order, then the rest by `fallback`. */
function ordered(lists: ListOverview[], fallback: Fallback): ListOverview[] {
  return [...lists].sort((a, b) => {
    if (a.position !== null && b.position !== null) return a.position !== b.position ? (a.position < b.position ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
    if (a.position !== null) return -1
    if (b.position !== null) return 1
    return fallback(a, b)
  })
}

export function arrangeLists(lists: readonly ListOverview[]): ArrangedLists {
  return {
    pinned: ordered(
      lists.filter((list) => list.pinned),
      oldestFirst,
    ),
    mine: ordered(
      lists.filter((list) => !list.pinned && list.role === 'owner'),
      newestFirst,
    ),
    shared: ordered(
      lists.filter((list) => !list.pinned && list.role !== 'owner'),
      byTitle,
    ),
  }
}

/** Whether every list of `section` has a position, strictly increasing: a move then writes one list only. */
function keyedInOrder(section: readonly ListOverview[]): boolean {
  return section.every((list, i) => list.position !== null && (i === 0 || section[i - 1]!.position! < list.position))
}

/** Fresh positions for the whole section, in the order given. */
function rekeyed(section: readonly ListOverview[]): ListPlacement[] {
  const keys = generateNKeysBetween(null, null, section.length)
  return section.map((list, i) => ({ listId: list.id, pinned: list.pinned, position: keys[i]! }))
}

/** What moving `section[from]` to index `to` of the same section writes ([] when it stays where it is). */
export function moveList(section: readonly ListOverview[], from: number, to: number): ListPlacement[] {
  if (from === to || from < 0 || from >= section.length || to < 0 || to >= section.length) return []
  const next = [...section]
  const [moved] = next.splice(from, 1)
  next.splice(to, 0, moved!)
  if (!keyedInOrder(section)) return rekeyed(next)
  const before = next[to - 1]?.position ?? null
  const after = next[to + 1]?.position ?? null
  return [{ listId: moved!.id, pinned: moved!.pinned, position: generateKeyBetween(before, after) }]
}

/** Pins `list` at the end of the pinned ones. */
export function pinList(list: ListOverview, pinned: readonly ListOverview[]): ListPlacement[] {
  if (!keyedInOrder(pinned)) return rekeyed([...pinned, { ...list, pinned: true }])
  return [{ listId: list.id, pinned: true, position: generateKeyBetween(pinned.at(-1)?.position ?? null, null) }]
}

/** Unpins `list`: it goes back to its default place in its section. */
export function unpinList(list: ListOverview): ListPlacement[] {
  return [{ listId: list.id, pinned: false, position: null }]
}

/** The lists with `placements` applied (shown at once, before the server confirms). */
export function withPlacements(lists: readonly ListOverview[], placements: readonly ListPlacement[]): ListOverview[] {
  const byId = new Map(placements.map((placement) => [placement.listId, placement]))
  return lists.map((list) => {
    const placement = byId.get(list.id)
    return placement ? { ...list, pinned: placement.pinned, position: placement.position } : list
  })
}
