/**
 * The invitation endpoints (server/http/invitation-routes.ts), each response
 * parsed like the rest of the API (api.ts).
 */
import { z } from 'zod/mini'
import type { AcceptedInvitation, CreatedInvitation, Invitation, InvitationPreview } from '../../../shared/api.ts'
import { json, send } from '../api.ts'

const invitedRole = z.enum(['editor', 'viewer'])

export const InvitationSchema = z.object({
  id: z.string(),
  listId: z.string(),
  role: invitedRole,
  email: z.nullable(z.string()),
  createdAt: z.number(),
  expiresAt: z.number(),
}) satisfies z.ZodMiniType<Invitation>

const CreatedInvitationSchema = z.object({ invitation: InvitationSchema, token: z.string(), mailed: z.boolean() }) satisfies z.ZodMiniType<CreatedInvitation>
const InvitationsSchema = z.object({ invitations: z.array(InvitationSchema) })
const PreviewSchema = z.object({
  listTitle: z.string(),
  invitedBy: z.string(),
  role: invitedRole,
  email: z.nullable(z.string()),
  expiresAt: z.number(),
}) satisfies z.ZodMiniType<InvitationPreview>
const AcceptedSchema = z.object({ listId: z.string(), role: z.enum(['owner', 'editor', 'viewer']) }) satisfies z.ZodMiniType<AcceptedInvitation>

const listPath = (listId: string) => `/api/lists/${encodeURIComponent(listId)}/invitations`

/** The link a person opens to accept: this origin's `/invite/<token>`. */
export function invitationLink(token: string): string {
  return `${location.origin}/invite/${token}`
}

export const invitationApi = {
  /** With `email`: for that address only; without: a link for anyone who has it. */
  create: (token: string, listId: string, role: 'editor' | 'viewer', email?: string): Promise<CreatedInvitation> =>
    json(listPath(listId), CreatedInvitationSchema, { method: 'POST', token, json: email ? { role, email } : { role } }),
  pending: async (token: string, listId: string): Promise<Invitation[]> => (await json(listPath(listId), InvitationsSchema, { token })).invitations,
  revoke: async (token: string, listId: string, invitationId: string): Promise<void> =>
    void (await send(`${listPath(listId)}/${encodeURIComponent(invitationId)}`, { method: 'DELETE', token })),
  reset: (token: string, listId: string, invitationId: string): Promise<CreatedInvitation> =>
    json(`${listPath(listId)}/${encodeURIComponent(invitationId)}/reset`, CreatedInvitationSchema, { method: 'POST', token }),
  /** What a link offers; needs no account. */
  lookup: (invitationToken: string): Promise<InvitationPreview> =>
    json('/api/invitations/lookup', PreviewSchema, { method: 'POST', json: { token: invitationToken } }),
  accept: (token: string, invitationToken: string): Promise<AcceptedInvitation> =>
    json('/api/invitations/accept', AcceptedSchema, { method: 'POST', token, json: { token: invitationToken } }),
}

/** What a refused link means to the person who opened it. */
export function invitationProblem(code: string, invitedBy?: string): string {
  const ask = invitedBy ? `Ask ${invitedBy} for a new one.` : 'Ask whoever sent it for a new one.'
  switch (code) {
    case 'invitation_expired':
      return `This invitation has expired. ${ask}`
    case 'invitation_revoked':
      return `This invitation was withdrawn. ${ask}`
    case 'invitation_reset':
      return `This link was replaced by a newer one. ${ask}`
    case 'invitation_used':
      return 'This invitation has been accepted already.'
    case 'invitation_not_found':
    case 'invalid_request':
      return `This invitation link doesn't work — it may be mistyped, or its list was deleted. ${ask}`
    default:
      return ''
  }
}
