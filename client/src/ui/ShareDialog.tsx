/**
 * The owner's sharing controls: invite by email or create a link, as editor or
 * viewer; see pending invitations, give one a new link or revoke it; change a
 * role, remove someone. Nobody is added until they accept, and nothing here
 * says whether an email has a Colist account.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactElement, type ReactNode } from 'react'
import type { CreatedInvitation, Invitation, ListDetail, Member } from '../../../shared/api.ts'
import { ApiError, NetworkError, api } from '../api.ts'
import { withToken } from '../auth/session.ts'
import { invitationApi, invitationLink } from '../invitations/invitation-api.ts'
import { colorForUser, initials } from '../presence/colors.ts'
import { Icon } from './Icon.tsx'
import { Modal } from './Modal.tsx'
import { RoleBadge } from './RoleBadge.tsx'

type MemberRole = 'editor' | 'viewer'

function describeError(err: unknown): string {
  if (err instanceof NetworkError) return "You're offline — sharing needs a connection."
  if (err instanceof ApiError) {
    if (err.code === 'invitation_quota') return 'This list has as many pending invitations as it may. Revoke one first.'
    if (err.code === 'invitation_rate') return "You've sent a lot of invitations in the last hour. Try again later."
    return err.message.charAt(0).toUpperCase() + err.message.slice(1)
  }
  return 'Something went wrong.'
}

const HOUR_MS = 3600 * 1000
const DAY_MS = 24 * HOUR_MS

/** "Expires in 7 days", "… in 5 hours", "… in less than an hour", or "Expired". */
export function expiryText(expiresAt: number, now = Date.now()): string {
  const left = expiresAt - now
  if (left <= 0) return 'Expired'
  const days = Math.round(left / DAY_MS)
  if (days >= 2) return `Expires in ${days} days`
  const hours = Math.ceil(left / HOUR_MS)
  return hours > 1 ? `Expires in ${hours} hours` : 'Expires in less than an hour'
}

const roleName = (role: MemberRole) => (role === 'editor' ? 'Editor' : 'Viewer')
const anRole = (role: MemberRole) => (role === 'editor' ? 'an editor' : 'a viewer')

interface ShareDialogProps {
  open: boolean
  onClose: () => void
  detail: ListDetail
  onChanged: () => Promise<void>
}

export function ShareDialog({ open, onClose, detail, onChanged }: ShareDialogProps): ReactElement {
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<MemberRole>('editor')
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null)
  const [pending, setPending] = useState<Invitation[] | null>(null)
  /** The link just created (or reset): shown once, since the server keeps only its hash. */
  const [fresh, setFresh] = useState<CreatedInvitation | null>(null)

  const loadPending = useCallback(async () => {
    try {
      setPending(await withToken((token) => invitationApi.pending(token, detail.id)))
    } catch {
      // Offline: the section says nothing rather than something stale; actions report their own errors.
    }
  }, [detail.id])

  // Each opening shows who has joined and what still waits.
  useEffect(() => {
    if (!open) return
    void loadPending()
    onChanged().catch(() => {})
  }, [open, loadPending, onChanged])

  async function run(action: () => Promise<unknown>, success: string | null): Promise<boolean> {
    setBusy(true)
    setMessage(null)
    try {
      await action()
      await Promise.all([onChanged(), loadPending()])
      setMessage(success === null ? null : { kind: 'success', text: success })
      return true
    } catch (err) {
      setMessage({ kind: 'error', text: describeError(err) })
      return false
    } finally {
      setBusy(false)
    }
  }

  async function inviteByEmail(event: FormEvent) {
    event.preventDefault()
    const address = email.trim()
    if (!address) return
    const ok = await run(async () => setFresh(await withToken((token) => invitationApi.create(token, detail.id, role, address))), null)
    if (ok) setEmail('')
  }

  const createLink = () => void run(async () => setFresh(await withToken((token) => invitationApi.create(token, detail.id, role))), null)

  const members = [...detail.members].sort((a, b) => (a.role === 'owner' ? -1 : b.role === 'owner' ? 1 : a.name.localeCompare(b.name)))
  const waiting = pending ?? []

  return (
    <Modal
      open={open}
      onClose={onClose}
      title={`Share “${detail.title}”`}
      className="share-dialog"
      description="Invite people by email or with a link. They join once they accept; editors can change the list, viewers can only look."
    >
      <form className="share-invite" onSubmit={inviteByEmail}>
        <div className="field share-invite__email">
          <label htmlFor="share-email">Email address</label>
          <input id="share-email" type="email" autoComplete="off" placeholder="name@example.com" value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field share-invite__role">
          <label htmlFor="share-role">Role</label>
          <select id="share-role" value={role} onChange={(e) => setRole(e.target.value as MemberRole)}>
            <option value="editor">Editor</option>
            <option value="viewer">Viewer</option>
          </select>
        </div>
        <button type="submit" className="button button--primary share-invite__submit" disabled={busy || !email.trim()}>
          Invite
        </button>
      </form>
      <p className="share-link-offer">
        <span>Or anyone with a link joins as {anRole(role)}.</span>
        <button type="button" className="button share-link-offer__button" disabled={busy} onClick={createLink}>
          Create invite link
        </button>
      </p>
      <p className={message?.kind === 'error' ? 'form-error' : 'form-success'} role={message?.kind === 'error' ? 'alert' : undefined} aria-live="polite">
        {message?.text}
      </p>
      {fresh && <FreshLink created={fresh} onDone={() => setFresh(null)} />}

      {waiting.length > 0 && (
        <>
          <h3 className="share-dialog__subtitle">
            Pending invitations <span className="count">{waiting.length}</span>
          </h3>
          <ul className="members invitations" aria-label="Pending invitations">
            {waiting.map((invitation) => (
              <PendingRow
                key={invitation.id}
                invitation={invitation}
                busy={busy}
                onReset={() => void run(async () => setFresh(await withToken((token) => invitationApi.reset(token, detail.id, invitation.id))), null)}
                onRevoke={() =>
                  void run(async () => {
                    await withToken((token) => invitationApi.revoke(token, detail.id, invitation.id))
                    if (fresh?.invitation.id === invitation.id) setFresh(null)
                  }, `Invitation ${invitation.email ? `for ${invitation.email} ` : 'link '}revoked: it no longer works.`)
                }
              />
            ))}
          </ul>
        </>
      )}

      <h3 className="share-dialog__subtitle">
        People with access <span className="count">{members.length}</span>
      </h3>
      <ul className="members">
        {members.map((member) => (
          <MemberRow
            key={member.userId}
            member={member}
            busy={busy}
            onRole={(next) => void run(() => withToken((token) => api.changeRole(token, detail.id, member.userId, next)), `${member.name} is now ${anRole(next)}.`)}
            onRemove={() => void run(() => withToken((token) => api.removeMember(token, detail.id, member.userId)), `${member.name} no longer has access.`)}
          />
        ))}
      </ul>
    </Modal>
  )
}

