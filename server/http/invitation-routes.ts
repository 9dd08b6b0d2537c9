/**
 * Invitations (server/invitations.ts): the owner invites by email or by link,
 * sees the pending ones, revokes and resets them; anyone holding a link sees
 * what it offers, and a signed-in person accepts it.
 *
 * Inviting an email answers exactly the same whether or not an account uses
 * it: nobody is added without accepting, and nothing says who has an account.
 */
import { Router, type Request } from 'express'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import { AddMemberRequest, CreateInvitationRequest, InvitationTokenRequest, type AcceptedInvitation, type CreatedInvitation, type InvitationPreview } from '../../shared/api.ts'
import type { TokenService } from '../auth.ts'
import { hashInvitationToken, invitationRefusal, publicInvitation, type Invitations, type InvitationRefusal } from '../invitations.ts'
import { retryAfterSeconds, take, type LimiterStore } from '../limiters.ts'
import type { Metrics } from '../metrics.ts'
import type { RoomRegistry } from '../room-registry.ts'
import type { AccountStore, InvitationRecord, ListRecord } from '../storage/storage.ts'
import { currentUser, isPossibleId, requireListRole, requireUser } from './access.ts'
import { AUTH_BODY_LIMIT, readJson } from './body.ts'
import { HttpError, notFound, parseBody } from './errors.ts'

const REFUSAL_MESSAGES: Record<InvitationRefusal, string> = {
  invitation_not_found: 'this invitation link does not exist (or its list was deleted)',
  invitation_expired: 'this invitation link has expired',
  invitation_revoked: 'this invitation was withdrawn',
  invitation_reset: 'this invitation link was replaced by a newer one',
  invitation_used: 'this invitation was accepted already',
}

function refused(code: InvitationRefusal): HttpError {
  return new HttpError(code === 'invitation_not_found' ? 404 : 410, code, REFUSAL_MESSAGES[code])
}

export interface InvitationRouteDeps {
  accounts: AccountStore
  invitations: Invitations
  tokens: TokenService
  rooms: RoomRegistry
  limiters: LimiterStore
  metrics: Metrics
}

