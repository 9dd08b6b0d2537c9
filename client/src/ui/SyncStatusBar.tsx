/** The always-visible connection and sync line of a list (role="status", so changes are announced). */
import type { ReactElement } from 'react'
import { useConnectionStatus } from '../hooks/use-connection-status.ts'
import type { ListSession } from '../sync/list-session.ts'

export function SyncStatusBar({ session }: { session: ListSession }): ReactElement {
  const status = useConnectionStatus(session.connection, session.pending)
  const canRetry = status.kind === 'offline' && navigator.onLine
  return (
    <div className={`status-pill status-pill--${status.kind}`}>
      <span className="status-pill__dot" aria-hidden="true" />
      <p role="status" className="status-pill__body" data-testid="sync-status">
        <span className="status-pill__text">{status.text}</span>
        {status.detail && <span className="status-pill__detail">{status.detail}</span>}
      </p>
      {canRetry && (
        <button type="button" className="status-pill__action" onClick={() => session.connection.retryNow()}>
          Retry now
        </button>
      )}
    </div>
  )
}
