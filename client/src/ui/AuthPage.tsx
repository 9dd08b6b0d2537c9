/** Log in and sign up: on its own page, or inside an invitation (InvitePage). */
import { useState, type FormEvent, type ReactElement, type ReactNode } from 'react'
import { ApiError, NetworkError } from '../api.ts'
import { isReturningDevice } from '../auth/returning.ts'
import { session } from '../auth/session.ts'
import { useOnline } from '../hooks/use-online.ts'
import { navigate } from '../router.ts'
import { Link } from './Link.tsx'

export function describeAuthError(err: unknown): string {
  if (err instanceof NetworkError) return "Can't reach Colist. Check your connection and try again."
  if (err instanceof ApiError) {
    if (err.code === 'invalid_credentials') return 'Wrong email or password.'
    if (err.code === 'email_taken') return 'An account with this email already exists. Log in instead?'
    return err.message.charAt(0).toUpperCase() + err.message.slice(1)
  }
  return 'Something went wrong. Please try again.'
}

interface AuthPageProps {
  /** `auto`: sign-up on a device where nobody has signed in before, log-in otherwise. */
  mode: 'login' | 'signup' | 'auto'
  /** Shown above the form instead of the tagline (an invitation says who invited to what). */
  intro?: ReactNode
  initialEmail?: string
  /** Switch between log-in and sign-up in place (the URL stays) instead of going to /login or /signup. */
  onSwitchMode?: (mode: 'login' | 'signup') => void
}

export function AuthPage({ mode: requested, intro, initialEmail = '', onSwitchMode }: AuthPageProps): ReactElement {
  const online = useOnline()
  const [autoMode] = useState<'login' | 'signup'>(() => (isReturningDevice() ? 'login' : 'signup'))
  const mode = requested === 'auto' ? autoMode : requested
  const [name, setName] = useState('')
  const [email, setEmail] = useState(initialEmail)
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const signup = mode === 'signup'

  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      if (signup) await session.signup(email, password, name)
      else await session.login(email, password)
      if (location.pathname === '/login' || location.pathname === '/signup') navigate('/', { replace: true })
    } catch (err) {
      setError(describeAuthError(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="auth">
      <div className="auth__card">
        <div className="auth__brand">
          <img src="/favicon.svg" alt="" width={40} height={40} />
          <span>Colist</span>
        </div>
        {intro ?? (
          <>
            <h1>{signup ? 'Create your account' : 'Welcome back'}</h1>
            <p className="muted">Shared lists for groceries, packing and to-dos — even offline.</p>
          </>
        )}
        <form onSubmit={submit} className="stack">
          {signup && (
            <div className="field">
              <label htmlFor="auth-name">Name</label>
              <input id="auth-name" dir="auto" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={80} />
            </div>
          )}
          <div className="field">
            <label htmlFor="auth-email">Email</label>
            <input id="auth-email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="auth-password">Password</label>
            <input
              id="auth-password"
              type="password"
              autoComplete={signup ? 'new-password' : 'current-password'}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              minLength={signup ? 8 : 1}
              aria-describedby={signup ? 'auth-password-hint' : undefined}
            />
            {signup && (
              <p id="auth-password-hint" className="field__hint">
                At least 8 characters.
              </p>
            )}
          </div>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          {!online && (
            <p className="form-note" role="note">
              You're offline. {signup ? 'Signing up' : 'Logging in'} needs a connection.
            </p>
          )}
          <button type="submit" className="button button--primary button--block" disabled={busy}>
            {busy ? (signup ? 'Creating account…' : 'Logging in…') : signup ? 'Sign up' : 'Log in'}
          </button>
        </form>
        <p className="auth__switch">
          {signup ? 'Already have an account? ' : 'New to Colist? '}
          {onSwitchMode ? (
            <button type="button" className="link-button" onClick={() => onSwitchMode(signup ? 'login' : 'signup')}>
              {signup ? 'Log in' : 'Create an account'}
            </button>
          ) : (
            <Link to={signup ? '/login' : '/signup'}>{signup ? 'Log in' : 'Create an account'}</Link>
          )}
        </p>
      </div>
    </main>
  )
}
