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
 */
import { z } from 'zod/mini'
import type { ListSummary } from './api.ts'
import type { Role } from './protocol.ts'

export interface ListMemberRef {
  id: string
  name: string
  role: Role
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
