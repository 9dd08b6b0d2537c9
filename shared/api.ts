/**
 * The HTTP API's request schemas and response shapes, shared by the server
 * (which validates every body with these) and the web client.
 */
import { z } from 'zod'
import type { Role } from './protocol.ts'

const email = z.string().trim().toLowerCase().pipe(z.email({ message: 'a valid email address is required' })).pipe(z.string().max(254))
const password = z.string().min(8, 'password must be at least 8 characters').max(256)
const displayName = z.string().trim().min(1, 'name is required').max(80)
const listTitle = z.string().trim().min(1, 'title is required').max(200)
const memberRole = z.enum(['editor', 'viewer'])

export const SignupRequest = z.object({ email, password, name: displayName }).strict()
export const LoginRequest = z.object({ email, password: z.string().min(1).max(256) }).strict()
/** A list id a client chose (a list created offline keeps the id it got on the device): a lower-case UUID, as the server's own. */
export const CLIENT_LIST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const clientListId = z.string().regex(CLIENT_LIST_ID, 'id must be a lower-case UUID')
export const CreateListRequest = z.object({ title: listTitle, id: clientListId.optional() }).strict()
export const RenameListRequest = z.object({ title: listTitle }).strict()
export const AddMemberRequest = z.object({ email, role: memberRole }).strict()
export const ChangeRoleRequest = z.object({ role: memberRole }).strict()
/** An invitation link's token: 32 random bytes, base64url (server/invitations.ts). */
export const INVITATION_TOKEN = /^[A-Za-z0-9_-]{43}$/
/** With `email`: for that address only, used once; without: a link anyone holding it may use until it expires. */
export const CreateInvitationRequest = z.object({ role: memberRole, email: email.optional() }).strict()
export const InvitationTokenRequest = z.object({ token: z.string().regex(INVITATION_TOKEN, 'not an invitation token') }).strict()
export const AddItemRequest = z
  .object({
    text: z.string().trim().min(1, 'text is required').max(2000),
    quantity: z.string().trim().max(200).optional(),
    categoryId: z.string().max(64).nullable().optional(),
  })
  .strict()
export const UpdateItemRequest = z
  .object({
    text: z.string().trim().min(1).max(2000).optional(),
    quantity: z.string().trim().max(200).optional(),
    checked: z.boolean().optional(),
    categoryId: z.string().max(64).nullable().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change')

export interface PublicUser {
  id: string
  email: string
  name: string
}

export interface AuthResponse {
  token: string
  /** Milliseconds since the epoch. */
  expiresAt: number
  user: PublicUser
}

/** One signed-in device of the user (GET /api/auth/sessions). */
export interface SessionInfo {
  id: string
  /** e.g. "Firefox on Android", from the device's User-Agent at sign-in. */
  device: string
  /** Milliseconds since the epoch. */
  createdAt: number
  /** Milliseconds since the epoch; recorded at most about once a minute. */
  lastUsedAt: number
  /** The session of the token that asked. */
  current: boolean
}

export interface SessionsResponse {
  /** Most recently used first. */
  sessions: SessionInfo[]
}

export interface ListSummary {
  id: string
  title: string
  role: Role
  ownerId: string
  createdAt: number
}

export interface Member {
  userId: string
  email: string
  name: string
  role: Role
}

export interface ListDetail extends ListSummary {
  members: Member[]
}

/** A pending invitation, as its list's owner sees it (GET /api/lists/:id/invitations). */
export interface Invitation {
  id: string
  listId: string
  role: 'editor' | 'viewer'
  /** null: a link anyone holding it may use. */
  email: string | null
  createdAt: number
  expiresAt: number
}

/** A new invitation and its link's token, shown once (the server keeps only its hash): the link is `/invite/<token>`. */
export interface CreatedInvitation {
  invitation: Invitation
  token: string
  /** Whether the server is mailing the link to the invitation's address (INVITATION_MAIL=smtp); else the owner passes it on. */
  mailed: boolean
}

/** What an invitation's link shows before it is accepted (POST /api/invitations/lookup). */
export interface InvitationPreview {
  listTitle: string
  /** The name of who invited. */
  invitedBy: string
  role: 'editor' | 'viewer'
  /** Set for an invitation by email: only that account can accept it. */
  email: string | null
  expiresAt: number
}

/** POST /api/invitations/accept: the list the user is now a member of. */
export interface AcceptedInvitation {
  listId: string
  role: Role
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown }
}
