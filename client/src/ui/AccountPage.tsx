/**
 * Your account: who you are signed in as, and every device signed in to it
 * (GET /api/auth/sessions). Each can be logged out from here — a lost phone
 * loses access at once — or all of them with "Log out everywhere".
 */
import { useCallback, useEffect, useState, type ReactElement } from 'react'
import type { PublicUser, SessionInfo } from '../../../shared/api.ts'
import { ApiError, NetworkError, api } from '../api.ts'
import { session, withToken } from '../auth/session.ts'
import { agoText } from '../lists/list-card-text.ts'
import { AppHeader } from './AppHeader.tsx'
import { Icon } from './Icon.tsx'

function describeError(err: unknown): string {
  if (err instanceof NetworkError) return "You're offline — your devices show once you're back online."
  if (err instanceof ApiError) return err.message.charAt(0).toUpperCase() + err.message.slice(1)
  return 'Something went wrong.'
}

const signedInDate = (at: number) => new Date(at).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })

export function AccountPage({ user }: { user: PublicUser }): ReactElement {
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  /** The session being logged out ('all' for every one). */
  const [busy, setBusy] = useState<string | null>(null)

  const load = useCallback(async () => {
    try {
      setSessions(await withToken((token) => api.sessions(token)))
      setError(null)
    } catch (err) {
      setError(describeError(err))
    }
  }, [])
  useEffect(() => {
    void load()
  }, [load])

  async function logOut(target: SessionInfo) {
    if (target.current) return session.logout()
    setBusy(target.id)
    try {
      await session.endSession(target.id)
      setSessions((current) => current?.filter((s) => s.id !== target.id) ?? null)
      setError(null)
    } catch (err) {
      setError(describeError(err))
    } finally {
      setBusy(null)
    }
  }

  async function logOutEverywhere() {
    setBusy('all')
    try {
      await session.logoutEverywhere()
    } catch (err) {
      setError(describeError(err))
      setBusy(null)
    }
  }

  const now = Date.now()
  const others = sessions?.filter((s) => !s.current).length ?? 0
  return (
    <>
      <AppHeader back status={null} />
      <main className="page">
        <h1 className="page__title">Your account</h1>
        <p className="account-page__who">
          Signed in as <strong>{user.name}</strong> <span className="account-page__email">{user.email}</span>
        </p>

        <section className="sessions" aria-labelledby="sessions-title">
          <h2 id="sessions-title" className="sessions__title">
            Signed-in devices
          </h2>
          <p className="sessions__hint">Don't recognise one, or lost a phone? Log it out: it loses access to your lists at once.</p>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          {sessions === null && !error && <p className="sessions__hint">Loading your devices…</p>}
          {sessions !== null && (
            <ul className="sessions__list" aria-label="Signed-in devices">
              {[...sessions].sort((x, y) => Number(y.current) - Number(x.current)).map((s) => (
                <li key={s.id} className="session-row" data-testid="session-row">
                  <div className="session-row__main">
                    <span className="session-row__device">
                      {s.device}
                      {s.current && <span className="session-row__current">This device</span>}
                    </span>
                    <span className="session-row__meta">
                      {s.current ? 'Active now' : `Last active ${agoText(s.lastUsedAt, now)}`} · signed in {signedInDate(s.createdAt)}
                    </span>
                  </div>
                  <button
                    type="button"
                    className="button button--small"
                    aria-label={s.current ? 'Log out this device' : `Log out ${s.device}`}
                    disabled={busy !== null}
                    onClick={() => void logOut(s)}
                  >
                    <Icon name="logout" size={16} />
                    <span>Log out</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div className="sessions__all">
            <button type="button" className="button button--danger" disabled={busy !== null || sessions === null} onClick={() => void logOutEverywhere()}>
              <Icon name="logout" size={18} />
              <span>Log out everywhere</span>
            </button>
            <span className="sessions__hint">
              {others > 0 ? `Signs out this device and ${others === 1 ? 'the other one' : `the ${others} others`}.` : 'Signs out every device, this one included.'}
            </span>
          </div>
        </section>
      </main>
    </>
  )
}
