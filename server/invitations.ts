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
 *   an email invitation to the log, `smtp` mails it (server/mail.ts). A mail
 *   is sent in the background: the request that created the invitation never
 *   waits for it, and a failure is logged (without the link), never answered.
 * - Invitations past their expiry are deleted by an hourly sweep, a grace
 *   later (`ENDED_KEPT_MS`), so a link keeps saying why it stopped working.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import type { Invitation } from '../shared/api.ts'
import type { InvitationConfig } from './config.ts'
import type { Logger } from './logger.ts'
import { mailError, type MailMessage, type Mailer } from './mail.ts'
import type { InvitationRecord, InvitationStore } from './storage/storage.ts'

/** How long an invitation stays stored past its expiry, so its link says "expired" rather than "not found". */
export const ENDED_KEPT_MS = 30 * 24 * 3600 * 1000
const SWEEP_EVERY_MS = 3600 * 1000
/** How long closing waits for mail still on its way to the SMTP server. */
const MAIL_DRAIN_MS = 2000

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

/** What an invitation's email says besides its link. */
export interface InvitationMailFields {
  to: string
  inviterName: string
  listTitle: string
  role: 'editor' | 'viewer'
  link: string
  expiresAt: number
}

const ROLE_WORDS: Record<InvitationMailFields['role'], string> = {
  editor: 'as an editor (you can change the list)',
  viewer: 'as a viewer (you can see the list)',
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The email inviting `to`: a subject naming the inviter and the list, a plain-text and an HTML body with the link. */
export function invitationMail({ to, inviterName, listTitle, role, link, expiresAt }: InvitationMailFields): MailMessage {
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()
  const [inviter, title] = [oneLine(inviterName), oneLine(listTitle)]
  const until = new Date(expiresAt).toUTCString()
  const text = [
    `${inviter} invited you to the list “${title}” on Colist, ${ROLE_WORDS[role]}.`,
    '',
    'Open this link to join it:',
    link,
    '',
    `The invitation is for ${to} and works until ${until}. If you did not expect it, you can ignore this email.`,
    '',
  ].join('\n')
  const [h, href] = [escapeHtml, escapeHtml(link)]
  const html = [
    '<!doctype html>',
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p><strong>${h(inviter)}</strong> invited you to the list <strong>“${h(title)}”</strong> on Colist, ${h(ROLE_WORDS[role])}.</p>`,
    `<p><a href="${href}">Join “${h(title)}”</a></p>`,
    `<p>Or open this link: <a href="${href}">${href}</a></p>`,
    `<p style="color: #555">The invitation is for ${h(to)} and works until ${h(until)}. If you did not expect it, you can ignore this email.</p>`,
    '</body></html>',
    '',
  ].join('\n')
  return { to, subject: `${inviter} invited you to “${title}” on Colist`, text, html }
}

export class Invitations {
  private readonly sweepTimer: NodeJS.Timeout
  /** Mail handed to the mailer and not yet accepted or failed. */
  private readonly sending = new Set<Promise<void>>()

  /** `mailer`: how INVITATION_MAIL=smtp sends (server/mail.ts); null: nothing is mailed. */
  constructor(
    readonly store: InvitationStore,
    readonly config: InvitationConfig,
    private readonly log: Logger,
    private readonly mailer: Mailer | null = null,
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

  /**
   * Passes an email invitation's link on through the configured transport (none by default). Returns at
   * once, saying whether a mail is on its way: it goes out in the background, and its failure is logged,
   * not thrown.
   */
  deliver(invitation: InvitationRecord, token: string, { listTitle, inviterName }: { listTitle: string; inviterName: string }): boolean {
    if (invitation.email === null) return false
    if (this.config.mail === 'log') {
      this.log.info({ to: invitation.email, listId: invitation.listId, listTitle, link: this.link(token) }, 'invitation link (INVITATION_MAIL=log)')
    } else if (this.config.mail === 'smtp' && this.mailer) {
      const message = invitationMail({ to: invitation.email, inviterName, listTitle, role: invitation.role, link: this.link(token), expiresAt: invitation.expiresAt })
      const sent = this.send(message, { to: invitation.email, listId: invitation.listId, invitationId: invitation.id })
      this.sending.add(sent)
      void sent.finally(() => this.sending.delete(sent))
      return true
    }
    return false
  }

  /** Sends one invitation's mail; never rejects. `about` is what the log says of it (never the link). */
  private async send(message: MailMessage, about: { to: string; listId: string; invitationId: string }): Promise<void> {
    try {
      await this.mailer!.send(message)
      this.log.info(about, 'invitation mailed')
    } catch (err) {
      this.log.error({ ...about, err: mailError(err) }, 'mailing an invitation failed')
    }
  }

  async sweep(now = Date.now()): Promise<number> {
    try {
      return await this.store.deleteExpiredInvitations(now - ENDED_KEPT_MS)
    } catch (err) {
      this.log.warn({ err }, 'deleting expired invitations failed')
      return 0
    }
  }

  /** Stops the sweep; mail on its way gets up to MAIL_DRAIN_MS to reach the SMTP server, then the mailer closes. */
  async close(): Promise<void> {
    clearInterval(this.sweepTimer)
    if (this.sending.size > 0) await Promise.race([Promise.allSettled(this.sending), delay(MAIL_DRAIN_MS, undefined, { ref: false })])
    this.mailer?.close()
  }
}