export function invitationRoutes({ accounts, invitations, tokens, rooms, limiters, metrics }: InvitationRouteDeps): Router {
  const router = Router()
  const store = invitations.store
  const config = invitations.config
  const perHour: RateLimiterAbstract = limiters.limiter({ keyPrefix: 'invitations:created', points: config.perUserPerHour, duration: 3600 })
  const signedIn = requireUser(tokens)

  /** Past INVITATIONS_PER_HOUR new links (created or reset) of this owner: 429. */
  async function takeRate(userId: string, res: { set(name: string, value: string): unknown }): Promise<void> {
    const ms = await take(perHour, userId)
    if (ms === null) return
    const seconds = retryAfterSeconds(ms)
    metrics.quotaRefusals.inc({ reason: 'invitation_rate' })
    res.set('Retry-After', String(seconds))
    throw new HttpError(429, 'invitation_rate', `at most ${config.perUserPerHour} invitations an hour`, { retryAfterSeconds: seconds })
  }

  async function pendingOf(listId: string, now = Date.now()): Promise<InvitationRecord[]> {
    return (await store.listInvitations(listId)).filter((invitation) => invitation.state === 'pending' && now < invitation.expiresAt)
  }

  /** Creates an invitation; one by email replaces a pending one for the same address (its old link stops working). */
  async function invite(list: ListRecord, inviter: { userId: string; name: string }, role: 'editor' | 'viewer', email: string | null, res: Parameters<typeof takeRate>[1]): Promise<CreatedInvitation> {
    const { userId } = inviter
    const pending = await pendingOf(list.id)
    const previous = email === null ? undefined : pending.find((invitation) => invitation.email === email)
    if (!previous && pending.length >= config.maxPendingPerList) {
      metrics.quotaRefusals.inc({ reason: 'invitation_quota' })
      throw new HttpError(403, 'invitation_quota', `this list has ${config.maxPendingPerList} pending invitations, the most it may; revoke one first`, {
        maxPending: config.maxPendingPerList,
      })
    }
    await takeRate(userId, res)
    const { record, token } = invitations.draft({ listId: list.id, role, email, createdBy: userId })
    if (!previous || !(await store.replaceInvitation(previous.id, record, record.createdAt))) await store.createInvitation(record)
    const mailed = invitations.deliver(record, token, { listTitle: list.title, inviterName: inviter.name })
    return { invitation: publicInvitation(record), token, mailed }
  }

  /** The owner's list, then the body: token → role → body, as every route. */
  async function ownersList(req: Request, res: { locals: Record<string, unknown> }): Promise<ListRecord> {
    return (await requireListRole(accounts, req, currentUser(res).userId, 'owner')).list
  }

  router.get('/lists/:id/invitations', signedIn, async (req, res) => {
    const list = await ownersList(req, res)
    res.json({ invitations: (await store.listInvitations(list.id)).filter((invitation) => invitation.state === 'pending').map(publicInvitation) })
  })

  router.post('/lists/:id/invitations', signedIn, async (req, res) => {
    const list = await ownersList(req, res)
    const body = parseBody(CreateInvitationRequest, await readJson(req))
    res.status(201).json(await invite(list, currentUser(res), body.role, body.email ?? null, res))
  })

  /** Kept for older clients: sharing by email is an invitation now, answered alike for every address. */
  router.post('/lists/:id/members', signedIn, async (req, res) => {
    const list = await ownersList(req, res)
    const body = parseBody(AddMemberRequest, await readJson(req))
    res.status(201).json(await invite(list, currentUser(res), body.role, body.email, res))
  })

  async function pendingInvitation(req: Request, list: ListRecord): Promise<InvitationRecord> {
    const id = String(req.params.invitationId)
    if (!isPossibleId(id)) throw notFound('invitation')
    const invitation = await store.getInvitation(id)
    if (invitation?.listId !== list.id || invitation.state !== 'pending') throw notFound('invitation')
    return invitation
  }

  router.delete('/lists/:id/invitations/:invitationId', signedIn, async (req, res) => {
    const list = await ownersList(req, res)
    const invitation = await pendingInvitation(req, list)
    if (!(await store.revokeInvitation(invitation.id, Date.now()))) throw notFound('invitation')
    res.status(204).end()
  })

  /** A new link in place of the old one (which then answers `invitation_reset`), with a fresh expiry. */
  router.post('/lists/:id/invitations/:invitationId/reset', signedIn, async (req, res) => {
    const list = await ownersList(req, res)
    const { userId, name } = currentUser(res)
    const previous = await pendingInvitation(req, list)
    await takeRate(userId, res)
    const { record, token } = invitations.draft({ listId: list.id, role: previous.role, email: previous.email, createdBy: userId })
    if (!(await store.replaceInvitation(previous.id, record, record.createdAt))) throw notFound('invitation')
    const mailed = invitations.deliver(record, token, { listTitle: list.title, inviterName: name })
    res.status(201).json({ invitation: publicInvitation(record), token, mailed } satisfies CreatedInvitation)
  })

  /** The invitation a token names, if it can still be accepted; a refusal saying why otherwise. */
  async function openInvitation(req: Request): Promise<{ invitation: InvitationRecord; list: ListRecord }> {
    const { token } = parseBody(InvitationTokenRequest, await readJson(req, AUTH_BODY_LIMIT))
    const invitation = await store.getInvitationByTokenHash(hashInvitationToken(token))
    const refusal = invitationRefusal(invitation, Date.now())
    if (refusal) throw refused(refusal)
    const list = await accounts.getList(invitation!.listId)
    if (!list) throw refused('invitation_not_found')
    return { invitation: invitation!, list }
  }

  /** Anyone holding the link: what it offers (no token needed: the link is the secret). */
  router.post('/invitations/lookup', async (req, res) => {
    const { invitation, list } = await openInvitation(req)
    const inviter = await accounts.getUserById(invitation.createdBy)
    const preview: InvitationPreview = {
      listTitle: list.title,
      invitedBy: inviter?.name ?? 'Someone',
      role: invitation.role,
      email: invitation.email,
      expiresAt: invitation.expiresAt,
    }
    res.json(preview)
  })

  router.post('/invitations/accept', signedIn, async (req, res) => {
    const { userId } = currentUser(res)
    const { invitation, list } = await openInvitation(req)
    if (invitation.email !== null) {
      const user = await accounts.getUserById(userId)
      if (user?.email !== invitation.email) {
        throw new HttpError(403, 'invitation_wrong_account', `this invitation is for ${invitation.email}; log in with that address to accept it`)
      }
    }
    const accepted = await store.acceptInvitation(invitation.id, userId, Date.now())
    // Ended or expired between the two reads (or the list went): say which.
    if (!accepted) throw refused(invitationRefusal(await store.getInvitation(invitation.id), Date.now()) ?? 'invitation_not_found')
    if (accepted.role !== accepted.previousRole) rooms.roleChanged(list.id, userId, accepted.role)
    res.json({ listId: list.id, role: accepted.role } satisfies AcceptedInvitation)
  })

  return router
}
