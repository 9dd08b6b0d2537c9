/**
 * Records each list's activity on this node: what the rooms report (changes a
 * user made, derived by room-activity.ts, and users becoming present or
 * absent) becomes activity events (shared/activity.ts), stored bounded
 * (`ActivityStore.appendActivity`, `ACTIVITY_BOUND`) and published live
 * (activity-feed.ts). It outlives rooms, so a room that unloads and loads
 * again meanwhile changes nothing.
 *
 * - **Bursts.** A user's changes to a list are gathered until they pause for
 *   `burstQuietMs` (at most `burstMaxMs`), then stored as one write, with
 *   repeated changes folded: typing in an item is one `item_updated` (an
 *   item created then edited in the burst stays one `item_created`),
 *   deleting items one after another is one `items_bulk_deleted`, a check
 *   taken back (or an item added then deleted) leaves nothing. A burst also
 *   ends once it holds `burstMaxEvents` events: folding looks through the
 *   burst for each change, and a paste or flood of thousands of items in
 *   one burst made that quadratic on the event loop.
 * - **Presence.** A user's first presence on a list records `joined`; the
 *   last one going records `left` only after `leaveGraceMs`: if they are back
 *   by then (a reload, a brief network drop), neither is recorded.
 */
import {
  ACTIVITY_BOUND,
  ACTIVITY_PAGE_LIMIT,
  ACTIVITY_TEXT_LIMITS,
  activityId,
  type ActivityEvent,
  type ActivityPage,
} from '../shared/activity.ts'
import type { ListEvent } from '../shared/list-events.ts'
import type { ActivityFeed } from './activity-feed.ts'
import type { Logger } from './logger.ts'
import type { ActivityStore } from './storage/storage.ts'

export interface Actor {
  id: string
  name: string
}

export interface ActivityLogOptions {
  /** A user's burst of changes ends after this long without another (default 1 s)… */
  burstQuietMs: number
  /** …or this long after it began (default 4 s), or once it holds this many events (default 100). */
  burstMaxMs: number
  burstMaxEvents: number
  /** A user gone from a list this long has left it (default 5 s); back sooner, nothing is recorded. */
  leaveGraceMs: number
  /** Events kept per list (default ACTIVITY_BOUND.maxEvents). */
  maxEvents: number
  /** How long events are kept (default ACTIVITY_BOUND.maxAgeMs). */
  maxAgeMs: number
}

export const DEFAULT_ACTIVITY_OPTIONS: ActivityLogOptions = {
  burstQuietMs: 1000,
  burstMaxMs: 4000,
  burstMaxEvents: 100,
  leaveGraceMs: 5000,
  maxEvents: ACTIVITY_BOUND.maxEvents,
  maxAgeMs: ACTIVITY_BOUND.maxAgeMs,
}

/** An event before it has an id (given when its burst is stored). */
type Draft = ActivityEvent extends infer E ? (E extends ActivityEvent ? Omit<E, 'id'> : never) : never

interface Burst {
  listId: string
  actor: Actor
  drafts: Draft[]
  startedAt: number
  timer: NodeJS.Timeout
}

export class ActivityLog {
  private readonly options: ActivityLogOptions
  private readonly bursts = new Map<string, Burst>()
  private readonly leaving = new Map<string, NodeJS.Timeout>()
  private readonly writes = new Set<Promise<void>>()
  /** Ids: this node's tag and a sequence (activityId). */
  private readonly nodeTag: string
  private seq = 0

