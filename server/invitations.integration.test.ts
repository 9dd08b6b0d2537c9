/**
 * Invitations against a real server on 127.0.0.1 with LevelDB in a temp dir:
 * who may create, list, revoke and reset them (the owner only), accepting
 * (the invited role; an expired, revoked, reset or used link refused with its
 * code), that inviting an email answers alike whether or not an account uses
 * it, and that sharing by email adds nobody without their accepting.
 */
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthResponse } from '../shared/api.ts'
import { hashInvitationToken, newInvitationToken } from './invitations.ts'
import { Api, startTestServer, type TestServer } from './test-support/harness.ts'

let ts: TestServer
let api: Api

beforeAll(async () => {
  ts = await startTestServer()
  api = new Api(ts.server.url)
})
afterAll(async () => {
  await ts.cleanup()
})

async function invite(owner: AuthResponse, listId: string, body: { role: string; email?: string }): Promise<{ status: number; body: any }> {
  return api.request('POST', `/api/lists/${listId}/invitations`, body, owner.token)
}

const accept = (token: string, who: AuthResponse) => api.request('POST', '/api/invitations/accept', { token }, who.token)
const lookup = (token: string) => api.request('POST', '/api/invitations/lookup', { token })

describe('creating, listing, revoking and resetting', () => {
  it('is the owner\'s alone: an editor, a viewer and a stranger are refused every route', async () => {
    const [owner, editor, viewer, stranger] = await Promise.all([api.signup('Ana'), api.signup('Ben'), api.signup('Cy'), api.signup('Eve')])
    const list = await api.createList(owner.token)
    await api.share(owner.token, list.id, editor.user.email, 'editor')
    await api.share(owner.token, list.id, viewer.user.email, 'viewer')
    const created = await invite(owner, list.id, { role: 'viewer' })
    expect(created.status).toBe(201)
    const id = created.body.invitation.id
    for (const [who, status] of [[editor, 403], [viewer, 403], [stranger, 404]] as const) {
      expect((await invite(who, list.id, { role: 'editor' })).status).toBe(status)
      expect((await api.request('POST', `/api/lists/${list.id}/members`, { email: 'x@example.test', role: 'editor' }, who.token)).status).toBe(status)
      expect((await api.request('GET', `/api/lists/${list.id}/invitations`, undefined, who.token)).status).toBe(status)
      expect((await api.request('DELETE', `/api/lists/${list.id}/invitations/${id}`, undefined, who.token)).status).toBe(status)
      expect((await api.request('POST', `/api/lists/${list.id}/invitations/${id}/reset`, undefined, who.token)).status).toBe(status)
    }
    expect((await api.request('GET', `/api/lists/${list.id}/invitations`)).status).toBe(401)
    expect((await api.request('POST', `/api/lists/${list.id}/invitations`, { role: 'editor' })).status).toBe(401)
    // Still there, untouched.
    const listed = await api.request('GET', `/api/lists/${list.id}/invitations`, undefined, owner.token)
    expect(listed.body.invitations.map((i: { id: string }) => i.id)).toEqual([id])
  })

  it('refuses bad input with invalid_request: an owner role, a bad email, unknown fields', async () => {
    const owner = await api.signup('Ana')
    const list = await api.createList(owner.token)
    for (const body of [{ role: 'owner' }, { role: 'editor', email: 'not an email' }, { role: 'editor', userId: 'x' }, {}]) {
      const res = await invite(owner, list.id, body as { role: string })
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('invalid_request')
    }
    expect((await api.request('POST', '/api/invitations/lookup', { token: 'short' })).body.error.code).toBe('invalid_request')
  })

  it('gives a 256-bit link token shown once and stored only as its hash; the owner sees pending invitations', async () => {
    const owner = await api.signup('Ana')
    const list = await api.createList(owner.token)
    const byLink = await invite(owner, list.id, { role: 'editor' })
    const byEmail = await invite(owner, list.id, { role: 'viewer', email: 'Someone@Example.test' })
    expect(byLink.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(byLink.body.token).not.toBe(byEmail.body.token)
    expect(byLink.body.invitation).toEqual({ id: expect.any(String), listId: list.id, role: 'editor', email: null, createdAt: expect.any(Number), expiresAt: expect.any(Number) })
    // The default expiry: 7 days.
    expect(byLink.body.invitation.expiresAt - byLink.body.invitation.createdAt).toBe(7 * 24 * 3600 * 1000)
    expect(byEmail.body.invitation.email).toBe('someone@example.test')
    const stored = await ts.server.storage.getInvitation(byLink.body.invitation.id)
    expect(stored?.tokenHash).toBe(hashInvitationToken(byLink.body.token))
    expect(JSON.stringify(stored)).not.toContain(byLink.body.token)
    const listed = await api.request('GET', `/api/lists/${list.id}/invitations`, undefined, owner.token)
    expect(listed.body.invitations).toEqual([byLink.body.invitation, byEmail.body.invitation])
    expect(JSON.stringify(listed.body)).not.toContain(byLink.body.token)
  })

  it('revokes: the link is refused with invitation_revoked and the invitation leaves the pending list', async () => {
    const [owner, bob] = await Promise.all([api.signup('Ana'), api.signup('Bob')])
    const list = await api.createList(owner.token)
    const created = await invite(owner, list.id, { role: 'editor' })
    const id = created.body.invitation.id
    expect((await api.request('DELETE', `/api/lists/${list.id}/invitations/${id}`, undefined, owner.token)).status).toBe(204)
    expect((await api.request('DELETE', `/api/lists/${list.id}/invitations/${id}`, undefined, owner.token)).status).toBe(404)
    const refused = await accept(created.body.token, bob)
    expect(refused.status).toBe(410)
    expect(refused.body.error.code).toBe('invitation_revoked')
    expect((await lookup(created.body.token)).body.error.code).toBe('invitation_revoked')
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, bob.token)).status).toBe(404)
    expect((await api.request('GET', `/api/lists/${list.id}/invitations`, undefined, owner.token)).body.invitations).toEqual([])
  })

  it('resets: a new link with a fresh expiry works, the old one is refused with invitation_reset', async () => {
    const [owner, bob, carol] = await Promise.all([api.signup('Ana'), api.signup('Bob'), api.signup('Carol')])
    const list = await api.createList(owner.token)
    const created = await invite(owner, list.id, { role: 'viewer' })
    const reset = await api.request('POST', `/api/lists/${list.id}/invitations/${created.body.invitation.id}/reset`, undefined, owner.token)
    expect(reset.status).toBe(201)
    expect(reset.body.token).not.toBe(created.body.token)
    expect(reset.body.invitation).toMatchObject({ role: 'viewer', email: null })
    expect(reset.body.invitation.id).not.toBe(created.body.invitation.id)
    const old = await accept(created.body.token, bob)
    expect(old.status).toBe(410)
    expect(old.body.error.code).toBe('invitation_reset')
    expect((await accept(reset.body.token, carol)).body).toEqual({ listId: list.id, role: 'viewer' })
    const listed = await api.request('GET', `/api/lists/${list.id}/invitations`, undefined, owner.token)
    expect(listed.body.invitations.map((i: { id: string }) => i.id)).toEqual([reset.body.invitation.id])
    // An invitation of another list, or one no longer pending, cannot be reset here.
    const other = await api.createList(owner.token)
    expect((await api.request('POST', `/api/lists/${other.id}/invitations/${reset.body.invitation.id}/reset`, undefined, owner.token)).status).toBe(404)
    expect((await api.request('POST', `/api/lists/${list.id}/invitations/${created.body.invitation.id}/reset`, undefined, owner.token)).status).toBe(404)
  })
})

