import { describe, expect, it } from 'vitest'
import { planSchedule, type PlannedList, type ScheduleInput } from './device-schedule.ts'

function list(id: string, patch: Partial<PlannedList> = {}): PlannedList {
  return { id, known: true, phase: 'idle', pending: 0, oldestPendingAt: null, downloaded: true, syncedAt: null, usedAt: 0, foreground: false, gone: false, ...patch }
}

function plan(lists: PlannedList[], patch: Partial<ScheduleInput> = {}) {
  return planSchedule({ lists, online: true, listsKnown: true, roundStartedAt: 100, limits: { maxConnecting: 2, maxLoaded: 4 }, ...patch })
}

describe('planSchedule', () => {
  it('connects the list on screen first and alone while it connects', () => {
    const lists = [list('a', { pending: 3, oldestPendingAt: 1 }), list('screen', { foreground: true }), list('b')]
    expect(plan(lists).connect).toEqual(['screen'])
    const connecting = lists.map((l) => (l.foreground ? { ...l, phase: 'connecting' as const } : l))
    expect(plan(connecting).connect).toEqual([])
  })

  it('lets the others go once the list on screen is live, or while it fails', () => {
    for (const phase of ['live', 'retrying', 'stopped'] as const) {
      const lists = [list('screen', { foreground: true, phase }), list('a')]
      expect(plan(lists).connect).toEqual(['a'])
    }
  })

  it('orders the background: changes waiting (oldest first), then not on the device, then least recently synced', () => {
    const lists = [
      list('old-sync', { syncedAt: 10 }),
      list('never-synced'),
      list('not-downloaded', { downloaded: false, syncedAt: null }),
      list('newer-change', { pending: 1, oldestPendingAt: 50 }),
      list('older-change', { pending: 4, oldestPendingAt: 20 }),
    ]
    expect(plan(lists, { limits: { maxConnecting: 10, maxLoaded: 10 } }).connect).toEqual(['older-change', 'newer-change', 'not-downloaded', 'never-synced', 'old-sync'])
  })

  it('keeps at most maxConnecting background lists connecting or uploading at once', () => {
    const lists = [list('busy', { phase: 'connecting' }), list('uploading', { phase: 'live', pending: 2, syncedAt: 150 }), list('a'), list('b')]
    expect(plan(lists).connect).toEqual([])
    expect(plan(lists.slice(1)).connect).toEqual(['a'])
    expect(plan([list('a'), list('b'), list('c')]).connect).toEqual(['a', 'b'])
  })

  it('does not sync again a list synced in this round, but does after a new round starts', () => {
    const lists = [list('a', { phase: 'queued', syncedAt: 150 }), list('b', { syncedAt: 150 })]
    expect(plan(lists).connect).toEqual([])
    expect(plan(lists, { roundStartedAt: 200 }).connect).toEqual(['a', 'b'])
  })

  it('starts nothing offline', () => {
    expect(plan([list('screen', { foreground: true }), list('a', { pending: 1, oldestPendingAt: 1 })], { online: false }).connect).toEqual([])
  })

  it('unloads settled lists beyond the memory bound, least recently used first, never one with changes waiting', () => {
    const settled = (id: string, usedAt: number) => list(id, { phase: 'live', syncedAt: 150, usedAt })
    const lists = [
      settled('recent', 90),
      settled('oldest', 10),
      settled('older', 20),
      list('waiting', { phase: 'live', pending: 1, oldestPendingAt: 5, syncedAt: 150, usedAt: 0 }),
      list('screen', { foreground: true, phase: 'live', syncedAt: 150, usedAt: 0 }),
      settled('old', 30),
    ]
    const result = plan(lists)
    expect(result.unload).toEqual(['oldest', 'older'])
    expect(result.forget).toEqual([])
  })

  it('makes room for a list due to sync by unloading a settled one, and waits when none can go', () => {
    const settled = (id: string) => list(id, { phase: 'live', syncedAt: 150 })
    const full = [settled('s1'), settled('s2'), settled('s3'), settled('s4'), list('new', { downloaded: false })]
    expect(plan(full)).toEqual({ connect: ['new'], unload: ['s1'], forget: [] })
    const waiting = (id: string) => list(id, { phase: 'offline', pending: 1, oldestPendingAt: 1 })
    const stuck = [waiting('w1'), waiting('w2'), waiting('w3'), waiting('w4'), list('new', { downloaded: false })]
    expect(plan(stuck, { limits: { maxConnecting: 10, maxLoaded: 4 } }).connect).toEqual([])
  })

  it('forgets a list the server says is gone, and one no longer among the user’s lists only when nothing is unsent', () => {
    const lists = [
      list('revoked', { gone: true, pending: 2, oldestPendingAt: 1, phase: 'stopped' }),
      list('dropped', { known: false }),
      list('dropped-with-changes', { known: false, pending: 1, oldestPendingAt: 1 }),
      list('screen-gone', { gone: true, foreground: true, phase: 'stopped' }),
    ]
    const result = plan(lists, { limits: { maxConnecting: 10, maxLoaded: 10 } })
    expect(result.forget).toEqual(['revoked', 'dropped'])
    // Its changes still go up (the list may have been created on this device, or the lists are stale).
    expect(result.connect).toEqual(['dropped-with-changes'])
  })

  it('forgets nothing for not being known before the user’s lists were ever fetched', () => {
    expect(plan([list('a', { known: false })], { listsKnown: false }).forget).toEqual([])
  })
})
