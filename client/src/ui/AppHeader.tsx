/** The bar on top of every signed-in page: where you are, how sync is doing, and your account. */
import type { ReactElement, ReactNode } from 'react'
import { useSession } from '../hooks/use-session.ts'
import { AccountMenu } from './AccountMenu.tsx'
import { Icon } from './Icon.tsx'
import { Link } from './Link.tsx'

interface AppHeaderProps {
  /** Shows "Lists" to go back instead of the brand. */
  back?: boolean
  status: ReactNode
  actions?: ReactNode
}

export function AppHeader({ back, status, actions }: AppHeaderProps): ReactElement {
  const state = useSession()
  return (
    <header className="app-bar">
      <div className="app-bar__inner">
        {back ? (
          <Link to="/" className="app-bar__back">
            <Icon name="back" />
            <span>Lists</span>
          </Link>
        ) : (
          <Link to="/" className="brand" aria-label="Colist home">
            <img src="/favicon.svg" alt="" width={28} height={28} />
            <span>Colist</span>
          </Link>
        )}
        <div className="app-bar__status">{status}</div>
        {actions && <div className="app-bar__actions">{actions}</div>}
        {state.status !== 'signed-out' && <AccountMenu user={state.auth.user} />}
      </div>
    </header>
  )
}