  constructor(
    private readonly store: ActivityStore,
    private readonly feed: ActivityFeed,
    private readonly log: Logger,
    nodeId: string,
    options: Partial<ActivityLogOptions> = {},
  ) {
    this.options = { ...DEFAULT_ACTIVITY_OPTIONS, ...options }
    this.nodeTag = nodeId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12) || 'node'
  }

  /** Changes `actor` made to the list, as shared/list-events.ts names them (one transaction's). */
  changed(listId: string, actor: Actor, events: readonly ListEvent[], now = Date.now()): void {
    if (events.length === 0) return
    const key = presenceKey(listId, actor.id)
    const earlier = this.bursts.get(key)
    if (earlier) clearTimeout(earlier.timer)
    let startedAt = earlier?.startedAt ?? now
    let drafts = earlier?.drafts ?? []
    for (const event of events) {
      fold(drafts, draftOf(listId, actor, event, now))
      if (drafts.length >= this.options.burstMaxEvents) {
        this.record(listId, drafts)
        drafts = []
        startedAt = now
      }
    }
    if (drafts.length === 0) {
      this.bursts.delete(key)
      return
    }
    const wait = Math.max(0, Math.min(this.options.burstQuietMs, startedAt + this.options.burstMaxMs - now))
    const burst: Burst = { listId, actor, drafts, startedAt, timer: setTimeout(() => this.endBurst(key, burst), wait) }
    burst.timer.unref()
    this.bursts.set(key, burst)
  }

  /** `actor` became present on the list through this node (`local`) or another. */
  joined(listId: string, actor: Actor, local: boolean): void {
    const key = presenceKey(listId, actor.id)
    const pending = this.leaving.get(key)
    if (pending) {
      // Back within the grace: they never left. (Back through another node, that node records the join.)
      clearTimeout(pending)
      this.leaving.delete(key)
      return
    }
    if (local) this.record(listId, [{ listId, at: Date.now(), actor, type: 'joined' }])
  }

  /** `actor`'s last presence on the list went, on this node (`local`; recorded after the grace) or another. */
  left(listId: string, actor: Actor, local: boolean): void {
    if (!local) return
    const key = presenceKey(listId, actor.id)
    if (this.leaving.has(key)) return
    const timer = setTimeout(() => {
      this.leaving.delete(key)
      this.record(listId, [{ listId, at: Date.now(), actor, type: 'left' }])
    }, this.options.leaveGraceMs)
    timer.unref()
    this.leaving.set(key, timer)
  }

  /** A page of the list's activity, newest first (`GET /api/lists/:id/activity`). */
  async page(listId: string, query: { before?: string; limit?: number }): Promise<ActivityPage> {
    const limit = Math.min(query.limit ?? ACTIVITY_PAGE_LIMIT.default, ACTIVITY_PAGE_LIMIT.max)
    const notBefore = Date.now() - this.options.maxAgeMs
    const events = await this.store.listActivity(listId, { before: query.before, limit: limit + 1, notBefore })
    const page = events.slice(0, limit)
    return { events: page, next: events.length > limit ? page.at(-1)!.id : null }
  }

  /** Stores every burst now and waits for every write (tests, and before the store closes). */
  async flush(): Promise<void> {
    for (const [key, burst] of this.bursts) {
      clearTimeout(burst.timer)
      this.endBurst(key, burst)
    }
    await Promise.all(this.writes)
  }

  /** Stops: bursts are stored; pending departures are dropped (sockets closing for a restart come back). */
  async close(): Promise<void> {
    for (const timer of this.leaving.values()) clearTimeout(timer)
    this.leaving.clear()
    await this.flush()
  }

  private endBurst(key: string, burst: Burst): void {
    if (this.bursts.get(key) === burst) this.bursts.delete(key)
    this.record(burst.listId, burst.drafts)
  }

  /** Gives the drafts ids, stores them, then publishes them (also when storing failed: they happened). */
  private record(listId: string, drafts: readonly Draft[]): void {
    if (drafts.length === 0) return
    const events = drafts.map((draft) => ({ ...draft, id: activityId(draft.at, this.seq++, this.nodeTag) }) as ActivityEvent)
    const notBefore = Date.now() - this.options.maxAgeMs
    const write = this.store
      .appendActivity(listId, events, { maxEvents: this.options.maxEvents, notBefore })
      .catch((err: unknown) => this.log.warn({ err, list: listId }, 'storing activity failed'))
      .then(() => {
        for (const event of events) this.feed.publish(event)
      })
      .finally(() => this.writes.delete(write))
    this.writes.add(write)
  }
}

function presenceKey(listId: string, userId: string): string {
  return `${listId}\u0000${userId}`
}

function cut(text: string): string {
  const chars = [...text]
  return chars.length <= ACTIVITY_TEXT_LIMITS.name ? text : `${chars.slice(0, ACTIVITY_TEXT_LIMITS.name - 1).join('')}…`
}

