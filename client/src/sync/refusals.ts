/**
 * What the person is told when the server refuses a write of ours or closes
 * the socket for good, decided by code and rule (shared/protocol.ts) — never
 * by the wording of a reason string.
 *
 * A refused write is never applied, relayed or stored. What the app does
 * about the device copy depends on why:
 * - read-only (we are a viewer), 4422 invalid write, 4423 clientID taken:
 *   the device copy holds something the server will never accept, so it is
 *   discarded and the list reopened from the server (`resetsDeviceCopy`).
 * - 4424 too many new clientIDs, 4425 clock skew, 4427 outdated app, 4428 list full,
 *   4414 the list owner's storage full: the changes are fine or will be; they
 *   stay on the device and the app stops syncing until the person retries or
 *   reloads.
 *
 * Presence refused (4431 state too big, 4432 too many presence IDs) is final:
 * the server closed the list's connection, documents included, and would
 * again, so the app stops (no reconnect loop) and asks for a reload.
 * 4530 (too many open connections for the account) is retryable: the app
 * backs off and says so meanwhile (`retryingNotice`).
 */
import { CloseCode, WriteRule, type WriteRejectedMessage } from '../../../shared/protocol.ts'
import type { StopReason } from './connection-state.ts'

export function resetsDeviceCopy(rejection: WriteRejectedMessage): boolean {
  return rejection.rule === WriteRule.ReadOnly || rejection.code === CloseCode.WriteInvalid.code || rejection.code === CloseCode.ClientIdTaken.code
}

/** The notice shown after the device copy was discarded because of `rejection`; `lost` = changes taken back. */
export function refusalNotice(rejection: WriteRejectedMessage, lost: number): string {
  const what = lost > 1 ? `${lost} changes made on this device were` : 'Your change was'
  const taken = `not saved and ${lost > 1 ? 'have' : 'has'} been taken back`
  if (rejection.rule === WriteRule.ReadOnly) return `You can only view this list. ${what} ${taken}.`
  if (rejection.code === CloseCode.ClientIdTaken.code) {
    return `Colist couldn't save changes from this tab: they were made under an editing ID that another account already uses on this list. ${what} ${taken}; the list now shows what is saved.`
  }
  return `Colist couldn't save a change made on this device: ${invalidWriteReason(rejection.rule)}. ${what} ${taken}; the list now shows what is saved.`
}

/** Why a 4422 write was refused, in words a person can act on (the rule name is for support and devtools). */
function invalidWriteReason(rule: WriteRule): string {
  switch (rule) {
    case WriteRule.FieldTooLong:
      return 'a text in it is longer than Colist allows'
    case WriteRule.CreatedBy:
      return 'it names someone else as the author of an item'
    case WriteRule.RegisterKey:
    case WriteRule.RemovedEntryOther:
      return "it changes another person's part of the list in a way only they can"
    default:
      return "it doesn't fit the way lists are stored"
  }
}

const SIGNED_OUT: StopReason = { kind: 'auth', code: CloseCode.Unauthorized.code, message: 'Signed out — log in to sync this list' }

/** Why syncing stopped after the socket closed with a final `code` (see `isRetryableClose`). */
export function stopReasonForClose(code: number, reason: string): StopReason {
  switch (code) {
    case CloseCode.Unauthorized.code:
      return SIGNED_OUT
    case CloseCode.Forbidden.code:
      return { kind: 'access', code, message: 'You no longer have access to this list' }
    case CloseCode.NotFound.code:
      return { kind: 'deleted', code, message: 'This list was deleted' }
    case CloseCode.WriteInvalid.code:
      return { kind: 'refused', code, message: 'Colist refused a change from this device' }
    case CloseCode.ClientIdTaken.code:
      return { kind: 'refused', code, message: 'Colist refused changes from this tab' }
    case CloseCode.ClientIdLimit.code:
      return { kind: 'limit', code, message: 'Syncing paused: this list was opened in too many new tabs today' }
    case CloseCode.ClockSkew.code:
      return { kind: 'clock', code, message: "Syncing paused: some changes are dated ahead of Colist's clock" }
    case CloseCode.ListFull.code:
      return { kind: 'full', code, message: 'Syncing paused: this list is full — delete some items or categories, then reload' }
    case CloseCode.StorageQuota.code:
      return { kind: 'full', code, message: "Syncing paused: the list owner's storage is full — the owner can free space by deleting lists" }
    case CloseCode.AwarenessTooBig.code:
    case CloseCode.AwarenessClientIdLimit.code:
      return { kind: 'presence', code, message: "Syncing stopped: Colist refused this device's presence on the list (who is here) — reload" }
    case CloseCode.LayoutOutdated.code:
    case CloseCode.ProtocolVersion.code:
      return { kind: 'outdated', code, message: 'This version of Colist is out of date — reload' }
    default:
      return { kind: 'error', code, message: `Can't sync this list: ${reason || `connection closed (${code})`}` }
  }
}

/** The sentence after a stop's headline in the list page's banner. */
export function stopExplanation(stop: StopReason): string {
  switch (stop.kind) {
    case 'access':
      return 'The owner stopped sharing it with you.'
    case 'deleted':
      return 'Its owner deleted it.'
    case 'refused':
      return 'The refused change was not saved. Reload to continue from what is saved.'
    case 'limit':
      return 'Your changes stay on this device. Try again later (the limit counts the last 24 hours).'
    case 'clock':
      return "They were made while this device's clock was wrong. They stay on this device and can be saved once that time has passed; setting the clock right helps."
    case 'outdated':
      return 'Your changes stay on this device and are saved once the new version has loaded.'
    case 'full':
      return 'Your changes stay on this device and are saved once there is room; nothing syncs for this list until then.'
    case 'presence':
      return 'This list stopped syncing on this device; your changes stay on it and are saved after a reload.'
    default:
      return 'Changes stay on this device.'
  }
}

/** Stops the person can end from the banner by trying again (the others need a reload or are final). */
export function canRetryStop(stop: StopReason): boolean {
  return stop.kind === 'limit' || stop.kind === 'clock' || stop.kind === 'full'
}

/**
 * What the status line says while the app backs off after a retryable close (`code`, the last
 * close's), in place of "Can't reach Colist", when the server said why; null for the others.
 */
export function retryingNotice(code: number | null): string | null {
  if (code === CloseCode.TooManySockets.code) return 'Too many open connections for your account — retrying'
  return null
}
