/**
 * Parsers for everything the HTTP API sends back. The server is trusted to
 * mean well, not to be the version this client was built against, so every
 * response is checked before the app relies on its shape. (zod/mini: the
 * same checks at a fraction of the bundle size.)
 */
import { z } from 'zod/mini'
import type { AuthResponse, ListDetail, ListSummary, Member, PublicUser, SessionsResponse } from '../../shared/api.ts'
import { ListOverviewSchema } from '../../shared/lists-feed.ts'

const nonEmpty = () => z.string().check(z.minLength(1))
const role = z.enum(['owner', 'editor', 'viewer'])

export const PublicUserSchema = z.object({ id: nonEmpty(), email: z.string(), name: z.string() }) satisfies z.ZodMiniType<PublicUser>

export const AuthResponseSchema = z.object({
  token: nonEmpty(),
  expiresAt: z.number(),
  user: PublicUserSchema,
}) satisfies z.ZodMiniType<AuthResponse>

export const SessionsResponseSchema = z.object({
  sessions: z.array(
    z.object({
      id: nonEmpty(),
      device: z.string(),
      createdAt: z.number(),
      lastUsedAt: z.number(),
      current: z.boolean(),
    }),
  ),
}) satisfies z.ZodMiniType<SessionsResponse>

export const ListSummarySchema = z.object({
  id: nonEmpty(),
  title: z.string(),
  role,
  ownerId: z.string(),
  createdAt: z.number(),
}) satisfies z.ZodMiniType<ListSummary>

/** GET /api/lists: the lists feed's overviews (shared/lists-feed.ts). */
export const ListOverviewsSchema = z.array(ListOverviewSchema)

export const MemberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role,
}) satisfies z.ZodMiniType<Member>

export const ListDetailSchema = z.extend(ListSummarySchema, { members: z.array(MemberSchema) }) satisfies z.ZodMiniType<ListDetail>

export const ApiErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
})

export const SyncPushResponseSchema = z.object({ persistedStateVector: z.string() })
