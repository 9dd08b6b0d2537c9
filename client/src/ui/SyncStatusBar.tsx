/** The always-visible connection and sync line (role="status", so changes are announced). */
import { useMemo, type ReactElement, type ReactNode } from 'react'
import { useConnectionStatus } from '../hooks/use-connection-status.ts'
import { useObservable } from '../hooks/use-observable.ts'
import type { DeviceSync } from '../sync/device-sync.ts'
import { deriveDeviceStatus } from '../sync/device-status.ts'
import type { ListSync } from '../sync/list-sync.ts'
import type { SyncStatus } from '../sync/status.ts'

function StatusPill({ status, action }: { status: SyncStatus; action?: ReactNode }): ReactElement {
  return (
    <div className={`status-pill status-pill--${status.kind}`}>
      <span className="status-pill__dot" aria-hidden="true" />
      <p role="status" className="status-pill__body" data-testid="sync-status">
        <span className="status-pill__text">{status.text}</span>
        {status.detail && <span className="status-pill__detail">{status.detail}</span>}
      </p>
      {action}
    </div>
  )
}

/** One list's line: its connection and its changes waiting. */
export function SyncStatusBar({ sync }: { sync: ListSync }): ReactElement {
  const status = useConnectionStatus(sync.connection, sync.pending)
  const canRetry = status.kind === 'offline' && navigator.onLine
  return (
    <StatusPill
      status={status}
      action={
        canRetry && (
          <button type="button" className="status-pill__action" onClick={() => sync.connection.retryNow()}>
            Retry now
          </button>
        )
      }
    />
  )
}

SyncStatusBar.displayName = 'SyncStatusBar'

/** The whole device's line: changes waiting over every list, and whether they can go now. */
export function DeviceStatusBar({ engine }: { engine: DeviceSync }): ReactElement {
  const device = useObservable(engine)
  const status = useMemo(() => deriveDeviceStatus(device), [device])
  return <StatusPill status={status} />
}
