/**
 * Subscribes a component to anything with `on/off('change')` and a stable
 * `getSnapshot()` (the connection, the pending-changes queue, a list
 * session, the devtools log).
 */
import { useCallback, useSyncExternalStore } from 'react'

export interface ObservableSnapshot<T> {
  on(event: 'change', listener: () => void): void
  off(event: 'change', listener: () => void): void
  getSnapshot(): T
}

export function useObservable<T>(source: ObservableSnapshot<T>): T {
  const subscribe = useCallback(
    (listener: () => void) => {
      source.on('change', listener)
      return () => source.off('change', listener)
    },
    [source],
  )
  return useSyncExternalStore(subscribe, () => source.getSnapshot())
}
