import { describe, expect, it } from 'vitest'
import type { ListOverview } from '../../../shared/lists-feed.ts'
import { arrangeLists, moveList, pinList, unpinList, withPlacements } from './list-arrangement.ts'

const list = (id: string, patch: Partial<ListOverview> = {}): ListOverview => ({
  id,
  title: id,
  role: 'owner',
  ownerId: 'u1',
  createdAt: 1,
  members: [],
  open: 0,
  checked: 0,
  changedBy: null,
  changedAt: null,
  preview: [],
  pinned: false,
  position: null,
  ...patch,
})

const ids = (lists: ListOverview[]) => lists.map((l) => l.id)

/** Applies what a move or pin writes, then arranges again: what the page shows next. */
function after(lists: ListOverview[], placements: ReturnType<typeof moveList>) {
  return arrangeLists(withPlacements(lists, placements))
}

describe('arranging the lists page', () => {
  it('sections: pinned (any role), mine newest first, shared by title; placed lists first, by position', () => {
    const lists = [
      list('old', { createdAt: 1 }),
      list('new', { createdAt: 3 }),
      list('mid', { createdAt: 2 }),
      list('zed', { role: 'editor', title: 'Zed' }),
      list('amy', { role: 'viewer', title: 'Amy' }),
      list('pin-b', { role: 'viewer', pinned: true, position: 'a1' }),
      list('pin-a', { pinned: true, position: 'a0' }),
    ]
    expect(arrangeLists(lists)).toEqual({
      pinned: [lists[6], lists[5]],
      mine: [lists[1], lists[2], lists[0]],
      shared: [lists[4], lists[3]],
    })
    expect(ids(arrangeLists([...lists, list('placed', { createdAt: 0, position: 'a0' })]).mine)).toEqual(['placed', 'new', 'mid', 'old'])
  })

  it('the first move in a section places every list of it, in the order shown; later moves write one list', () => {
    const lists = [list('a', { createdAt: 3 }), list('b', { createdAt: 2 }), list('c', { createdAt: 1 })]
    const first = moveList(arrangeLists(lists).mine, 2, 0)
    expect(first.map((p) => p.listId)).toEqual(['c', 'a', 'b'])
    const placed = withPlacements(lists, first)
    expect(ids(arrangeLists(placed).mine)).toEqual(['c', 'a', 'b'])

    const second = moveList(arrangeLists(placed).mine, 0, 1)
    expect(second).toHaveLength(1)
    expect(second[0]!.listId).toBe('c')
    expect(ids(after(placed, second).mine)).toEqual(['a', 'c', 'b'])
    const last = withPlacements(placed, second)
    expect(ids(after(last, moveList(arrangeLists(last).mine, 0, 2)).mine)).toEqual(['c', 'b', 'a'])
    // Nowhere to go: nothing written.
    expect(moveList(arrangeLists(last).mine, 0, -1)).toEqual([])
    expect(moveList(arrangeLists(last).mine, 2, 3)).toEqual([])
  })

  it('pins at the end of the pinned lists and unpins back to the default place', () => {
    let lists = [list('a', { createdAt: 3 }), list('b', { createdAt: 2 }), list('s', { role: 'editor' })]
    lists = withPlacements(lists, pinList(lists[2]!, arrangeLists(lists).pinned))
    lists = withPlacements(lists, pinList(lists[1]!, arrangeLists(lists).pinned))
    expect(ids(arrangeLists(lists).pinned)).toEqual(['s', 'b'])
    expect(ids(arrangeLists(lists).mine)).toEqual(['a'])
    expect(arrangeLists(lists).shared).toEqual([])
    lists = withPlacements(lists, unpinList(lists[2]!))
    expect(arrangeLists(lists)).toMatchObject({ pinned: [{ id: 'b' }], shared: [{ id: 's', pinned: false, position: null }] })
  })

  it('pinning next to pinned lists without positions (placed by an older app) places them all', () => {
    const lists = [list('p', { pinned: true }), list('q', { pinned: true, createdAt: 2 }), list('n')]
    const placements = pinList(lists[2]!, arrangeLists(lists).pinned)
    expect(placements.map((p) => p.listId)).toEqual(['p', 'q', 'n'])
    expect(ids(after(lists, placements).pinned)).toEqual(['p', 'q', 'n'])
  })
})
