/** The owner's sharing controls: invite by email as editor or viewer, change a role, remove someone. */
import { useState, type FormEvent, type ReactElement } from 'react'
import type { ListDetail, Member } from '../../../shared/api.ts'
import { ApiError, NetworkError, api } from '../api.ts'
import { withToken } from '../auth/session.ts'
import { colorForUser, initials } from '../presence/colors.ts'
import { Icon } from './Icon.tsx'
import { Modal } from './Modal.tsx'
import { RoleBadge } from './RoleBadge.tsx'

type MemberRole = 'editor' | 'viewer'

function describeError(err: unknown): string {
  if (err instanceof NetworkError) return "You're offline — sharing needs a connection."
  if (err instanceof ApiError) {
    if (err.code === 'no_such_user') return 'No Colist account uses this email. Ask them to sign up first.'
    if (err.code === 'already_owner') return 'That is you — you own this list.'
    return err.message.charAt(0).toUpperCase() + err.message.slice(1)
  }
  return 'Something went wrong.'
}

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

  async function run(action: () => Promise<unknown>, success: string): Promise<boolean> {
    setBusy(true)
    setMessage(null)
    try {
      await action()
      await onChanged()
      setMessage({ kind: 'success', text: success })
      return true
    } catch (err) {
      setMessage({ kind: 'error', text: describeError(err) })
      return false
    } finally {
      setBusy(false)
    }
  }

  async function invite(event: FormEvent) {
    event.preventDefault()
    const address = email.trim()
    if (!address) return
    const ok = await run(() => withToken((token) => api.addMember(token, detail.id, address, role)), `Shared with ${address} as ${role}.`)
    if (ok) setEmail('')
  }

  const members = [...detail.members].sort((a, b) => (a.role === 'owner' ? -1 : b.role === 'owner' ? 1 : a.name.localeCompare(b.name)))

  return (
    <Modal open={open} onClose={onClose} title={`Share “${detail.title}”`} className="share-dialog" description="People you add see every change live. Editors can change the list; viewers can only look.">
      <form className="share-invite" onSubmit={invite}>
        <div className="field share-invite__email">
          <label htmlFor="share-email">Email address</label>
          <input id="share-email" type="email" autoComplete="off" placeholder="name@example.com" value={email} onChange={(e) => setEmail(e.target.value)} required />
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
      <p className={message?.kind === 'error' ? 'form-error' : 'form-success'} role={message?.kind === 'error' ? 'alert' : undefined} aria-live="polite">
        {message?.text}
      </p>
      <h3 className="share-dialog__subtitle">
        People with access <span className="count">{members.length}</span>
      </h3>
      <ul className="members">
        {members.map((member) => (
          <MemberRow
            key={member.userId}
            member={member}
            busy={busy}
            onRole={(next) => void run(() => withToken((token) => api.changeRole(token, detail.id, member.userId, next)), `${member.name} is now ${next === 'editor' ? 'an editor' : 'a viewer'}.`)}
            onRemove={() => void run(() => withToken((token) => api.removeMember(token, detail.id, member.userId)), `${member.name} no longer has access.`)}
          />
        ))}
      </ul>
    </Modal>
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
