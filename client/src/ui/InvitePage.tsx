/**
 * `/invite/<token>`: an invitation's link. Signed out, it says who invited to
 * what and offers sign-up (or log-in) right there, then joins the list and
 * opens it. Signed in, it asks before joining (*Join list*). A link that no
 * longer works says why.
 */
import { useEffect, useState, type ReactElement } from 'react'
import type { InvitationPreview } from '../../../shared/api.ts'
import { ApiError, NetworkError } from '../api.ts'
import { session, withToken, type StoredAuth } from '../auth/session.ts'
import { invitationApi, invitationProblem } from '../invitations/invitation-api.ts'
import { listPath, navigate } from '../router.ts'
import { AuthPage } from './AuthPage.tsx'
import { Link } from './Link.tsx'

type Lookup = { status: 'loading' } | { status: 'open'; preview: InvitationPreview } | { status: 'refused'; message: string }

function describe(err: unknown, invitedBy?: string): string {
  if (err instanceof NetworkError) return "Can't reach Colist. Check your connection and try again."
  if (err instanceof ApiError) {
    const problem = invitationProblem(err.code, invitedBy)
    if (problem) return problem
    if (err.code === 'invitation_wrong_account') return `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.`
    return err.message.charAt(0).toUpperCase() + err.message.slice(1)
  }
  return 'Something went wrong. Please try again.'
}

const roleWords = (role: 'editor' | 'viewer') => (role === 'editor' ? 'edit' : 'view')

export function InvitePage({ token, auth }: { token: string; auth: StoredAuth | null }): ReactElement {
  const [lookup, setLookup] = useState<Lookup>({ status: 'loading' })
  const [authMode, setAuthMode] = useState<'login' | 'signup'>('signup')
  /** Set when the person signed up or logged in on this page: they asked to join, so joining follows. */
  const [joinAfterAuth, setJoinAfterAuth] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let cancelled = false
    invitationApi.lookup(token).then(
      (preview) => !cancelled && setLookup({ status: 'open', preview }),
      (err: unknown) => !cancelled && setLookup({ status: 'refused', message: describe(err) }),
    )
    return () => {
      cancelled = true
    }
  }, [token])

  const preview = lookup.status === 'open' ? lookup.preview : null

  async function join(): Promise<void> {
    setBusy(true)
    setError(null)
    try {
      const accepted = await withToken((bearer) => invitationApi.accept(bearer, token))
      navigate(listPath(accepted.listId), { replace: true })
    } catch (err) {
      setError(describe(err, preview?.invitedBy))
      setBusy(false)
    }
  }

  // Signed up or logged in here: join at once (the form was the person's yes).
  useEffect(() => {
    if (auth && joinAfterAuth) {
      setJoinAfterAuth(false)
      void join()
    }
    // join reads only the token and the preview; this runs once per sign-in on this page.
  }, [auth, joinAfterAuth])

  if (lookup.status === 'loading') {
    return (
      <main className="auth">
        <div className="auth__card invite" aria-busy="true">
          <p className="muted">Opening the invitation…</p>
        </div>
      </main>
    )
  }

  if (lookup.status === 'refused' || !preview) {
    return (
      <main className="auth">
        <div className="auth__card invite">
          <Brand />
          <h1>This invitation can't be used</h1>
          <p className="form-error" role="alert">
            {lookup.status === 'refused' ? lookup.message : ''}
          </p>
          <p className="auth__switch">
            <Link to="/">{auth ? 'Go to your lists' : 'Go to Colist'}</Link>
          </p>
        </div>
      </main>
    )
  }

  const headline = (
    <>
      <h1 className="invite__title">
        {preview.invitedBy} invited you to {roleWords(preview.role)} “{preview.listTitle}”
      </h1>
      <p className="muted invite__what">
        {preview.role === 'editor' ? 'You can add, check and change items together, live.' : 'You can see the list and every change, live.'}
        {preview.email ? ` This invitation is for ${preview.email}.` : ''}
      </p>
    </>
  )

  if (!auth) {
    return (
      <div className="invite-auth" onSubmitCapture={() => setJoinAfterAuth(true)}>
        <AuthPage
          mode={authMode}
          onSwitchMode={setAuthMode}
          initialEmail={preview.email ?? ''}
          intro={
            <>
              {headline}
              <p className="invite__step">{authMode === 'signup' ? 'Create your account to join.' : 'Log in to join.'}</p>
              {error && (
                <p className="form-error" role="alert">
                  {error}
                </p>
              )}
            </>
          }
        />
      </div>
    )
  }

  return (
    <main className="auth">
      <div className="auth__card invite">
        <Brand />
        {headline}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="button" className="button button--primary button--block" disabled={busy} onClick={() => void join()}>
          {busy ? 'Joining…' : 'Join list'}
        </button>
        <p className="auth__switch">
          Signed in as {auth.user.email}.{' '}
          <button type="button" className="link-button" onClick={() => session.logout()}>
            Use another account
          </button>
        </p>
      </div>
    </main>
  )
}

function Brand(): ReactElement {
  return (
    <div className="auth__brand">
      <img src="/favicon.svg" alt="" width={40} height={40} />
      <span>Colist</span>
    </div>
  )
}
