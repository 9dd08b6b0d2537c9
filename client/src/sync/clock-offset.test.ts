import { describe, expect, it } from 'vitest'
import { CLOCK_OFFSET_KEY, clockNotice, offsetFromServer, readClockOffset, saveClockOffset } from './clock-offset.ts'

function memoryStore(): Map<string, string> & { getItem(key: string): string | null; setItem(key: string, value: string): void } {
  const map = new Map<string, string>()
  return Object.assign(map, {
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => void map.set(key, value),
  })
}

describe('clock offset', () => {
  it('is server time minus device time at receipt', () => {
    expect(offsetFromServer(1_000_000, 1_420_000)).toBe(-420_000)
    // A second or two is the ConnectionInfo message's travel time under load, not a wrong clock: no correction.
    expect(offsetFromServer(1_000_000, 998_200)).toBe(0)
    expect(offsetFromServer(1_000_000, 1_001_500)).toBe(0)
    expect(offsetFromServer(1_000_000, 1_000_000 - 45_000)).toBe(45_000)
    expect(offsetFromServer(Number.NaN, 1)).toBeNull()
  })

  it('is kept in storage and read back; junk reads as none', () => {
    const store = memoryStore()
    expect(readClockOffset(store)).toBeNull()
    saveClockOffset(store, -420_000.4)
    expect(readClockOffset(store)).toBe(-420_000)
    store.set(CLOCK_OFFSET_KEY, 'soon')
    expect(readClockOffset(store)).toBeNull()
    store.set(CLOCK_OFFSET_KEY, String(10 ** 15))
    expect(readClockOffset(store)).toBeNull()
    expect(readClockOffset(null)).toBeNull()
  })

  it('says nothing within a minute, and calmly how far off beyond', () => {
    expect(clockNotice(null)).toBeNull()
    expect(clockNotice(59_000)).toBeNull()
    expect(clockNotice(-60_000)).toBeNull()
    expect(clockNotice(-7 * 60_000)).toBe("This device's clock is 7 min ahead; Colist corrects for it.")
    expect(clockNotice(3 * 60 * 60_000 + 5 * 60_000)).toBe("This device's clock is 3 h 5 min behind; Colist corrects for it.")
    expect(clockNotice(-2 * 60 * 60_000)).toBe("This device's clock is 2 h ahead; Colist corrects for it.")
    expect(clockNotice(5 * 24 * 60 * 60_000)).toBe("This device's clock is 5 days behind; Colist corrects for it.")
  })
})
