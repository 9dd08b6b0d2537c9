/**
 * A list's activity feed: who did what, and when. The server derives these
 * events from the document changes it accepts (shared/list-events.ts names
 * them) plus `joined` / `left`, stores the newest of them per list, serves
 * them on `GET /api/lists/:id/activity` (`ActivityPage`, newest first) and
 * pushes new ones live (the device socket's `Activity` frame carries one
 * event as this JSON). This module is the one definition of that JSON: the
 * server writes it, node-protocol.ts relays it between nodes, and the client
 * validates it with the same schema.
 */
import { z } from 'zod/mini'

/** The events, named as shared/list-events.ts names the document's changes, plus presence. */
export const ACTIVITY_TYPES = [
  'item_created',
  'item_updated',
  'item_checked',
  'item_unchecked',
  'item_deleted',
  'items_bulk_deleted',
  'category_created',
  'category_updated',
  'category_deleted',
  'joined',
  'left',
] as const
export type ActivityType = (typeof ACTIVITY_TYPES)[number]

/** How many events a list keeps at most, and for how long; older ones are trimmed when new ones are written. */
export const ACTIVITY_BOUND = { maxEvents: 500, maxAgeMs: 30 * 24 * 60 * 60 * 1000 } as const
/** The most events one page of `GET /api/lists/:id/activity` holds (and its default). */
export const ACTIVITY_PAGE_LIMIT = { max: 100, default: 30 } as const
/** Names in events are cut to this many characters; a bulk deletion names at most `bulkNames` items. */
export const ACTIVITY_TEXT_LIMITS = { name: 120, bulkNames: 20 } as const

/**
 * An event's id, also the paging cursor: the event time (ms, 15 digits), a
 * per-process sequence and the recording node's tag. Ids sort in code-point
 * order as the events happened; each is unique in its list.
 */
export const ACTIVITY_ID = /^\d{15}-\d{6}-[a-z0-9]{1,12}$/

/** The id of an event at `at` ms, the `seq`th (mod 10^6) its node made, on node `node` (a-z, 0-9). */
export function activityId(at: number, seq: number, node: string): string {
  return `${String(at).padStart(15, '0')}-${String(seq % 1_000_000).padStart(6, '0')}-${node}`
}

const nonEmpty = () => z.string().check(z.minLength(1))
const subject = z.object({ id: nonEmpty(), name: z.string() })
const base = {
  id: z.string().check(z.regex(ACTIVITY_ID)),
  listId: nonEmpty(),
  at: z.number(),
  actor: z.object({ id: nonEmpty(), name: z.string() }),
}

export const ActivityEventSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.enum(['item_created', 'item_checked', 'item_unchecked', 'item_deleted']), item: subject }),
  z.object({
    ...base,
    type: z.literal('item_updated'),
    item: subject,
    changes: z.array(z.enum(['text', 'quantity', 'categoryId', 'order'])),
    /** The text before, when it changed. */
    from: z.optional(z.string()),
  }),
  z.object({
    ...base,
    type: z.literal('items_bulk_deleted'),
    /** How many items went; `items` names at most ACTIVITY_TEXT_LIMITS.bulkNames of them. */
    count: z.number(),
    items: z.array(subject),
  }),
  z.object({ ...base, type: z.enum(['category_created', 'category_deleted']), category: subject }),
  z.object({
    ...base,
    type: z.literal('category_updated'),
    category: subject,
    changes: z.array(z.enum(['name', 'order'])),
    /** The name before, when it changed. */
    from: z.optional(z.string()),
  }),
  z.object({ ...base, type: z.enum(['joined', 'left']) }),
])
export type ActivityEvent = z.infer<typeof ActivityEventSchema>
/** Events of one type. */
export type ActivityOf<T extends ActivityType> = Extract<ActivityEvent, { type: T }>

/**
 * A page of a list's activity, newest first; `next` is the cursor for the
 * page after it (`?before=<next>`), null at the end. Events are validated one
 * by one (`readActivityPage`), so a type a newer server adds is skipped, not
 * a reason to refuse the page.
 */
export interface ActivityPage {
  events: ActivityEvent[]
  next: string | null
}

const ActivityPageShape = z.object({ events: z.array(z.unknown()), next: z.nullable(z.string()) })

/** Parses a page from untrusted JSON: null if its shape is wrong; unknown or malformed events are left out. */
export function readActivityPage(payload: unknown): ActivityPage | null {
  const page = ActivityPageShape.safeParse(payload)
  if (!page.success) return null
  const events: ActivityEvent[] = []
  for (const raw of page.data.events) {
    const event = ActivityEventSchema.safeParse(raw)
    if (event.success) events.push(event.data)
  }
  return { events, next: page.data.next }
}

/** Parses one event (a live frame's or a peer node's JSON); throws if it is not one. */
export function decodeActivityEvent(json: string): ActivityEvent {
  return ActivityEventSchema.parse(JSON.parse(json))
}

export function encodeActivityEvent(event: ActivityEvent): string {
  return JSON.stringify(event)
}
