import { describe, expect, it } from 'vitest'
import { INITIAL_CONNECTION_STATE, type ConnectionState } from './connection-state.ts'
import { deriveSyncStatus } from './status.ts'

const state = (patch: Partial<ConnectionState>): ConnectionState => ({ ...INITIAL_CONNECTION_STATE, ...patch })
const now = 1_000_000

describe('deriveSyncStatus', () => {
  it('says "All changes saved" when connected with nothing pending', () => {
    expect(deriveSyncStatus(state({ socket: 'connected' }), 0, now)).toMatchObject({ kind: 'saved', text: 'All changes saved', detail: null })
  })

  it('counts the changes still waiting for a durable ack', () => {
    expect(deriveSyncStatus(state({ socket: 'connected' }), 1, now).text).toBe('Syncing 1 change…')
    expect(deriveSyncStatus(state({ socket: 'connected' }), 3, now)).toMatchObject({ kind: 'syncing', text: 'Syncing 3 changes…' })
  })

  it('says offline, and how much waits, when the browser is offline', () => {
    expect(deriveSyncStatus(state({ socket: 'offline' }), 0, now)).toMatchObject({ kind: 'offline', text: 'Offline — changes kept on this device', detail: null })
    expect(deriveSyncStatus(state({ socket: 'offline' }), 2, now).detail).toBe('2 changes waiting to sync')
  })

  it('counts down to the next attempt while the server cannot be reached', () => {
    const waiting = deriveSyncStatus(state({ socket: 'waiting', retryAt: now + 4200 }), 1, now)
    expect(waiting).toMatchObject({ kind: 'offline', text: 'Offline — changes kept on this device' })
    expect(waiting.detail).toBe("Can't reach Colist — retrying in 5 s · 1 change waiting to sync")
  })

  it('says the account has too many open connections, not "offline", while backing off after 4530', () => {
    const lastClose = { code: 4530, reason: 'too many open sockets for this user', at: now }
    expect(deriveSyncStatus(state({ socket: 'waiting', retryAt: now + 4200, lastClose }), 1, now)).toEqual({
      kind: 'connecting',
      text: 'Too many open connections for your account — retrying',
      detail: 'Next try in 5 s · 1 change waiting to sync',
      overHttp: false,
    })
    expect(deriveSyncStatus(state({ socket: 'waiting', retryAt: null, lastClose }), 0, now).detail).toBeNull()
  })

  it('shows a full list or owner storage (4428, 4414) as paused, and refused presence (4431) as stopped', () => {
    const full = state({ socket: 'stopped', stopped: { kind: 'full', code: 4414, message: 'Syncing paused' } })
    expect(deriveSyncStatus(full, 2, now)).toMatchObject({ kind: 'paused', detail: '2 changes not synced, kept on this device' })
    const presence = state({ socket: 'stopped', stopped: { kind: 'presence', code: 4431, message: 'Syncing stopped' } })
    expect(deriveSyncStatus(presence, 0, now).kind).toBe('stopped')
  })

  it('shows "Connecting…" until the first sync', () => {
    expect(deriveSyncStatus(state({ socket: 'connecting' }), 0, now)).toMatchObject({ kind: 'connecting', text: 'Connecting…' })
  })

  it('says so when changes travel over HTTP because the socket is blocked', () => {
    const status = deriveSyncStatus(state({ socket: 'waiting', http: 'active', retryAt: now + 1000 }), 2, now)
    expect(status).toMatchObject({ kind: 'syncing', text: 'Syncing 2 changes…', overHttp: true })
    expect(status.detail).toContain('HTTP')
    // A live socket wins over HTTP.
    expect(deriveSyncStatus(state({ socket: 'connected', http: 'active' }), 0, now).overHttp).toBe(false)
  })

  it('tells why syncing stopped, and that nothing is lost', () => {
    const stopped = state({ socket: 'stopped', stopped: { kind: 'access', code: 4003, message: 'You no longer have access to this list' } })
    expect(deriveSyncStatus(stopped, 0, now)).toMatchObject({ kind: 'stopped', text: 'You no longer have access to this list', detail: null })
    expect(deriveSyncStatus(stopped, 1, now).detail).toBe('1 change not synced, kept on this device')
    const paused = state({ socket: 'stopped', stopped: { kind: 'clock', code: 4425, message: 'Syncing paused' } })
    expect(deriveSyncStatus(paused, 2, now)).toMatchObject({ kind: 'paused', text: 'Syncing paused', detail: '2 changes not synced, kept on this device' })
  })
})
