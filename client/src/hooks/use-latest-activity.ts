/** The latest activity of a list for its card on the lists page (client/src/activity/latest-activity.ts). */
import { useCallback, useEffect, useSyncExternalStore } from 'react'
import type { ActivityEvent } from '../../../shared/activity.ts'
import { latestActivity } from '../activity/latest-activity.ts'
import { useDeviceSync } from './use-device-sync.ts'

export function useLatestActivity(listId: string, changedAt: number | null): ActivityEvent | null {
  const socket = useDeviceSync()?.socket ?? null
  useEffect(() => {
    if (socket) latestActivity.listenTo(socket)
  }, [socket])
  useEffect(() => {
    latestActivity.want(listId, changedAt)
  }, [listId, changedAt])
  const subscribe = useCallback((listener: () => void) => {
    latestActivity.on('change', listener)
    return () => latestActivity.off('change', listener)
  }, [])
  return useSyncExternalStore(subscribe, () => latestActivity.get(listId))
}
