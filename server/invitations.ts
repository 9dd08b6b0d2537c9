/**
 * Invitations to a list: what their links are, how they end, who hears of them.
 *
 * - A link's token is 32 random bytes (256 bits, base64url, 43 characters);
 *   storage keeps only its SHA-256, so a leaked store gives no working link.
 *   The token is shown once, to the owner who created (or reset) it.
 * - An invitation by email is for that address only and is used once; one by
 *   link works for anyone holding it until it expires (INVITATION_TTL_SECONDS),
 *   is revoked or is reset (a new link in its place).
 * - Nothing is mailed unless INVITATION_MAIL says so; `log` writes the link of
 *   an email invitation to the log (a stand-in for a mail transport).
 * - Invitations past their expiry are deleted by an hourly sweep, a grace
 *   later (`ENDED_KEPT_MS`), so a link keeps saying why it stopped working.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Invitation } from '../shared/api.ts'
import type { InvitationConfig } from './config.ts'
import type { Logger } from './logger.ts'
import type { InvitationRecord, InvitationStore } from './storage/storage.ts'

/** How long an invitation stays stored past its expiry, so its link says "expired" rather than "not found". */
export const ENDED_KEPT_MS = 30 * 24 * 3600 * 1000
const SWEEP_EVERY_MS = 3600 * 1000

/** Why a link does not work: the `code` of the refusal (410, or 404 for not_found). */
export type InvitationRefusal = 'invitation_not_found' | 'invitation_expired' | 'invitation_revoked' | 'invitation_reset' | 'invitation_used'

export function newInvitationToken(): string {
  return randomBytes(32).toString('base64url')
}

export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Why `invitation` cannot be accepted at `now`, or null if it can. */
export function invitationRefusal(invitation: InvitationRecord | null, now: number): InvitationRefusal | null {
  if (!invitation) return 'invitation_not_found'
  if (invitation.state === 'revoked') return 'invitation_revoked'
  if (invitation.state === 'reset') return 'invitation_reset'
  if (invitation.state === 'accepted') return 'invitation_used'
  if (now >= invitation.expiresAt) return 'invitation_expired'
  return null
}

export function publicInvitation(invitation: InvitationRecord): Invitation {
  const { id, listId, role, email, createdAt, expiresAt } = invitation
  return { id, listId, role, email, createdAt, expiresAt }
}

export class Invitations {
  private readonly sweepTimer: NodeJS.Timeout

  constructor(
    readonly store: InvitationStore,
    readonly config: InvitationConfig,
    private readonly log: Logger,
  ) {
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS)
    this.sweepTimer.unref()
  }

  /** A new pending invitation record and its token (not stored yet). */
  draft(fields: { listId: string; role: 'editor' | 'viewer'; email: string | null; createdBy: string }, now = Date.now()): { record: InvitationRecord; token: string } {
    const token = newInvitationToken()
    const record: InvitationRecord = {
      id: randomUUID(),
      ...fields,
      tokenHash: hashInvitationToken(token),
      createdAt: now,
      expiresAt: now + this.config.ttlSeconds * 1000,
      state: 'pending',
    }
    return { record, token }
  }

  /** The link a person opens: `/invite/<token>`, after PUBLIC_URL when set. */
  link(token: string): string {
    return `${this.config.publicUrl ?? ''}/invite/${token}`
  }

  /** Passes an email invitation's link on through the configured transport (none by default). */
  deliver(invitation: InvitationRecord, token: string, listTitle: string): void {
    if (this.config.mail !== 'log' || invitation.email === null) return
    this.log.info({ to: invitation.email, listId: invitation.listId, listTitle, link: this.link(token) }, 'invitation link (INVITATION_MAIL=log)')
  }

  async sweep(now = Date.now()): Promise<number> {
    try {
      return await this.store.deleteExpiredInvitations(now - ENDED_KEPT_MS)
    } catch (err) {
      this.log.warn({ err }, 'deleting expired invitations failed')
      return 0
    }
  }

  close(): void {
    clearInterval(this.sweepTimer)
  }
}
