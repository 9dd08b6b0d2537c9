/**
 * Issue 10, finding 5, as the attack: a password-guess flood and a sign-up
 * flood from one address. Both are refused with 429, a code and
 * `Retry-After`, before any password is hashed, while a member keeps opening
 * a list and syncing within 1 s.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Api, startTestServer, type TestServer } from './test-support/harness.ts'
import { startMemberProbe } from './test-support/member-probe.ts'

/** The production defaults of the limits under test (the harness raises them for other tests). */
const PRODUCTION_LIMITS = {
  SIGNUPS_PER_IP_PER_HOUR: '20',
  LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '30',
  LOGIN_FREE_FAILURES_PER_IP: '20',
}

let ts: TestServer | undefined

afterEach(async () => {
  await ts?.cleanup()
  ts = undefined
})

async function withMember(api: Api) {
  const member = await api.signup('Member')
  const list = await api.createList(member.token)
  return { member, list, probe: startMemberProbe(api.baseUrl, list.id, member.token, member.user.id) }
}

async function metric(api: Api, reason: string): Promise<number> {
  const res = await fetch(`${api.baseUrl}/metrics`)
  const match = new RegExp(`colist_auth_refusals_total\\{reason="${reason}"\\} (\\d+)`).exec(await res.text())
  return match ? Number(match[1]) : 0
}

describe('log-in and sign-up floods (issue 10, finding 5)', () => {
  it('a password-guess flood on one account gets 429 with Retry-After, with back-off', async () => {
    ts = await startTestServer(PRODUCTION_LIMITS)
    const api = new Api(ts.server.url)
    const victim = await api.signup('Victim')
    const { probe } = await withMember(api)

    const guesses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => api.request('POST', '/api/auth/login', { email: victim.user.email, password: `guess ${i}` })),
    )
    const statuses = guesses.map((g) => g.status)
    // At most the per-account allowance ever reached the password check.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10)
    const refused = guesses.filter((g) => g.status === 429)
    expect(refused.length).toBeGreaterThanOrEqual(30)
    for (const r of refused) expect(['too_many_attempts', 'login_backoff']).toContain(r.body.error.code)

    // Sequential guesses after the burst: refused with a Retry-After header.
    const res = await fetch(`${api.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: victim.user.email, password: 'one more guess' }),
    })
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // The account's own limits refused them: its per-minute allowance or, once its failures were
    // recorded (how many of the 40 get that far first depends on how fast the hashes answer), its back-off.
    expect((await metric(api, 'login_account_rate')) + (await metric(api, 'login_account_backoff'))).toBeGreaterThan(0)

    const rounds = await probe.stop()
    expect(rounds.length).toBeGreaterThan(0)
    expect(Math.max(...rounds)).toBeLessThan(1000)
  })

  it('guesses across many accounts from one address are refused per address; failures back off exponentially', async () => {
    ts = await startTestServer({ ...PRODUCTION_LIMITS, LOGIN_FREE_FAILURES_PER_IP: '3', LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000' })
    const api = new Api(ts.server.url)
    const { probe } = await withMember(api)
    const codes: string[] = []
    const retryAfters: number[] = []
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${api.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `nobody-${i}@example.test`, password: 'a guess' }),
      })
      const body = (await res.json()) as { error: { code: string } }
      codes.push(body.error.code)
      if (res.status === 429) retryAfters.push(Number(res.headers.get('retry-after')))
      // Each failure is recorded once its response is sent; give the record its turn.
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(codes.slice(0, 3)).toEqual(['invalid_credentials', 'invalid_credentials', 'invalid_credentials'])
    expect(codes.slice(4)).toContain('login_backoff')
    expect(retryAfters.every((s) => s >= 1)).toBe(true)
    expect(await metric(api, 'login_ip_backoff')).toBeGreaterThan(0)
    const rounds = await probe.stop()
    expect(Math.max(...rounds)).toBeLessThan(1000)
  })

  it('a sign-up flood from one address gets 429 too_many_signups with Retry-After', async () => {
    ts = await startTestServer(PRODUCTION_LIMITS)
    const api = new Api(ts.server.url)
    const { probe } = await withMember(api)
    const attempts = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        fetch(`${api.baseUrl}/api/auth/signup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `flood-${i}@example.test`, password: 'correct horse battery', name: 'Flood' }),
        }),
      ),
    )
    const created = attempts.filter((r) => r.status === 201).length
    const refused = attempts.filter((r) => r.status === 429)
    // The member's own sign-up took one of the 20.
    expect(created).toBe(19)
    expect(refused.length).toBe(41)
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(60)
    expect(((await refused[0]!.json()) as { error: { code: string } }).error.code).toBe('too_many_signups')
    expect(await metric(api, 'signup_ip_rate')).toBe(41)
    const rounds = await probe.stop()
    expect(Math.max(...rounds)).toBeLessThan(1000)
  })
})