describe('accepting', () => {
  it('a link: anyone signed in joins with its role, sees the list, and the preview says what it offers', async () => {
    const [owner, bob, carol] = await Promise.all([api.signup('Ana'), api.signup('Bob'), api.signup('Carol')])
    const list = await api.createList(owner.token, 'Picnic')
    const created = await invite(owner, list.id, { role: 'editor' })
    const preview = await lookup(created.body.token)
    expect(preview.body).toEqual({ listTitle: 'Picnic', invitedBy: 'Ana', role: 'editor', email: null, expiresAt: created.body.invitation.expiresAt })
    expect((await api.request('POST', '/api/invitations/accept', { token: created.body.token })).status).toBe(401)
    expect((await accept(created.body.token, bob)).body).toEqual({ listId: list.id, role: 'editor' })
    expect((await accept(created.body.token, carol)).body).toEqual({ listId: list.id, role: 'editor' })
    const detail = await api.request('GET', `/api/lists/${list.id}`, undefined, bob.token)
    expect(detail.status).toBe(200)
    expect(detail.body.role).toBe('editor')
    expect((await api.request('POST', `/api/lists/${list.id}/items`, { text: 'Bread' }, carol.token)).status).toBe(201)
    // The owner accepting their own link stays owner.
    expect((await accept(created.body.token, owner)).body).toEqual({ listId: list.id, role: 'owner' })
  })

  it('an email invitation: only that account, once; a member keeps a higher role', async () => {
    const [owner, bob, carol] = await Promise.all([api.signup('Ana'), api.signup('Bob'), api.signup('Carol')])
    const list = await api.createList(owner.token)
    const created = await invite(owner, list.id, { role: 'viewer', email: bob.user.email.toUpperCase() })
    const wrong = await accept(created.body.token, carol)
    expect(wrong.status).toBe(403)
    expect(wrong.body.error.code).toBe('invitation_wrong_account')
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, carol.token)).status).toBe(404)
    expect((await accept(created.body.token, bob)).body).toEqual({ listId: list.id, role: 'viewer' })
    const again = await accept(created.body.token, bob)
    expect(again.status).toBe(410)
    expect(again.body.error.code).toBe('invitation_used')

    await api.request('PATCH', `/api/lists/${list.id}/members/${bob.user.id}`, { role: 'editor' }, owner.token)
    const second = await invite(owner, list.id, { role: 'viewer', email: bob.user.email })
    expect((await accept(second.body.token, bob)).body).toEqual({ listId: list.id, role: 'editor' })
  })

  it('refuses an expired link with invitation_expired, an unknown one with invitation_not_found', async () => {
    const [owner, bob] = await Promise.all([api.signup('Ana'), api.signup('Bob')])
    const list = await api.createList(owner.token)
    const token = newInvitationToken()
    const now = Date.now()
    await ts.server.storage.createInvitation({
      id: crypto.randomUUID(),
      listId: list.id,
      tokenHash: hashInvitationToken(token),
      role: 'editor',
      email: null,
      createdBy: owner.user.id,
      createdAt: now - 8 * 24 * 3600 * 1000,
      expiresAt: now - 1000,
      state: 'pending',
    })
    const expired = await accept(token, bob)
    expect(expired.status).toBe(410)
    expect(expired.body.error.code).toBe('invitation_expired')
    expect((await lookup(token)).body.error.code).toBe('invitation_expired')
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, bob.token)).status).toBe(404)

    const unknown = await accept(newInvitationToken(), bob)
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('invitation_not_found')
    // A deleted list takes its invitations with it.
    const created = await invite(owner, list.id, { role: 'editor' })
    await api.request('DELETE', `/api/lists/${list.id}`, undefined, owner.token)
    expect((await accept(created.body.token, bob)).body.error.code).toBe('invitation_not_found')
  })

  it('members leave a list themselves', async () => {
    const [owner, bob] = await Promise.all([api.signup('Ana'), api.signup('Bob')])
    const list = await api.createList(owner.token)
    const created = await invite(owner, list.id, { role: 'editor' })
    await accept(created.body.token, bob)
    expect((await api.request('DELETE', `/api/lists/${list.id}/members/${bob.user.id}`, undefined, bob.token)).status).toBe(204)
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, bob.token)).status).toBe(404)
  })
})

