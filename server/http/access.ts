/**
 * Who is asking, and what they may do with a list. Every list route goes
 * through `requireListRole`, so no handler can forget the check.
 */
import type { Request, RequestHandler } from 'express'
import { isListId } from '../../shared/device-protocol.ts'
import type { Role } from '../../shared/protocol.ts'
import type { TokenClaims, TokenService } from '../auth.ts'
import type { AccountStore, ListRecord } from '../storage/storage.ts'
import { forbidden, notFound, unauthorized } from './errors.ts'

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 }

export function requireUser(tokens: TokenService, { forRefresh = false } = {}): RequestHandler {
  return async (req, res, next) => {
    // Verified once per request: a route behind two routers that both require a user (quotas, then the list routes).
    if (res.locals.user) return next()
    const header = req.get('authorization') ?? ''
    const match = /^Bearer (\S+)$/i.exec(header)
    if (!match) throw unauthorized()
    try {
      res.locals.user = await (forRefresh ? tokens.verifyForRefresh(match[1]) : tokens.verify(match[1]))
    } catch {
      throw unauthorized('invalid or expired token')
    }
    next()
  }
}

/** Whether `id` has the format of a list or user id; anything else cannot exist. */
export function isPossibleId(id: string): boolean {
  return isListId(id)
}

export function currentUser(res: { locals: Record<string, unknown> }): TokenClaims {
  return res.locals.user as TokenClaims
}

/**
 * Loads the list named by `req.params.id` and checks the caller holds at
 * least `minimum`. Unknown lists are 404; lists the caller cannot see are 404
 * too when they are not a member, so ids can't be probed.
 */
export async function requireListRole(
  accounts: AccountStore,
  req: Request,
  userId: string,
  minimum: Role,
): Promise<{ list: ListRecord; role: Role }> {
  const listId = String(req.params.id)
  // An id no list can have (the socket's id format) is simply not found: storage is never asked.
  if (!isPossibleId(listId)) throw notFound('list')
  const [list, role] = await Promise.all([accounts.getList(listId), accounts.getRole(listId, userId)])
  if (!list || !role) throw notFound('list')
  if (RANK[role] < RANK[minimum]) throw forbidden(minimum === 'owner' ? 'only the owner can do this' : 'read-only access: you cannot change this list')
  return { list, role }
}
