/** A list's activity feed (shared/activity.ts): `GET /api/lists/:id/activity?before=<cursor>&limit=<n>`, newest first. */
import { Router } from 'express'
import { ACTIVITY_ID, ACTIVITY_PAGE_LIMIT, type ActivityPage } from '../../shared/activity.ts'
import type { ActivityLog } from '../activity-log.ts'
import type { TokenService } from '../auth.ts'
import type { AccountStore } from '../storage/storage.ts'
import { currentUser, requireListRole, requireUser } from './access.ts'
import { HttpError } from './errors.ts'

export function activityRoutes(accounts: AccountStore, tokens: TokenService, activity: ActivityLog): Router {
  const router = Router()
  router.use('/lists/:id/activity', requireUser(tokens))

  router.get('/lists/:id/activity', async (req, res) => {
    const { list } = await requireListRole(accounts, req, currentUser(res).userId, 'viewer')
    const page: ActivityPage = await activity.page(list.id, { before: cursorParam(req.query.before), limit: limitParam(req.query.limit) })
    res.json(page)
  })

  return router
}

function cursorParam(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string' || !ACTIVITY_ID.test(value)) throw new HttpError(400, 'invalid_request', 'before must be a cursor from an earlier page (its next)')
  return value
}

/** 1 … ACTIVITY_PAGE_LIMIT.max; more is capped, not refused. */
function limitParam(value: unknown): number {
  if (value === undefined || value === '') return ACTIVITY_PAGE_LIMIT.default
  const limit = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN
  if (!(limit >= 1)) throw new HttpError(400, 'invalid_request', 'limit must be a positive whole number')
  return Math.min(limit, ACTIVITY_PAGE_LIMIT.max)
}
