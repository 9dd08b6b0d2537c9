/**
 * Pure: what the device sync engine does next with the lists it knows — which
 * to load and connect, which to unload, which to forget — from a snapshot of
 * each list's state. device-sync.ts applies the plan; this module decides, so
 * every rule is unit-tested.
 *
 * Order: the list on screen first, alone while it connects; then lists with
 * changes waiting (oldest change first), then lists not yet on the device,
 * then the rest, least recently synced first. At most `maxConnecting`
 * background lists are connecting at once, so a device coming back with many
 * lists does not crowd out live traffic. A list with changes waiting is never
 * unloaded or forgotten, except when the server said it is gone (refusals.ts).
 */

/** Where one list's link to the server stands, as the engine sees it. */
export type ListPhase =
  /** Not loaded: no document in memory, no connection. */
  | 'idle'
  /** Loaded and waiting for its turn to connect (it does not reconnect by itself). */
  | 'queued'
  /** Connecting, or connected and not yet through its first sync. */
  | 'connecting'
  /** Connected and synced (also over the HTTP fallback). */
  | 'live'
  /** The last attempt failed; its connection retries on its own backoff. */
  | 'retrying'
  /** The browser is offline. */
  | 'offline'
  /** The server said not to come back (see `gone`). */
  | 'stopped'

export interface PlannedList {
  id: string
  /** In the user's lists as last known (the server's list, or created on this device). */
  known: boolean
  phase: ListPhase
  /** Local changes not yet durable on the server. */
  pending: number
  /** When the oldest of them was made (ms), if any. */
  oldestPendingAt: number | null
  /** A full copy of it has reached this device at least once. */
  downloaded: boolean
  /** When it last finished a sync in this tab (ms), or null. */
  syncedAt: number | null
  /** When the person last had it on screen (ms), or 0. */
  usedAt: number
  /** It is on screen. */
  foreground: boolean
  /** Stopped because access was revoked or it was deleted: the server will never take its changes. */
  gone: boolean
}

export interface ScheduleLimits {
  /** Background lists connecting (or uploading) at once. */
  maxConnecting: number
  /** Lists kept loaded in memory (the one on screen and those with changes waiting always are). */
  maxLoaded: number
}

export interface ScheduleInput {
  lists: readonly PlannedList[]
  online: boolean
  /** Whether `known` is meaningful: the user's lists have been fetched at least once. */
  listsKnown: boolean
  /** Lists that finished a sync before this are due again (a new round after coming online). */
  roundStartedAt: number
  limits: ScheduleLimits
}

export interface SchedulePlan {
  /** Load (if idle) and connect, in this order. */
  connect: string[]
  /** Unload: destroy the session, keep the device copy. */
  unload: string[]
  /** Forget: unload and delete the device copy. */
  forget: string[]
}

/** 100 loaded: a household's 50 lists all stay live (a list document is small; one socket carries them all). */
export const DEFAULT_LIMITS: ScheduleLimits = { maxConnecting: 3, maxLoaded: 100 }

const loaded = (list: PlannedList) => list.phase !== 'idle'

/** Connecting or uploading in the background: what the concurrency limit counts. */
export function isBusy(list: PlannedList): boolean {
  if (list.foreground) return false
  if (list.phase === 'connecting' || list.phase === 'retrying') return true
  return list.phase === 'live' && list.pending > 0
}

/** Whether a list in the background has nothing left to do this round. */
export function isSettled(list: PlannedList, roundStartedAt: number): boolean {
  if (list.pending > 0) return false
  if (list.phase === 'stopped') return true
  return list.phase === 'live' && list.syncedAt !== null && list.syncedAt >= roundStartedAt
}

/** Whether a list is due to sync (changes waiting, not on the device, or not synced this round). */
export function needsSync(list: PlannedList, roundStartedAt: number): boolean {
  if (list.gone || list.phase === 'stopped') return false
  if (list.pending > 0 || !list.downloaded) return true
  return list.syncedAt === null || list.syncedAt < roundStartedAt
}

/** Background order: changes waiting (oldest first), then not on the device, then least recently synced. */
export function compareForSync(a: PlannedList, b: PlannedList): number {
  const rank = (list: PlannedList) => (list.pending > 0 ? 0 : !list.downloaded ? 1 : 2)
  if (rank(a) !== rank(b)) return rank(a) - rank(b)
  if (a.pending > 0 && b.pending > 0) return (a.oldestPendingAt ?? 0) - (b.oldestPendingAt ?? 0)
  if (a.usedAt !== b.usedAt) return b.usedAt - a.usedAt
  return (a.syncedAt ?? 0) - (b.syncedAt ?? 0)
}

export function planSchedule(input: ScheduleInput): SchedulePlan {
  const { lists, online, listsKnown, roundStartedAt, limits } = input
  const plan: SchedulePlan = { connect: [], unload: [], forget: [] }

  // Forget: the server said it is gone (its changes can never be saved), or it is no longer among
  // the user's lists and has nothing unsent. Never the one on screen: the page says why first.
  const forgotten = new Set<string>()
  for (const list of lists) {
    if (list.foreground) continue
    if (list.gone || (listsKnown && !list.known && list.pending === 0)) {
      forgotten.add(list.id)
      plan.forget.push(list.id)
    }
  }
  const kept = lists.filter((list) => !forgotten.has(list.id))

  const foreground = kept.find((list) => list.foreground)
  const starting = new Set<string>()
  if (foreground && online && (foreground.phase === 'idle' || foreground.phase === 'queued')) {
    plan.connect.push(foreground.id)
    starting.add(foreground.id)
  }

  // Settled background lists may be unloaded to make room, least recently used first. Lists with
  // changes waiting and the one on screen always stay.
  const unloadable = kept
    .filter((list) => loaded(list) && !list.foreground && list.pending === 0 && (isSettled(list, roundStartedAt) || !online))
    .sort((a, b) => a.usedAt - b.usedAt || (a.syncedAt ?? 0) - (b.syncedAt ?? 0))
  let loadedCount = kept.filter((list) => loaded(list) || starting.has(list.id)).length
  const makeRoom = (): boolean => {
    if (loadedCount < limits.maxLoaded) return true
    const victim = unloadable.shift()
    if (!victim) return false
    plan.unload.push(victim.id)
    loadedCount--
    return true
  }

  // The list on screen syncs alone first; others wait while it connects (not while it fails).
  const foregroundFirst = foreground !== undefined && (foreground.phase === 'connecting' || starting.size > 0)
  if (online && !foregroundFirst) {
    let busy = kept.filter(isBusy).length
    const due = kept
      .filter((list) => !list.foreground && (list.phase === 'idle' || list.phase === 'queued') && needsSync(list, roundStartedAt))
      .sort(compareForSync)
    for (const list of due) {
      if (busy >= limits.maxConnecting) break
      if (list.phase === 'idle') {
        if (!makeRoom()) continue
        loadedCount++
      }
      const victim = unloadable.indexOf(list)
      if (victim >= 0) unloadable.splice(victim, 1)
      plan.connect.push(list.id)
      busy++
    }
  }

  while (loadedCount > limits.maxLoaded && unloadable.length > 0) {
    const victim = unloadable.shift()
    if (!victim) break
    plan.unload.push(victim.id)
    loadedCount--
  }
  return plan
}
