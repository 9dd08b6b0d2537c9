/**
 * Invitations against a real server on 127.0.0.1 with LevelDB in a temp dir:
 * who may create, list, revoke and reset them (the owner only), accepting
 * (the invited role; an expired, revoked, reset or used link refused with its
 * code), that inviting an email answers alike whether or not an account uses
 * it, and that sharing by email adds nobody without their accepting; and the
 * mail setting, with INVITATION_MAIL=smtp against a real SMTP server
 * (smtp-server) on 127.0.0.1 whose messages are parsed with mailparser.
 */
import { EventEmitter } from 'node:events'
import { rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { simpleParser, type ParsedMail } from 'mailparser'
import { pino } from 'pino'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthResponse } from '../shared/api.ts'
import { ConfigError, loadConfig } from './config.ts'
import { hashInvitationToken, newInvitationToken } from './invitations.ts'
import { freePort } from './test-support/free-port.ts'
import { Api, eventUntil, startTestServer, tempDir, type TestServer } from './test-support/harness.ts'

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
    expect(shape(existing)).toEqual({ status: 201, keys: ['invitation', 'mailed', 'token'], invitationKeys: ['createdAt', 'email', 'expiresAt', 'id', 'listId', 'role'], role: 'editor' })
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
  /** A server whose log lines are kept (`logged` fires on each), with INVITATION_MAIL as given. */
  async function serverLogging(env: Record<string, string>): Promise<{ server: TestServer; api: Api; lines: Array<Record<string, unknown>>; logged: EventEmitter }> {
    const lines: Array<Record<string, unknown>> = []
    const logged = new EventEmitter()
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>)
        logged.emit('line')
        done()
      },
    })
    const server = await startTestServer(env, { log: pino({ level: 'info' }, sink) })
    return { server, api: new Api(server.server.url), lines, logged }
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
        // Nothing is mailed: the owner passes the link on (the Share dialog says to send it).
        expect([created.body.mailed, byLink.body.mailed]).toEqual([false, false])
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

  interface Received {
    /** The envelope's recipients and sender, as the SMTP server was told them. */
    rcptTo: string[]
    mailFrom: string | null
    /** Who logged in, if anyone. */
    user: string | null
    mail: ParsedMail
  }

  /**
   * A real SMTP server on 127.0.0.1 (plain text, log-in optional) keeping what it receives, parsed.
   * Recipients are accepted only once `release()` is called, when `hold` is set: an SMTP server that stalls.
   */
  async function smtpInbox(options: { hold?: boolean } = {}) {
    const received: Received[] = []
    const arrived = new EventEmitter()
    let release!: () => void
    const released = options.hold ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()
    const server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, done) {
        done(null, { user: `${auth.username}:${auth.password}` })
      },
      onRcptTo(_address, _session, done) {
        arrived.emit('rcpt')
        void released.then(() => done())
      },
      onData(stream, session, done) {
        simpleParser(stream).then(
          (mail) => {
            received.push({
              rcptTo: session.envelope.rcptTo.map((a) => a.address),
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              user: typeof session.user === 'string' ? session.user : null,
              mail,
            })
            done()
            arrived.emit('mail')
          },
          (err: Error) => done(err),
        )
      },
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.server.address() as AddressInfo).port
    return {
      port,
      received,
      arrived,
      release: () => release(),
      until: (count: number, event: 'mail' | 'rcpt' = 'mail') =>
        eventUntil((fire) => {
          arrived.on(event, fire)
          return () => arrived.off(event, fire)
        }, () => event !== 'mail' || received.length >= count, `${count} mail(s)`),
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  }

  describe('INVITATION_MAIL=smtp', () => {
    let inbox: Awaited<ReturnType<typeof smtpInbox>>
    let mailing: Awaited<ReturnType<typeof serverLogging>>

    beforeAll(async () => {
      inbox = await smtpInbox()
      mailing = await serverLogging({
        INVITATION_MAIL: 'smtp',
        // Credentials percent-encoded in the URL reach the server decoded.
        SMTP_URL: `smtp://colist:p%40ss@127.0.0.1:${inbox.port}`,
        MAIL_FROM: 'Colist Lists <lists@example.test>',
        PUBLIC_URL: 'https://lists.example.test',
      })
    })
    afterAll(async () => {
      await mailing.server.cleanup()
      await inbox.close()
    })

    it('mails an email invitation to its address: the inviter and list in the subject, the link and role in text and HTML; a link invitation sends nothing', async () => {
      const { api: client, lines } = mailing
      const owner = await client.signup('Ana')
      const list = await client.createList(owner.token, 'Camping')
      const before = inbox.received.length
      const byLink = await client.request('POST', `/api/lists/${list.id}/invitations`, { role: 'viewer' }, owner.token)
      expect(byLink.status).toBe(201)
      const created = await client.request('POST', `/api/lists/${list.id}/invitations`, { role: 'editor', email: 'Sam@Example.test' }, owner.token)
      expect(created.status).toBe(201)
      // The owner is told which one is being mailed (the Share dialog says so).
      expect(created.body.mailed).toBe(true)
      expect(byLink.body.mailed).toBe(false)
      await inbox.until(before + 1)
      // The link invitation, created first, sent nothing: the one mail is the email invitation's.
      expect(inbox.received.slice(before)).toHaveLength(1)
      const got = inbox.received[before]!
      const link = `https://lists.example.test/invite/${created.body.token}`
      expect(got.rcptTo).toEqual(['sam@example.test'])
      expect(got.mailFrom).toBe('lists@example.test')
      expect(got.user).toBe('colist:p@ss')
      expect(got.mail.from?.value).toEqual([{ address: 'lists@example.test', name: 'Colist Lists' }])
      expect(got.mail.to).toMatchObject({ value: [{ address: 'sam@example.test' }] })
      expect(got.mail.subject).toBe('Ana invited you to “Camping” on Colist')
      expect(got.mail.text).toContain(link)
      expect(got.mail.text).toContain('as an editor')
      expect(got.mail.html).toContain(`<a href="${link}">`)
      expect(got.mail.html).toContain('as an editor')
      expect(JSON.stringify(got.mail)).not.toContain(byLink.body.token)
      // Logged as sent, without the link.
      await eventUntil((fire) => {
        mailing.logged.on('line', fire)
        return () => mailing.logged.off('line', fire)
      }, () => lines.some((line) => line.msg === 'invitation mailed' && line.invitationId === created.body.invitation.id), 'the mail logged')
      expect(JSON.stringify(lines)).not.toContain(created.body.token)
      expect(JSON.stringify(lines)).not.toContain(byLink.body.token)

      // A reset mails the new link; the role is the invitation's.
      const viewerInvite = await client.request('POST', `/api/lists/${list.id}/invitations`, { role: 'viewer', email: 'kim@example.test' }, owner.token)
      await inbox.until(before + 2)
      const reset = await client.request('POST', `/api/lists/${list.id}/invitations/${viewerInvite.body.invitation.id}/reset`, undefined, owner.token)
      expect(reset.body.mailed).toBe(true)
      await inbox.until(before + 3)
      const [first, second] = inbox.received.slice(before + 1)
      expect(first!.mail.text).toContain(`/invite/${viewerInvite.body.token}`)
      expect(second!.rcptTo).toEqual(['kim@example.test'])
      expect(second!.mail.text).toContain(`https://lists.example.test/invite/${reset.body.token}`)
      expect(second!.mail.text).toContain('as a viewer')
    })

    it('escapes the list title (and the inviter\'s name) in the HTML mail', async () => {
      const { api: client } = mailing
      const owner = await client.signup('Bo <b>')
      const list = await client.createList(owner.token, 'Party <script>alert("x")</script> & co')
      const before = inbox.received.length
      await client.request('POST', `/api/lists/${list.id}/invitations`, { role: 'viewer', email: 'lee@example.test' }, owner.token)
      await inbox.until(before + 1)
      const { mail } = inbox.received[before]!
      const html = String(mail.html)
      expect(html).not.toContain('<script>')
      expect(html).not.toContain('<b>')
      expect(html).toContain('Party &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; co')
      expect(html).toContain('Bo &#60;b&#62;')
      // The subject and the text are not HTML: they say it as it is.
      expect(mail.subject).toBe('Bo <b> invited you to “Party <script>alert("x")</script> & co” on Colist')
      expect(mail.text).toContain('“Party <script>alert("x")</script> & co”')
    })
  })

  it('does not hold up the request while the SMTP server stalls', async () => {
    const inbox = await smtpInbox({ hold: true })
    const { server, api: client } = await serverLogging({ INVITATION_MAIL: 'smtp', SMTP_URL: `smtp://127.0.0.1:${inbox.port}`, PUBLIC_URL: 'https://lists.example.test' })
    try {
      const owner = await client.signup('Ana')
      const list = await client.createList(owner.token, 'Camping')
      const created = await client.request('POST', `/api/lists/${list.id}/invitations`, { role: 'editor', email: 'sam@example.test' }, owner.token)
      expect(created.status).toBe(201)
      // Answered; the mail is still waiting at RCPT TO.
      await inbox.until(1, 'rcpt')
      expect(inbox.received).toEqual([])
      inbox.release()
      await inbox.until(1)
      expect(inbox.received[0]!.mail.text).toContain(`https://lists.example.test/invite/${created.body.token}`)
      // The default From.
      expect(inbox.received[0]!.mail.from?.value).toEqual([{ address: 'no-reply@localhost', name: 'Colist' }])
    } finally {
      await server.cleanup()
      await inbox.close()
    }
  })

  it('answers 201 when the SMTP server cannot be reached, and logs the failure without the link', async () => {
    const closedPort = await freePort()
    const { server, api: client, lines, logged } = await serverLogging({ INVITATION_MAIL: 'smtp', SMTP_URL: `smtp://colist:secret-pass@127.0.0.1:${closedPort}`, PUBLIC_URL: 'https://lists.example.test' })
    try {
      const owner = await client.signup('Ana')
      const list = await client.createList(owner.token, 'Camping')
      const created = await client.request('POST', `/api/lists/${list.id}/invitations`, { role: 'editor', email: 'sam@example.test' }, owner.token)
      expect(created.status).toBe(201)
      const failed = () => lines.find((line) => line.msg === 'mailing an invitation failed')
      await eventUntil((fire) => {
        logged.on('line', fire)
        return () => logged.off('line', fire)
      }, () => failed() !== undefined, 'the failure logged')
      expect(failed()).toMatchObject({ level: 50, to: 'sam@example.test', listId: list.id, invitationId: created.body.invitation.id, err: { code: 'ESOCKET' } })
      expect(JSON.stringify(lines)).not.toContain(created.body.token)
      expect(JSON.stringify(lines)).not.toContain('secret-pass')
      // The invitation stands: the owner can still pass its link on.
      const listed = await client.request('GET', `/api/lists/${list.id}/invitations`, undefined, owner.token)
      expect(listed.body.invitations.map((i: { id: string }) => i.id)).toEqual([created.body.invitation.id])
    } finally {
      await server.cleanup()
    }
  })

  it('refuses to start with INVITATION_MAIL=smtp and no SMTP_URL, a URL that is not SMTP, or no PUBLIC_URL', async () => {
    const dataDir = await tempDir()
    try {
      const base = { DATA_DIR: dataDir, PUBLIC_URL: 'https://lists.example.test' }
      const refusal = async (env: Record<string, string | undefined>) => {
        const err = await loadConfig({ ...base, ...env }).then(() => null, (e: unknown) => e)
        expect(err).toBeInstanceOf(ConfigError)
        return (err as ConfigError).message
      }
      expect(await refusal({ INVITATION_MAIL: 'smtp' })).toBe('invalid configuration: INVITATION_MAIL=smtp needs SMTP_URL (e.g. smtp://user:pass@host:587)')
      const notSmtp = await refusal({ INVITATION_MAIL: 'smtp', SMTP_URL: 'https://user:hunter2@mail.example.test' })
      expect(notSmtp).toBe('invalid configuration: SMTP_URL: must be an smtp:// or smtps:// URL with a host')
      expect(await refusal({ INVITATION_MAIL: 'smtp', SMTP_URL: 'smtp:/mail.example.test' })).toContain('SMTP_URL')
      // A mailed link must be absolute.
      expect(await refusal({ INVITATION_MAIL: 'smtp', SMTP_URL: 'smtp://mail.example.test', PUBLIC_URL: undefined })).toBe(
        'invalid configuration: INVITATION_MAIL=smtp needs PUBLIC_URL (mailed links must be absolute)',
      )
      expect(await refusal({ INVITATION_MAIL: 'mail' })).toContain('INVITATION_MAIL')
      const config = await loadConfig({ ...base, INVITATION_MAIL: 'smtp', SMTP_URL: 'smtps://user:pass@mail.example.test:465' })
      expect(config.invitations).toMatchObject({ mail: 'smtp', smtp: { url: 'smtps://user:pass@mail.example.test:465', from: 'Colist <no-reply@localhost>' } })
      // SMTP_URL alone mails nothing: INVITATION_MAIL says whether.
      expect((await loadConfig({ ...base, SMTP_URL: 'smtp://mail.example.test' })).invitations).toMatchObject({ mail: 'off', smtp: null })
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
