/**
 * How far this device's clock is from the server's. The server refuses
 * register timestamps far ahead of its own clock, and last-writer-wins
 * compares timestamps across devices, so the list's hybrid logical clock runs
 * on `Date.now() + offset`, where `offset = serverTime − Date.now()` when the
 * server's ConnectionInfo message arrives. That estimate is off by the message's
 * travel time, which can reach seconds on a busy server or network; applied
 * to a well-set clock, it would make this device's writes lose to a partner's
 * made just before them. So a difference below `CLOCK_CORRECT_MS` is taken to
 * be that noise and the device keeps its own clock (as every replica would
 * without a server); beyond it the clock is truly off and is corrected, which
 * keeps writes well inside the server's skew bound of minutes.
 *
 * The offset is kept in localStorage (it belongs to the device, not to a
 * user or list), so edits made offline after a reload are stamped with the
 * corrected time too.
 */

export const CLOCK_OFFSET_KEY = 'colist:clock-offset'

/** Beyond this the app tells the person their clock is off (it still corrects for it). */
export const CLOCK_NOTICE_MS = 60_000

/** Differences from the server's clock below this are the ConnectionInfo message's travel time, not a wrong clock. */
export const CLOCK_CORRECT_MS = 30_000

/** Offsets beyond this are not believed (a corrupt value or a server clock gone wrong). */
const MAX_OFFSET_MS = 366 * 24 * 60 * 60_000

/** The part of Storage this needs. */
export interface OffsetStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

export function readClockOffset(store: OffsetStore | null): number | null {
  try {
    const raw = store?.getItem(CLOCK_OFFSET_KEY)
    if (raw === null || raw === undefined) return null
    const offset = Number(raw)
    return Number.isFinite(offset) && Math.abs(offset) <= MAX_OFFSET_MS ? offset : null
  } catch {
    return null
  }
}

export function saveClockOffset(store: OffsetStore | null, offset: number): void {
  try {
    store?.setItem(CLOCK_OFFSET_KEY, String(Math.round(offset)))
  } catch {
    // Storage full or unavailable: the offset is then re-learnt on the next connect.
  }
}

/** The offset to use given the server's time and ours at receipt; null if the server's is unusable. */
export function offsetFromServer(serverTime: number, receivedAt: number): number | null {
  const offset = serverTime - receivedAt
  if (!Number.isFinite(offset) || Math.abs(offset) > MAX_OFFSET_MS) return null
  return Math.abs(offset) < CLOCK_CORRECT_MS ? 0 : Math.round(offset)
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`
  return `${Math.round(hours / 24)} days`
}

/** The calm sentence shown when the device's clock is more than a minute off; null otherwise. */
export function clockNotice(offset: number | null): string | null {
  if (offset === null || Math.abs(offset) <= CLOCK_NOTICE_MS) return null
  // offset = server − device: negative means the device is ahead.
  const direction = offset < 0 ? 'ahead' : 'behind'
  return `This device's clock is ${duration(Math.abs(offset))} ${direction}; Colist corrects for it.`
}
