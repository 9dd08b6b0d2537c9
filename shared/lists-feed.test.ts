import { describe, expect, it } from 'vitest'
import { applyListsFeed, encodeListsFeed, parseListsFeed, type ListOverview, type ListsFeedMessage } from './lists-feed.ts'

const overview = (id: string, patch: Partial<ListOverview> = {}): ListOverview => ({
  id,
  title: `List ${id}`,
  role: 'owner',
  ownerId: 'u1',
  createdAt: 1,
  members: [
    { id: 'u1', name: 'Ana', role: 'owner' },
    { id: 'u2', name: 'Ben', role: 'editor' },
  ],
  open: 2,
  checked: 1,
  changedBy: { id: 'u2', name: 'Ben' },
  changedAt: 1_700_000_000_000,
  preview: [
    { id: 'i1', text: 'Tent' },
    { id: 'i2', text: 'Stove' },
  ],
  pinned: false,
  position: null,
  ...patch,
})

describe('lists feed JSON', () => {
  const messages: ListsFeedMessage[] = [
    { type: 'snapshot', lists: [] },
    { type: 'snapshot', lists: [overview('a'), overview('b', { changedBy: null, changedAt: null, open: 0, checked: 0 })] },
    { type: 'changed', lists: [overview('a', { title: 'Camping', role: 'viewer' })], removed: ['b'] },
    { type: 'changed', lists: [overview('a', { pinned: true, position: 'a0', preview: [] })], removed: [] },
    { type: 'changed', lists: [], removed: [] },
  ]

  it.each(messages.map((message, i) => [i, message] as const))('round-trips message %i', (_i, message) => {
    expect(parseListsFeed(encodeListsFeed(message))).toEqual(message)
  })

  it('refuses what is not a feed message', () => {
    for (const json of ['', 'nope', 'null', '{}', '{"type":"snapshot"}', '{"type":"changed","lists":[]}']) expect(parseListsFeed(json)).toBeNull()
    const bad = (patch: Record<string, unknown>) => JSON.stringify({ type: 'snapshot', lists: [{ ...overview('a'), ...patch }] })
    expect(parseListsFeed(bad({}))).not.toBeNull()
    for (const patch of [
      { role: 'admin' },
      { open: -1 },
      { checked: 1.5 },
      { id: '' },
      { members: [{ id: 'u1' }] },
      { changedAt: 'yesterday' },
      { preview: [{ id: 'i1' }] },
      { preview: 'Tent' },
      { pinned: 'yes' },
      { position: 5 },
    ]) {
      expect(parseListsFeed(bad(patch))).toBeNull()
    }
  })

  it('reads an overview from before previews and placements (a cached one, an older server) as none of either', () => {
    const { preview: _preview, pinned: _pinned, position: _position, ...older } = overview('a')
    const parsed = parseListsFeed(JSON.stringify({ type: 'snapshot', lists: [older] }))
    expect(parsed).toEqual({ type: 'snapshot', lists: [{ ...older, preview: [], pinned: false, position: null }] })
  })

  it('applies a snapshot and deltas: replace in place, new ones last, removed gone', () => {
    const start = applyListsFeed([overview('x')], { type: 'snapshot', lists: [overview('a'), overview('b')] })
    expect(start.map((l) => l.id)).toEqual(['a', 'b'])
    const next = applyListsFeed(start, { type: 'changed', lists: [overview('c'), overview('a', { title: 'New' })], removed: ['b'] })
    expect(next.map((l) => [l.id, l.title])).toEqual([
      ['a', 'New'],
      ['c', 'List c'],
    ])
  })
})
