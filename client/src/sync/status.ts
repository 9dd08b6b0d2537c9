/**
 * The one-line connection and sync status every list page shows, derived
 * from the connection state and the count of unacknowledged local changes.
 * Pure, so every combination is unit-tested.
 */
import type { ConnectionState } from './connection-state.ts'
import { retryingNotice } from './refusals.ts'

/** `paused`: stopped for a reason that passes or that a reload fixes (4424, 4425, 4427, 4428, 4414), shown as a warning. */
export type SyncStatusKind = 'offline' | 'connecting' | 'syncing' | 'saved' | 'stopped' | 'paused'

export interface SyncStatus {
  kind: SyncStatusKind
  /** The headline, e.g. "Syncing 3 changes…". */
  text: string
  /** A second line with the detail that matters now, or null. */
  detail: string | null
  /** Whether changes travel over HTTP because the socket is blocked. */
  overHttp: boolean
}

export const OFFLINE_TEXT = 'Offline — changes kept on this device'
export const SAVED_TEXT = 'All changes saved'
export const CONNECTING_TEXT = 'Connecting…'

export function changesText(count: number): string {
  return `${count} ${count === 1 ? 'change' : 'changes'}`
}

export function deriveSyncStatus(connection: ConnectionState, pending: number, now: number): SyncStatus {
  const waiting = pending > 0 ? `${changesText(pending)} waiting to sync` : null

  if (connection.stopped) {
    const kind = connection.stopped.kind
    const passing = kind === 'limit' || kind === 'clock' || kind === 'outdated' || kind === 'full'
    return {
      kind: passing ? 'paused' : 'stopped',
      text: connection.stopped.message,
      detail: pending > 0 ? `${changesText(pending)} not synced, kept on this device` : null,
      overHttp: false,
    }
  }
  if (connection.socket === 'connected' || connection.http === 'active') {
    const overHttp = connection.socket !== 'connected'
    return {
      kind: pending > 0 ? 'syncing' : 'saved',
      text: pending > 0 ? `Syncing ${changesText(pending)}…` : SAVED_TEXT,
      detail: overHttp ? 'Live connection blocked — syncing over HTTP instead' : null,
      overHttp,
    }
  }
  if (connection.socket === 'connecting' || connection.socket === 'queued') {
    return { kind: 'connecting', text: CONNECTING_TEXT, detail: waiting, overHttp: false }
  }
  if (connection.socket === 'waiting') {
    const seconds = connection.retryAt === null ? null : Math.max(0, Math.ceil((connection.retryAt - now) / 1000))
    // The server is there and said why (4530): say that, not "offline".
    const notice = retryingNotice(connection.lastClose?.code ?? null)
    if (notice) {
      const next = seconds === null ? null : `Next try in ${seconds} s`
      return { kind: 'connecting', text: notice, detail: [next, waiting].filter(Boolean).join(' · ') || null, overHttp: false }
    }
    const retry = seconds === null ? "Can't reach Colist" : `Can't reach Colist — retrying in ${seconds} s`
    return { kind: 'offline', text: OFFLINE_TEXT, detail: waiting ? `${retry} · ${waiting}` : retry, overHttp: false }
  }
  return { kind: 'offline', text: OFFLINE_TEXT, detail: waiting, overHttp: false }
}