function draftOf(listId: string, actor: Actor, event: ListEvent, at: number): Draft {
  const base = { listId, at, actor }
  switch (event.type) {
    case 'item_created':
    case 'item_checked':
    case 'item_unchecked':
    case 'item_deleted':
      return { ...base, type: event.type, item: { id: event.item.id, name: cut(event.item.text) } }
    case 'item_updated':
      return {
        ...base,
        type: event.type,
        item: { id: event.item.id, name: cut(event.item.text) },
        changes: [...event.changes],
        ...(event.changes.includes('text') ? { from: cut(event.previous.text) } : {}),
      }
    case 'items_bulk_deleted':
      return {
        ...base,
        type: event.type,
        count: event.items.length,
        items: event.items.slice(0, ACTIVITY_TEXT_LIMITS.bulkNames).map((item) => ({ id: item.id, name: cut(item.text) })),
      }
    case 'category_created':
    case 'category_deleted':
      return { ...base, type: event.type, category: { id: event.category.id, name: cut(event.category.name) } }
    case 'category_updated':
      return {
        ...base,
        type: event.type,
        category: { id: event.category.id, name: cut(event.category.name) },
        changes: [...event.changes],
        ...(event.changes.includes('name') ? { from: cut(event.previous.name) } : {}),
      }
  }
}

/** Whether two drafts are about the same item or category (compared in place: folding asks it of every draft in the burst). */
function sameSubject(a: Draft, b: Draft): boolean {
  if ('item' in a) return 'item' in b && a.item.id === b.item.id
  if ('category' in a) return 'category' in b && a.category.id === b.category.id
  return false
}

/** Adds `next` to a burst's drafts, folding it into what the burst already holds about the same thing. */
function fold(drafts: Draft[], next: Draft): void {
  const earlier = drafts.findIndex((draft) => sameSubject(draft, next) && draft.type !== 'item_deleted')
  const prior = earlier >= 0 ? drafts[earlier]! : null

  if ((next.type === 'item_updated' || next.type === 'category_updated') && prior) {
    if (prior.type === 'item_created' || prior.type === 'category_created') {
      // Created, then edited in the same burst: one creation, as it reads now.
      drafts[earlier] = { ...prior, ...('item' in next ? { item: next.item } : { category: next.category }), at: next.at } as Draft
      return
    }
    if (prior.type === next.type) {
      const changes = [...new Set([...prior.changes, ...next.changes])]
      const from = prior.from ?? next.from
      drafts[earlier] = { ...next, changes, ...(from === undefined ? {} : { from }) } as Draft
      return
    }
  }
  if (next.type === 'item_checked' || next.type === 'item_unchecked') {
    const toggle = drafts.findIndex((draft) => sameSubject(draft, next) && (draft.type === 'item_checked' || draft.type === 'item_unchecked'))
    if (toggle >= 0) {
      // Checked then unchecked (or back): nothing happened; the other way round cannot be (one state each).
      const undone = drafts[toggle]!.type !== next.type
      drafts.splice(toggle, 1)
      if (undone) return
    }
  }
  if (next.type === 'item_deleted' || next.type === 'category_deleted') {
    // Whatever else the burst says about it is moot; created in this burst, it leaves nothing.
    const created = drafts.some((draft) => sameSubject(draft, next) && (draft.type === 'item_created' || draft.type === 'category_created'))
    for (let i = drafts.length - 1; i >= 0; i--) if (sameSubject(drafts[i]!, next)) drafts.splice(i, 1)
    if (created) return
  }
  if (next.type === 'item_deleted' || next.type === 'items_bulk_deleted') {
    const deleted = drafts.findIndex((draft) => draft.type === 'item_deleted' || draft.type === 'items_bulk_deleted')
    if (deleted >= 0) {
      // Items deleted one after another: one bulk deletion.
      const items = [...deletedItems(drafts[deleted]!), ...deletedItems(next)]
      const count = deletedCount(drafts[deleted]!) + deletedCount(next)
      const { listId, at, actor } = next
      drafts[deleted] = { listId, at, actor, type: 'items_bulk_deleted', count, items: items.slice(0, ACTIVITY_TEXT_LIMITS.bulkNames) }
      return
    }
  }
  drafts.push(next)
}

function deletedItems(draft: Draft): Array<{ id: string; name: string }> {
  if (draft.type === 'item_deleted') return [draft.item]
  return draft.type === 'items_bulk_deleted' ? draft.items : []
}

function deletedCount(draft: Draft): number {
  return draft.type === 'items_bulk_deleted' ? draft.count : 1
}
