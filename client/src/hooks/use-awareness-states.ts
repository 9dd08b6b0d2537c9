/** Who is on the list, as React state, from Yjs awareness. */
import { useMemo, useSyncExternalStore } from 'react'
import type { Awareness } from 'y-protocols/awareness'
import { readPeers, samePeersShown, type Peer } from '../presence/peers.ts'

/**
 * `event` 'change' re-renders only when what the list page shows of someone
 * changed (`samePeersShown`: not this tab's own focus or typing); the
 * devtools pass 'update' to see every state and the keep-alive renewals
 * (last update time).
 */
export function useAwarenessStates(awareness: Awareness, event: 'change' | 'update' = 'change'): Peer[] {
  const store = useMemo(() => {
    let peers: Peer[] | null = null
    let fresh = false
    return {
      subscribe(listener: () => void) {
        const onEvent = () => {
          fresh = false
          listener()
        }
        awareness.on(event, onEvent)
        return () => awareness.off(event, onEvent)
      },
      getSnapshot(): Peer[] {
        if (peers && fresh) return peers
        const read = readPeers(awareness)
        fresh = true
        if (!peers || event === 'update' || !samePeersShown(peers, read)) peers = read
        return peers
      },
    }
  }, [awareness, event])
  return useSyncExternalStore(store.subscribe, store.getSnapshot)
}
