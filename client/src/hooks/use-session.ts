/** The signed-in user (or not) as React state. */
import { useSyncExternalStore } from 'react'
import { session, type SessionState } from '../auth/session.ts'

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.getSnapshot)
}
