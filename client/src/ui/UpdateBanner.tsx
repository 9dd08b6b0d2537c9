/** "A new version of Colist is available — Reload", on every page, while a new build waits (sw-update.ts). */
import { useSyncExternalStore, type ReactElement } from 'react'
import { appUpdate } from '../sw-update.ts'

export function UpdateBanner(): ReactElement | null {
  const waiting = useSyncExternalStore(appUpdate.subscribe, appUpdate.getSnapshot)
  if (!waiting) return null
  return (
    <div className="banner banner--info update-banner" role="status">
      <p>
        <strong>A new version of Colist is available.</strong> Reload to use it — nothing you have done is lost.
      </p>
      <div className="update-banner__actions">
        <button type="button" className="button button--small button--primary" onClick={() => appUpdate.reload()}>
          Reload
        </button>
        <button type="button" className="button button--small button--ghost" onClick={() => appUpdate.dismiss()}>
          Later
        </button>
      </div>
    </div>
  )
}
