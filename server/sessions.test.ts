/** Sessions in-process, on MemoryStorage: the sweep of expired sessions. (Log-out, rotation and the rest through real servers: sessions.integration.test.ts.) */
import { afterEach, describe, expect, it } from 'vitest'
import { LocalFanoutHub } from './fanout.ts'
import { createLogger } from './logger.ts'
import { Sessions } from './sessions.ts'
import { MemoryStorage } from './storage/memory-storage.ts'

const open: Sessions[] = []
afterEach(() => {
  for (const sessions of open.splice(0)) sessions.close()
})

function sessionsOn(store: MemoryStorage, sweepEveryMs: number): Sessions {
  const sessions = new Sessions({ store, fanout: new LocalFanoutHub().endpoint(), log: createLogger('silent'), secret: new Uint8Array(32).fill(1), ttlSeconds: 3600, sweepEveryMs })
  open.push(sessions)
  return sessions
}

describe('Sessions', () => {
  it('deletes the sessions whose token expired every sweepEveryMs, though their user never lists them; live ones stay', async () => {
    const store = new MemoryStorage()
    const sessions = sessionsOn(store, 50)
    const user = { id: 'u1', name: 'Ann' }
    const expired = await sessions.signIn(user, 'Old phone', -10)
    const live = await sessions.signIn(user, 'Laptop')
    expect(await store.getSession(expired.sessionId)).not.toBeNull()
    const deadline = Date.now() + 2000
    while ((await store.getSession(expired.sessionId)) !== null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await store.getSession(expired.sessionId)).toBeNull()
    expect(await store.getSession(live.sessionId)).not.toBeNull()
    expect(await sessions.sweepExpired()).toBe(0)
  })
})
