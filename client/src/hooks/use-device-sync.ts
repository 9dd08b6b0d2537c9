/**
 * The device sync engine in React: App creates one per signed-in user
 * (`useDeviceSyncEngine`) and hands it down (`DeviceSyncContext`); pages read
 * it with `useDeviceSync` and its state with `useObservable`.
 */
import { createContext, useContext, useEffect, useRef, useState } from 'react'
import type { PublicUser } from '../../../shared/api.ts'
import { exposeDevice } from '../devtools/console-handle.ts'
import { DeviceSync } from '../sync/device-sync.ts'

export const DeviceSyncContext = createContext<DeviceSync | null>(null)

/** The engine of the signed-in user (null when signed out, and for the first render). */
export function useDeviceSyncEngine(user: PublicUser | null): DeviceSync | null {
  const [engine, setEngine] = useState<DeviceSync | null>(null)
  // The user object is replaced on every token renewal; only its id decides which engine runs.
  const userRef = useRef(user)
  userRef.current = user
  const userId = user?.id ?? null
  useEffect(() => {
    const current = userRef.current
    if (!current) return
    const created = new DeviceSync(current)
    setEngine(created)
    exposeDevice(created)
    return () => {
      exposeDevice(null)
      created.destroy()
      setEngine(null)
    }
  }, [userId])
  return engine
}

export function useDeviceSync(): DeviceSync | null {
  return useContext(DeviceSyncContext)
}
