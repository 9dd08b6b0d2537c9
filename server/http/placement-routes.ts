/**
 * Where a user keeps their lists on the lists page:
 * `PUT /api/me/list-placements {placements: [{listId, pinned, position}]}`.
 * Any member (a viewer too) places a list for themselves only; nobody else
 * sees it. Stored with the membership (storage's PlacementStore), then sent
 * to every device of the user through the lists feed.
 */
import { Router } from 'express'
import { z } from 'zod'
import { isListId } from '../../shared/device-protocol.ts'
import { MAX_PLACEMENTS_PER_REQUEST, MAX_POSITION_CHARS } from '../../shared/lists-feed.ts'
import { isOrderKey } from '../../shared/order-keys.ts'
import type { TokenService } from '../auth.ts'
import type { ListsFeed } from '../lists-feed.ts'
import type { PlacementStore } from '../storage/storage.ts'
import { currentUser, requireUser } from './access.ts'
import { readJson } from './body.ts'
import { HttpError, notFound, parseBody } from './errors.ts'

const position = z
  .string()
  .max(MAX_POSITION_CHARS)
  .refine((value) => isOrderKey(value), 'position must be an order key (shared/order-keys.ts)')
  .nullable()

export const SetPlacementsRequest = z
  .object({
    placements: z
      .array(z.object({ listId: z.string().refine(isListId, 'not a list id'), pinned: z.boolean(), position }).strict())
      .min(1)
      .max(MAX_PLACEMENTS_PER_REQUEST),
  })
  .strict()

export function placementRoutes(placements: PlacementStore, tokens: TokenService, lists: ListsFeed): Router {
  const router = Router()

  router.put('/me/list-placements', requireUser(tokens), async (req, res) => {
    const { userId } = currentUser(res)
    const body = parseBody(SetPlacementsRequest, await readJson(req))
    const listIds = body.placements.map(({ listId }) => listId)
    if (new Set(listIds).size !== listIds.length) throw new HttpError(400, 'invalid_request', 'each list may be placed once per request')
    // A list the user is not a member of is not found, like every list route: nothing is stored.
    if (!(await placements.setPlacements(userId, body.placements))) throw notFound('list')
    lists.placementsChanged(userId, listIds)
    res.status(204).end()
  })

  return router
}
