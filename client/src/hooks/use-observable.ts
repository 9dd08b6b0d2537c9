/**
 * Subscribes a component to anything with `on/off('change')` and a stable
 * `getSnapshot()` (the connection, the pending-changes queue, a list
 * session, the devtools log).
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react'
import { afterPaint } from '../after-paint.ts'

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

/**
 * Like `useObservable`, but the component takes a change after the next paint (once for every change
 * until then), not inside the event that made it: for what may show a frame late — the count of changes
 * waiting, which every keystroke in a list changes — so the key's own frame is not held by it.
 */
export function useObservableAfterPaint<T>(source: ObservableSnapshot<T>): T {
  const [shown, setShown] = useState(() => ({ source, value: source.getSnapshot() }))
  useEffect(() => {
    let waiting: (() => void) | null = null
    const take = () => {
      waiting = null
      const value = source.getSnapshot()
      setShown((current) => (current.source === source && Object.is(current.value, value) ? current : { source, value }))
    }
    const onChange = () => {
      waiting ??= afterPaint(take)
    }
    source.on('change', onChange)
    // A change between the render and now.
    take()
    return () => {
      source.off('change', onChange)
      waiting?.()
    }
  }, [source])
  // Another source than the one shown: its value now.
  return shown.source === source ? shown.value : source.getSnapshot()
}