describe('privacy', () => {
  /** The answer with what differs between any two invitations taken out. */
  const shape = (res: { status: number; body: any }) => ({
    status: res.status,
    keys: Object.keys(res.body).sort(),
    invitationKeys: Object.keys(res.body.invitation ?? {}).sort(),
    role: res.body.invitation?.role,
  })

  it('inviting an email answers alike whether or not an account uses it, and adds nobody', async () => {
    const [owner, bob] = await Promise.all([api.signup('Ana'), api.signup('Bob')])
    const list = await api.createList(owner.token)
    const existing = await invite(owner, list.id, { role: 'editor', email: bob.user.email })
    const nobody = await invite(owner, list.id, { role: 'editor', email: `nobody-${Date.now()}@example.test` })
    expect(shape(existing)).toEqual(shape(nobody))
    expect(shape(existing)).toEqual({ status: 201, keys: ['invitation', 'token'], invitationKeys: ['createdAt', 'email', 'expiresAt', 'id', 'listId', 'role'], role: 'editor' })
    expect(JSON.stringify(existing.body)).not.toContain(bob.user.id)
    expect(JSON.stringify(existing.body)).not.toContain(bob.user.name)
    const detail = await api.request('GET', `/api/lists/${list.id}`, undefined, owner.token)
    expect(detail.body.members.map((m: { userId: string }) => m.userId)).toEqual([owner.user.id])
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, bob.token)).status).toBe(404)
  })

  it('the old add-member-by-email route invites too: same answer for any email, nobody added without accepting', async () => {
    const [owner, bob] = await Promise.all([api.signup('Ana'), api.signup('Bob')])
    const list = await api.createList(owner.token)
    const existing = await api.request('POST', `/api/lists/${list.id}/members`, { email: bob.user.email, role: 'viewer' }, owner.token)
    const nobody = await api.request('POST', `/api/lists/${list.id}/members`, { email: `ghost-${Date.now()}@example.test`, role: 'viewer' }, owner.token)
    expect(shape(existing)).toEqual(shape(nobody))
    expect(existing.status).toBe(201)
    expect(JSON.stringify(existing.body)).not.toContain(bob.user.id)
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, bob.token)).status).toBe(404)
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, owner.token)).body.members).toHaveLength(1)
    // Inviting the same email again replaces the pending invitation: one per address.
    const listed = await api.request('GET', `/api/lists/${list.id}/invitations`, undefined, owner.token)
    expect(listed.body.invitations).toHaveLength(2)
    const again = await api.request('POST', `/api/lists/${list.id}/members`, { email: bob.user.email, role: 'editor' }, owner.token)
    expect((await accept(existing.body.token, bob)).body.error.code).toBe('invitation_reset')
    expect((await accept(again.body.token, bob)).body).toEqual({ listId: list.id, role: 'editor' })
  })
})

