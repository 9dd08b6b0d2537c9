/**
 * The user's lists feed: what the lists page shows of each list, and the
 * JSON the server pushes in the device socket's `DeviceFrame.Lists` frames
 * (shared/device-protocol.ts). `GET /api/lists` answers the same overviews.
 *
 * A subscription starts with a `snapshot` (every list the user can access,
 * oldest first); after that the server sends `changed` deltas: overviews
 * that are new or differ (`lists`, whole) and ids the user no longer sees
 * (`removed`: deleted, revoked, left). A client applies a delta to its last
 * snapshot; any new snapshot replaces everything.
 *
 * The server builds these messages from typed values; the client parses
 * every one with `parseListsFeed` (zod/mini), as it parses HTTP responses.
 *
 * What a card previews of a list (`preview`) is bounded: at most
 * `PREVIEW_ITEMS` open items, each text cut to `PREVIEW_TEXT_CHARS`.
 * Where the user keeps the list (`pinned`, `position`) is theirs alone: the
 * overview of one list differs per member in that (and in `role`) only.
 */
import { z } from 'zod/mini'
import type { ListSummary } from './api.ts'
import type { Role } from './protocol.ts'

export interface ListMemberRef {
  id: string
  name: string
  role: Role
}

/** The first open items of a list, in list order: at most this many. */
export const PREVIEW_ITEMS = 3
/** A previewed item's text is cut to this many characters (UTF-16 code units, never splitting a pair). */
export const PREVIEW_TEXT_CHARS = 80

/** PUT /api/me/list-placements: at most this many lists at once, each position at most this long. */
export const MAX_PLACEMENTS_PER_REQUEST = 500
export const MAX_POSITION_CHARS = 128

/** Where the user keeps a list on their lists page: the body of PUT /api/me/list-placements is `{ placements: ListPlacement[] }`. */
export interface ListPlacement {
  listId: string
  pinned: boolean
  /** A fractional order key (shared/order-keys.ts), or null: the list's default place. */
  position: string | null
}

export interface PreviewItem {
  id: string
  text: string
}

export interface ListOverview extends ListSummary {
  /** Everyone with access, the owner first. */
  members: ListMemberRef[]
  /** Items not checked, and checked, that exist (deleted ones are not counted). */
  open: number
  checked: number
  /** Who made the list's latest change (by its timestamp), when known. */
  changedBy: { id: string; name: string } | null
  /** When (ms since the epoch; the writer's clock as the document records it), or null for an untouched list. */
  changedAt: number | null
  /** The first open items (not checked, not deleted) in list order, at most PREVIEW_ITEMS. */
  preview: PreviewItem[]
  /** This user pinned the list to the top of their lists page. */
  pinned: boolean
  /** This user's place for it among their lists (a fractional order key, shared/order-keys.ts), or null: the default place. */
  position: string | null
}

export type ListsFeedMessage = { type: 'snapshot'; lists: ListOverview[] } | { type: 'changed'; lists: ListOverview[]; removed: string[] }

const role = z.enum(['owner', 'editor', 'viewer'])
const count = z.int().check(z.minimum(0))

export const ListOverviewSchema = z.object({
  id: z.string().check(z.minLength(1)),
  title: z.string(),
  role,
  ownerId: z.string(),
  createdAt: z.number(),
  members: z.array(z.object({ id: z.string(), name: z.string(), role })),
  open: count,
  checked: count,
  changedBy: z.nullable(z.object({ id: z.string(), name: z.string() })),
  changedAt: z.nullable(z.number()),
  // Absent from overviews cached or sent before previews and placements existed: read as none.
  preview: z._default(z.array(z.object({ id: z.string(), text: z.string() })), () => []),
  pinned: z._default(z.boolean(), false),
  position: z._default(z.nullable(z.string()), null),
}) satisfies z.ZodMiniType<ListOverview>

export const ListsFeedSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('snapshot'), lists: z.array(ListOverviewSchema) }),
  z.object({ type: z.literal('changed'), lists: z.array(ListOverviewSchema), removed: z.array(z.string()) }),
]) satisfies z.ZodMiniType<ListsFeedMessage>

export function encodeListsFeed(message: ListsFeedMessage): string {
  return JSON.stringify(message)
}

/** The message, or null for anything that is not one (bad JSON, a field missing or of the wrong type). */
export function parseListsFeed(json: string): ListsFeedMessage | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  const parsed = ListsFeedSchema.safeParse(value)
  return parsed.success ? parsed.data : null
}

/** A list of overviews after `message`: a snapshot replaces them, a delta replaces and removes by id (new ones go last). */
export function applyListsFeed(current: readonly ListOverview[], message: ListsFeedMessage): ListOverview[] {
  if (message.type === 'snapshot') return [...message.lists]
  const changed = new Map(message.lists.map((list) => [list.id, list]))
  const removed = new Set(message.removed)
  const next = current.filter((list) => !removed.has(list.id)).map((list) => changed.get(list.id) ?? list)
  const known = new Set(current.map((list) => list.id))
  for (const list of message.lists) if (!known.has(list.id) && !removed.has(list.id)) next.push(list)
  return next
}
