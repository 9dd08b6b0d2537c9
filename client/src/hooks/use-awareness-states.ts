/** Who is on the list, as React state, from Yjs awareness. */
import { useMemo, useSyncExternalStore } from 'react'
import type { Awareness } from 'y-protocols/awareness'
import { readPeers, type Peer } from '../presence/peers.ts'

/**
 * `event` 'change' re-renders only when someone's state changed; the
 * devtools pass 'update' to also see the keep-alive renewals (last update time).
 */
export function useAwarenessStates(awareness: Awareness, event: 'change' | 'update' = 'change'): Peer[] {
  const store = useMemo(() => {
    let peers: Peer[] | null = null
    return {
      subscribe(listener: () => void) {
        const onEvent = () => {
          peers = null
          listener()
        }
        awareness.on(event, onEvent)
        return () => awareness.off(event, onEvent)
      },
      getSnapshot(): Peer[] {
        peers ??= readPeers(awareness)
        return peers
      },
    }
  }, [awareness, event])
  return useSyncExternalStore(store.subscribe, store.getSnapshot)
}