/** The link of an invitation just created: to copy and send (Colist mails it too when the server is set up to). */
function FreshLink({ created, onDone }: { created: CreatedInvitation; onDone: () => void }): ReactElement {
  const link = invitationLink(created.token)
  const field = useRef<HTMLInputElement>(null)
  const [copied, setCopied] = useState(false)
  const { invitation } = created
  useEffect(() => setCopied(false), [link])

  async function copy() {
    field.current?.select()
    try {
      await navigator.clipboard.writeText(link)
      setCopied(true)
    } catch {
      // No clipboard access: the link is selected for Ctrl+C.
    }
  }

  return (
    <section className="invite-link" aria-label="Invitation link">
      <p className="invite-link__what">
        {invitation.email && created.mailed ? (
          <>
            An invitation is being emailed to <strong>{invitation.email}</strong> — they join as {anRole(invitation.role)} once they accept. You can also send them this link.
          </>
        ) : invitation.email ? (
          <>
            Send this link to <strong>{invitation.email}</strong> — they join as {anRole(invitation.role)} once they accept.
          </>
        ) : (
          <>Anyone with this link can join as {anRole(invitation.role)}.</>
        )}{' '}
        {expiryText(invitation.expiresAt)}.
      </p>
      <div className="invite-link__row">
        <input ref={field} className="invite-link__url" readOnly value={link} aria-label="Invitation link" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="button button--primary" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy link'}
        </button>
        <button type="button" className="icon-button" aria-label="Hide the link" onClick={onDone}>
          <Icon name="close" size={18} />
        </button>
      </div>
      <p className="field__hint">The link is shown only now; “New link” on a pending invitation makes another.</p>
    </section>
  )
}

/** An address that wraps after its `@` first (a phone's dialog is narrow), anywhere else only if it must. */
function breakableEmail(text: string): ReactNode {
  const at = text.indexOf('@')
  if (at < 0) return text
  return (
    <>
      {text.slice(0, at + 1)}
      <wbr />
      {text.slice(at + 1)}
    </>
  )
}

function PendingRow({ invitation, busy, onReset, onRevoke }: { invitation: Invitation; busy: boolean; onReset: () => void; onRevoke: () => void }): ReactElement {
  const label = invitation.email ?? 'Invite link'
  const expired = invitation.expiresAt <= Date.now()
  return (
    <li className="member invitation" data-testid="pending-invitation">
      <span className="avatar avatar--small invitation__icon" aria-hidden="true">
        <Icon name={invitation.email ? 'user' : 'share'} size={16} />
      </span>
      <span className="member__who">
        <span className="member__name">{breakableEmail(label)}</span>
        <span className={`member__email${expired ? ' invitation__expired' : ''}`}>
          {roleName(invitation.role)} · {expiryText(invitation.expiresAt)}
        </span>
      </span>
      <button type="button" className="button button--small" disabled={busy} onClick={onReset} aria-label={`New link for ${label}`}>
        New link
      </button>
      <button type="button" className="icon-button icon-button--danger" aria-label={`Revoke ${invitation.email ? `invitation for ${invitation.email}` : 'invite link'}`} disabled={busy} onClick={onRevoke}>
        <Icon name="close" size={18} />
      </button>
    </li>
  )
}

function MemberRow({ member, busy, onRole, onRemove }: { member: Member; busy: boolean; onRole: (role: MemberRole) => void; onRemove: () => void }): ReactElement {
  return (
    <li className="member">
      <span className="avatar avatar--small" aria-hidden="true" style={{ backgroundColor: colorForUser(member.userId) }}>
        {initials(member.name)}
      </span>
      <span className="member__who">
        <span className="member__name">{member.name}</span>
        <span className="member__email">{member.email}</span>
      </span>
      {member.role === 'owner' ? (
        <RoleBadge role="owner" />
      ) : (
        <>
          <select aria-label={`Role of ${member.name}`} value={member.role} disabled={busy} onChange={(e) => onRole(e.target.value as MemberRole)}>
            <option value="editor">Editor</option>
            <option value="viewer">Viewer</option>
          </select>
          <button type="button" className="icon-button icon-button--danger" aria-label={`Remove ${member.name}`} disabled={busy} onClick={onRemove}>
            <Icon name="close" size={18} />
          </button>
        </>
      )}
    </li>
  )
}
