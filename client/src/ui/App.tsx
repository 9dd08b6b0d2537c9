/** Picks the page from the URL and the session. */
import { useEffect, type ReactElement } from 'react'
import { DeviceSyncContext, useDeviceSyncEngine } from '../hooks/use-device-sync.ts'
import { useDevtoolsToggle } from '../hooks/use-devtools-toggle.ts'
import { useSession } from '../hooks/use-session.ts'
import { navigate, parseRoute, usePathname } from '../router.ts'
import { AccountPage } from './AccountPage.tsx'
import { AuthPage } from './AuthPage.tsx'
import { DevtoolsPanel } from './DevtoolsPanel.tsx'
import { Link } from './Link.tsx'
import { ListPage } from './ListPage.tsx'
import { ListsPage } from './ListsPage.tsx'
import { InvitePage } from './InvitePage.tsx'
import { SessionExpiredBanner } from './ReauthDialog.tsx'

export function App(): ReactElement {
  const state = useSession()
  const route = parseRoute(usePathname())
  const signedOut = state.status === 'signed-out'
  // Every list of the signed-in user syncs in the background, whichever page shows.
  const engine = useDeviceSyncEngine(state.status === 'signed-out' ? null : state.auth.user)
  const [devtoolsOpen, setDevtoolsOpen] = useDevtoolsToggle()

  useEffect(() => {
    if (!signedOut && (route.page === 'login' || route.page === 'signup')) navigate('/', { replace: true })
  }, [signedOut, route.page])

  // An invitation's link works signed out too: it offers sign-up (or log-in), then joins.
  if (route.page === 'invite') return <InvitePage key={route.token} token={route.token} auth={state.status === 'signed-out' ? null : state.auth} />
  if (state.status === 'signed-out') return <AuthPage mode={route.page === 'signup' ? 'signup' : route.page === 'login' ? 'login' : 'auto'} />

  const user = state.auth.user
  return (
    <DeviceSyncContext.Provider value={engine}>
      {state.status === 'expired' && <SessionExpiredBanner user={user} />}
      {route.page === 'list' ? (
        // A new user or list is a new session: nothing of the previous one may leak into it.
        <ListPage key={`${user.id}:${route.listId}`} listId={route.listId} user={user} />
      ) : route.page === 'account' ? (
        <AccountPage key={user.id} user={user} />
      ) : route.page === 'not-found' ? (
        <main className="page page--center">
          <h1>Page not found</h1>
          <p>
            <Link to="/">Go to your lists</Link>
          </p>
        </main>
      ) : (
        <ListsPage key={user.id} user={user} />
      )}
      {/* A list's page shows the panel with that list in it (ListPage.tsx). */}
      {devtoolsOpen && route.page !== 'list' && <DevtoolsPanel sync={null} onClose={() => setDevtoolsOpen(false)} />}
    </DeviceSyncContext.Provider>
  )
}
