/**
 * ActivityLog's bursts, in-process: how many events one stored write holds.
 * (The feed end to end, with real servers: activity.integration.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { ActivityEvent } from '../shared/activity.ts'
import { addItem, observeListEvents, type ListEvent } from '../shared/list-document.ts'
import { ActivityFeed } from './activity-feed.ts'
import { ActivityLog } from './activity-log.ts'
import { LocalFanoutHub } from './fanout.ts'
import { createLogger } from './logger.ts'
import type { ActivityStore } from './storage/storage.ts'

/** A store that keeps each write's events apart. */
class WritesStore implements ActivityStore {
  readonly writes: ActivityEvent[][] = []
  async appendActivity(_listId: string, events: ActivityEvent[]): Promise<void> {
    this.writes.push(events)
  }
  async listActivity(): Promise<ActivityEvent[]> {
    return []
  }
}

/** The list events of one transaction that adds `count` items. */
function pasteOf(count: number): ListEvent[] {
  const doc = new Y.Doc()
  const events: ListEvent[] = []
  observeListEvents(doc, (event) => events.push(event))
  doc.transact(() => {
    for (let i = 0; i < count; i++) addItem(doc, { text: `item ${i}`, createdBy: 'u1' })
  })
  return events
}

describe('ActivityLog bursts', () => {
  it('ends a burst at burstMaxEvents, so a paste of 250 items is stored as writes of at most 100 events, none lost', async () => {
    const store = new WritesStore()
    const log = new ActivityLog(store, new ActivityFeed(new LocalFanoutHub().endpoint(), createLogger('silent')), createLogger('silent'), 'node')
    const actor = { id: 'u1', name: 'Ann' }
    const paste = pasteOf(250)
    expect(paste).toHaveLength(250)
    log.changed('list', actor, paste.slice(0, 30))
    log.changed('list', actor, paste.slice(30))
    await log.flush()
    expect(store.writes.map((events) => events.length)).toEqual([100, 100, 50])
    const names = store.writes.flat().map((event) => ('item' in event ? event.item.name : event.type))
    expect(names).toEqual(paste.map((event) => ('item' in event ? event.item.text : event.type)))
  })
})
