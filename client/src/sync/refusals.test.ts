import { describe, expect, it } from 'vitest'
import { CloseCode, WriteRule, writeRejection } from '../../../shared/protocol.ts'
import { isRetryableClose } from '../../../shared/protocol.ts'
import { canRetryStop, refusalNotice, resetsDeviceCopy, retryingNotice, stopExplanation, stopReasonForClose } from './refusals.ts'

describe('refusals', () => {
  it('discards the device copy only for writes the server will never accept', () => {
    expect(resetsDeviceCopy(writeRejection(WriteRule.ReadOnly, ''))).toBe(true)
    expect(resetsDeviceCopy(writeRejection(WriteRule.FieldTooLong, ''))).toBe(true)
    expect(resetsDeviceCopy(writeRejection(WriteRule.ClientIdOwned, ''))).toBe(true)
    expect(resetsDeviceCopy(writeRejection(WriteRule.ClientIdsPerUser, ''))).toBe(false)
    expect(resetsDeviceCopy(writeRejection(WriteRule.ClockSkew, ''))).toBe(false)
    expect(resetsDeviceCopy(writeRejection(WriteRule.ItemsPerList, ''))).toBe(false)
    expect(resetsDeviceCopy(writeRejection(WriteRule.RemovedEntry, ''))).toBe(false)
    expect(resetsDeviceCopy(writeRejection(WriteRule.Unresolvable, ''))).toBe(false)
  })

  it('says what was lost and why, by rule, whatever the server’s wording', () => {
    const server = 'anything at all'
    expect(refusalNotice(writeRejection(WriteRule.ReadOnly, server), 1)).toBe('You can only view this list. Your change was not saved and has been taken back.')
    expect(refusalNotice(writeRejection(WriteRule.FieldTooLong, server), 3)).toBe(
      "Colist couldn't save a change made on this device: a text in it is longer than Colist allows. 3 changes made on this device were not saved and have been taken back; the list now shows what is saved.",
    )
    expect(refusalNotice(writeRejection(WriteRule.ClientIdOwned, server), 1)).toContain('an editing ID that another account already uses on this list')
    expect(refusalNotice(writeRejection(WriteRule.UnknownRoot, server), 1)).toContain("it doesn't fit the way lists are stored")
  })

  it('gives every final close code its own stop, and lets the passing ones be retried', () => {
    const stops = [4001, 4003, 4004, 4422, 4423, 4424, 4425, 4426, 4427, 4428, 4414, 4431, 4432, 4400].map((code) => stopReasonForClose(code, ''))
    expect(stops.map((stop) => stop.kind)).toEqual(['auth', 'access', 'deleted', 'refused', 'refused', 'limit', 'clock', 'outdated', 'outdated', 'full', 'full', 'presence', 'presence', 'error'])
    expect(stopReasonForClose(CloseCode.ListFull.code, '').message).toBe('Syncing paused: this list is full — delete some items or categories, then reload')
    expect(stopReasonForClose(CloseCode.LayoutOutdated.code, 'ignored').message).toBe('This version of Colist is out of date — reload')
    expect(stopReasonForClose(CloseCode.ClockSkew.code, '').message).toBe("Syncing paused: some changes are dated ahead of Colist's clock")
    expect(stopReasonForClose(CloseCode.ClientIdLimit.code, '').message).toBe('Syncing paused: this list was opened in too many new tabs today')
    expect(stopReasonForClose(4400, 'malformed message').message).toBe("Can't sync this list: malformed message")
    expect(stops.filter(canRetryStop).map((stop) => stop.code)).toEqual([4424, 4425, 4428, 4414])
    for (const stop of stops) expect(stopExplanation(stop).length).toBeGreaterThan(0)
  })

  it("stops a list whose owner's storage is full (4414), keeping the device's changes, until the person tries again", () => {
    const stop = stopReasonForClose(CloseCode.StorageQuota.code, 'ignored')
    expect(isRetryableClose(CloseCode.StorageQuota.code)).toBe(false)
    expect(stop.message).toBe("Syncing paused: the list owner's storage is full — the owner can free space by deleting lists")
    expect(stopExplanation(stop)).toBe('Your changes stay on this device and are saved once there is room; nothing syncs for this list until then.')
    expect(canRetryStop(stop)).toBe(true)
    // 4428 is the same kind of stop: its explanation no longer speaks of a 24-hour limit.
    expect(stopExplanation(stopReasonForClose(CloseCode.ListFull.code, ''))).not.toContain('24 hours')
  })

  it('stops for good when the server refused our presence (4431, 4432): it closed the connection, so no reconnect loop', () => {
    for (const code of [CloseCode.AwarenessTooBig.code, CloseCode.AwarenessClientIdLimit.code]) {
      expect(isRetryableClose(code)).toBe(false)
      const stop = stopReasonForClose(code, 'awareness state of clientID 1 is over 4096 bytes')
      expect(stop).toEqual({ kind: 'presence', code, message: "Syncing stopped: Colist refused this device's presence on the list (who is here) — reload" })
      expect(canRetryStop(stop)).toBe(false)
      expect(stopExplanation(stop)).toContain('your changes stay on it')
    }
  })

  it('says why it backs off after 4530 (too many sockets for the account), and only then', () => {
    expect(isRetryableClose(CloseCode.TooManySockets.code)).toBe(true)
    expect(retryingNotice(CloseCode.TooManySockets.code)).toBe('Too many open connections for your account — retrying')
    for (const code of [null, 1006, 4500, 4503, 4529]) expect(retryingNotice(code)).toBeNull()
  })
})