describe('limits', () => {
  let limited: TestServer
  let limitedApi: Api

  beforeAll(async () => {
    limited = await startTestServer({ MAX_PENDING_INVITATIONS_PER_LIST: '2', INVITATIONS_PER_HOUR: '4' })
    limitedApi = new Api(limited.server.url)
  })
  afterAll(async () => {
    await limited.cleanup()
  })

  it('caps pending invitations per list (403 invitation_quota) and new ones per owner per hour (429 invitation_rate)', async () => {
    const owner = await limitedApi.signup('Ana')
    const [first, second] = [await limitedApi.createList(owner.token), await limitedApi.createList(owner.token)]
    const create = (listId: string) => limitedApi.request('POST', `/api/lists/${listId}/invitations`, { role: 'viewer' }, owner.token)
    expect((await create(first.id)).status).toBe(201)
    const kept = await create(first.id)
    expect(kept.status).toBe(201)
    const capped = await create(first.id)
    expect(capped.status).toBe(403)
    expect(capped.body.error).toMatchObject({ code: 'invitation_quota', details: { maxPending: 2 } })
    // Revoking frees a place.
    await limitedApi.request('DELETE', `/api/lists/${first.id}/invitations/${kept.body.invitation.id}`, undefined, owner.token)
    expect((await create(first.id)).status).toBe(201)
    expect((await create(second.id)).status).toBe(201)
    const rated = await create(second.id)
    expect(rated.status).toBe(429)
    expect(rated.body.error.code).toBe('invitation_rate')
    expect(Number(rated.body.error.details.retryAfterSeconds)).toBeGreaterThan(0)
  })
})

describe('the mail setting', () => {
  /** A server whose log lines are kept, with INVITATION_MAIL as given. */
  async function serverLogging(env: Record<string, string>): Promise<{ server: TestServer; api: Api; lines: Array<Record<string, unknown>> }> {
    const lines: Array<Record<string, unknown>> = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>)
        done()
      },
    })
    const server = await startTestServer(env, { log: pino({ level: 'info' }, sink) })
    return { server, api: new Api(server.server.url), lines }
  }

  it('is off by default: no link is logged; INVITATION_MAIL=log logs an email invitation\'s link after PUBLIC_URL', async () => {
    const off = await serverLogging({})
    const on = await serverLogging({ INVITATION_MAIL: 'log', PUBLIC_URL: 'https://lists.example.test/' })
    try {
      for (const { api: client, lines, server } of [off, on]) {
        const owner = await client.signup('Ana')
        const list = await client.createList(owner.token, 'Camping')
        const created = await client.request('POST', `/api/lists/${list.id}/invitations`, { role: 'editor', email: 'sam@example.test' }, owner.token)
        const byLink = await client.request('POST', `/api/lists/${list.id}/invitations`, { role: 'editor' }, owner.token)
        const logged = lines.filter((line) => line.msg === 'invitation link (INVITATION_MAIL=log)')
        if (server === off.server) expect(logged).toEqual([])
        else expect(logged).toEqual([expect.objectContaining({ to: 'sam@example.test', listId: list.id, listTitle: 'Camping', link: `https://lists.example.test/invite/${created.body.token}` })])
        expect(JSON.stringify(lines)).not.toContain(byLink.body.token)
      }
    } finally {
      await off.server.cleanup()
      await on.server.cleanup()
    }
  })
})
