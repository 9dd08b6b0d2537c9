/**
 * Shown when the session expired: the app keeps working from this device and
 * keeps every unsynced change; logging in again resumes syncing.
 */
import { useEffect, useState, type FormEvent, type ReactElement } from 'react'
import type { PublicUser } from '../../../shared/api.ts'
import { session } from '../auth/session.ts'
import { describeAuthError } from './AuthPage.tsx'
import { Modal } from './Modal.tsx'

export function SessionExpiredBanner({ user }: { user: PublicUser }): ReactElement {
  const [open, setOpen] = useState(true)
  // Each time the session expires anew, ask again.
  useEffect(() => setOpen(true), [user.id])
  return (
    <>
      <div className="banner banner--warning" role="alert">
        <p>
          <strong>You're signed out on this device.</strong> Your session expired or was logged out from another device. Log in
          again to sync — your changes are kept on this device.
        </p>
        <button type="button" className="button button--small" onClick={() => setOpen(true)}>
          Log in
        </button>
      </div>
      <ReauthDialog user={user} open={open} onClose={() => setOpen(false)} />
    </>
  )
}

function ReauthDialog({ user, open, onClose }: { user: PublicUser; open: boolean; onClose: () => void }): ReactElement {
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await session.login(user.email, password)
      setPassword('')
    } catch (err) {
      setError(describeAuthError(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal
      open={open}
      title="Log in again"
      onClose={onClose}
      description={`Your session ended. Nothing you changed is lost: it syncs as soon as you're back in as ${user.email}.`}
    >
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor="reauth-password">Password for {user.email}</label>
          <input
            id="reauth-password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            // The dialog opens for this one field (Modal focuses it, not the Close button).
            data-autofocus
          />
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="modal__actions">
          <button type="button" className="button" onClick={() => session.logout()}>
            Log out
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Logging in…' : 'Log in'}
          </button>
        </div>
      </form>
    </Modal>
  )
}
