/**
 * The HTTP API against a real server on 127.0.0.1: accounts, lists, sharing,
 * the JSON item view, HTTP sync, and the ops endpoints. Every access check
 * is exercised from the side of someone who should be refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { AuthResponse } from '../shared/api.ts'
import { PERSISTED_STATE_VECTOR_HEADER } from '../shared/protocol.ts'
import { addItem, listItems } from '../shared/list-document.ts'
import { Api, startTestServer, type TestServer } from './test-support/harness.ts'
import { decodeUpdates } from '../shared/update-sequence.ts'

let ts: TestServer
let api: Api

beforeAll(async () => {
  ts = await startTestServer()
  api = new Api(ts.server.url)
})
afterAll(async () => {
  await ts.cleanup()
})

describe('accounts', () => {
  it('signs up (201), refuses a taken email in any case (409), logs in (200), refuses a wrong password (401)', async () => {
    const email = `Case-${Date.now()}@Example.test`
    const signup = await api.request('POST', '/api/auth/signup', { email, password: 'long enough pw', name: 'Ana' })
    expect(signup.status).toBe(201)
    expect(signup.body.user).toEqual({ id: expect.any(String), email: email.toLowerCase(), name: 'Ana' })
    expect(signup.body.token).toEqual(expect.any(String))
    expect(signup.body).not.toHaveProperty('user.passwordHash')

    const again = await api.request('POST', '/api/auth/signup', { email: email.toUpperCase(), password: 'another password', name: 'B' })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('email_taken')

    const login = await api.request('POST', '/api/auth/login', { email, password: 'long enough pw' })
    expect(login.status).toBe(200)
    expect(login.body.user.id).toBe(signup.body.user.id)

    expect((await api.request('POST', '/api/auth/login', { email, password: 'wrong password' })).status).toBe(401)
    expect((await api.request('POST', '/api/auth/login', { email: 'nobody@example.test', password: 'whatever1' })).status).toBe(401)
  })

  it('validates bodies with clear messages (400)', async () => {
    const res = await api.request('POST', '/api/auth/signup', { email: 'not-an-email', password: 'short', name: '' })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_request')
    expect(res.body.error.message).toMatch(/email/)
    expect(res.body.error.message).toMatch(/password must be at least 8/)
    const extra = await api.request('POST', '/api/auth/login', { email: 'a@b.co', password: 'x', admin: true })
    expect(extra.status).toBe(400)
  })

  it('refuses malformed JSON and oversized bodies with JSON errors', async () => {
    const bad = await fetch(`${ts.server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('invalid_body')
    const big = await fetch(`${ts.server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(400_000) }),
    })
    expect(big.status).toBe(413)
    expect((await big.json()).error.code).toBe('payload_too_large')
  })

  it('GET /api/me needs a valid token; refresh issues a new one', async () => {
    const user = await api.signup('Me')
    expect((await api.request('GET', '/api/me')).status).toBe(401)
    expect((await api.request('GET', '/api/me', undefined, 'garbage')).status).toBe(401)
    const { token: expired } = await ts.server.sessions.signIn({ id: user.user.id, name: 'Me' }, 'test', -1)
    const expiredRes = await api.request('GET', '/api/me', undefined, expired)
    expect(expiredRes.status).toBe(401)
    expect(expiredRes.body.error.message).toMatch(/expired/)
    const me = await api.request('GET', '/api/me', undefined, user.token)
    expect(me.body).toEqual(user.user)
    const refreshed = await api.request('POST', '/api/auth/refresh', undefined, user.token)
    expect(refreshed.status).toBe(200)
    expect((await api.request('GET', '/api/me', undefined, refreshed.body.token)).status).toBe(200)
  })

  it('unknown API paths are JSON 404s', async () => {
    const res = await api.request('GET', '/api/nope')
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('not_found')
  })
})

describe('lists and sharing', () => {
  let owner: AuthResponse
  let bob: AuthResponse
  let eve: AuthResponse

  beforeAll(async () => {
    ;[owner, bob, eve] = await Promise.all([api.signup('Owner'), api.signup('Bob'), api.signup('Eve')])
  })

  it('creates a list owned by its creator, lists it with roles for each member', async () => {
    const created = await api.request('POST', '/api/lists', { title: '  Weekend  ' }, owner.token)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ id: expect.any(String), title: 'Weekend', role: 'owner' })
    await api.share(owner.token, created.body.id, bob.user.email, 'viewer')

    const mine = await api.request('GET', '/api/lists', undefined, owner.token)
    expect(mine.body.find((l: { id: string }) => l.id === created.body.id).role).toBe('owner')
    const bobs = await api.request('GET', '/api/lists', undefined, bob.token)
    expect(bobs.body.find((l: { id: string }) => l.id === created.body.id).role).toBe('viewer')
    const eves = await api.request('GET', '/api/lists', undefined, eve.token)
    expect(eves.body.find((l: { id: string }) => l.id === created.body.id)).toBeUndefined()

    const detail = await api.request('GET', `/api/lists/${created.body.id}`, undefined, bob.token)
    expect(detail.status).toBe(200)
    expect(detail.body.members.map((m: { role: string }) => m.role).sort()).toEqual(['owner', 'viewer'])
  })

  it('hides lists from non-members (404) and refuses non-owners (403)', async () => {
    const list = await api.createList(owner.token)
    await api.share(owner.token, list.id, bob.user.email, 'editor')
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, eve.token)).status).toBe(404)
    expect((await api.request('GET', `/api/lists/${list.id}/items`, undefined, eve.token)).status).toBe(404)
    expect((await api.request('DELETE', `/api/lists/${list.id}`, undefined, bob.token)).status).toBe(403)
    expect((await api.request('POST', `/api/lists/${list.id}/members`, { email: eve.user.email, role: 'editor' }, bob.token)).status).toBe(403)
    expect((await api.request('GET', '/api/lists/does-not-exist', undefined, owner.token)).status).toBe(404)
  })

  it('changes and revokes roles; sharing by email invites (server/invitations.integration.test.ts), never as owner', async () => {
    const list = await api.createList(owner.token)
    expect((await api.request('POST', `/api/lists/${list.id}/members`, { email: bob.user.email, role: 'owner' }, owner.token)).status).toBe(400)
    await api.share(owner.token, list.id, bob.user.email, 'editor')
    const patched = await api.request('PATCH', `/api/lists/${list.id}/members/${bob.user.id}`, { role: 'viewer' }, owner.token)
    expect(patched.body).toMatchObject({ userId: bob.user.id, role: 'viewer' })
    // A viewer cannot write through the API either.
    expect((await api.request('POST', `/api/lists/${list.id}/items`, { text: 'nope' }, bob.token)).status).toBe(403)
    expect((await api.request('DELETE', `/api/lists/${list.id}/members/${bob.user.id}`, undefined, owner.token)).status).toBe(204)
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, bob.token)).status).toBe(404)
    expect((await api.request('PATCH', `/api/lists/${list.id}/members/${owner.user.id}`, { role: 'viewer' }, owner.token)).status).toBe(409)
  })

  it('a member can leave a shared list', async () => {
    const list = await api.createList(owner.token)
    await api.share(owner.token, list.id, bob.user.email, 'viewer')
    expect((await api.request('DELETE', `/api/lists/${list.id}/members/${bob.user.id}`, undefined, bob.token)).status).toBe(204)
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, bob.token)).status).toBe(404)
  })

  it('renames (title in the list and in its document) and deletes', async () => {
    const list = await api.createList(owner.token, 'Old')
    const renamed = await api.request('PATCH', `/api/lists/${list.id}`, { title: 'New' }, owner.token)
    expect(renamed.body.title).toBe('New')
    expect((await api.request('GET', `/api/lists/${list.id}/items`, undefined, owner.token)).body.title).toBe('New')
    expect((await api.request('DELETE', `/api/lists/${list.id}`, undefined, owner.token)).status).toBe(204)
    expect((await api.request('GET', `/api/lists/${list.id}`, undefined, owner.token)).status).toBe(404)
  })
})

describe('items JSON view and write path', () => {
  it('adds, checks, edits and deletes items; unknown ids are 404; bad bodies 400', async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token)
    const base = `/api/lists/${list.id}/items`
    const milk = await api.request('POST', base, { text: 'Milk', quantity: '2 l' }, owner.token)
    expect(milk.status).toBe(201)
    expect(milk.body).toMatchObject({ text: 'Milk', quantity: '2 l', checked: false, createdBy: owner.user.id })
    expect((await api.request('POST', base, { text: '' }, owner.token)).status).toBe(400)
    expect((await api.request('POST', base, { text: 'x', categoryId: 'missing' }, owner.token)).status).toBe(404)
    expect((await api.request('PATCH', `${base}/missing`, { checked: true }, owner.token)).status).toBe(404)
    expect((await api.request('PATCH', `${base}/${milk.body.id}`, {}, owner.token)).status).toBe(400)
    const checked = await api.request('PATCH', `${base}/${milk.body.id}`, { checked: true, text: 'Oat milk' }, owner.token)
    expect(checked.body).toMatchObject({ text: 'Oat milk', checked: true })
    const view = await api.request('GET', base, undefined, owner.token)
    expect(view.body.checked.map((i: { text: string }) => i.text)).toEqual(['Oat milk'])
    expect((await api.request('DELETE', `${base}/${milk.body.id}`, undefined, owner.token)).status).toBe(204)
    expect((await api.request('GET', base, undefined, owner.token)).body.items).toEqual([])
  })
})

describe('HTTP sync', () => {
  it('answers a client that lacks much with a sequence of updates, each applying whole, that give the list', async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token)
    const writer = new Y.Doc()
    const pullInto = async (doc: Y.Doc) => {
      const sv = Buffer.from(Y.encodeStateVector(doc)).toString('base64')
      const res = await fetch(`${ts.server.url}/api/lists/${list.id}/sync?stateVector=${encodeURIComponent(sv)}`, { headers: { authorization: `Bearer ${owner.token}` } })
      expect(res.status).toBe(200)
      return new Uint8Array(await res.arrayBuffer())
    }
    Y.applyUpdate(writer, await pullInto(writer))
    const before = Y.encodeStateVector(writer)
    writer.transact(() => {
      for (let i = 0; i < 1500; i++) addItem(writer, { text: `item ${i} of a list long enough to need chunks`, createdBy: owner.user.id, last: null })
    })
    const posted = await fetch(`${ts.server.url}/api/lists/${list.id}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/octet-stream' },
      body: Buffer.from(Y.encodeStateAsUpdate(writer, before)),
    })
    expect(posted.status).toBe(200)

    const fresh = new Y.Doc()
    const body = await pullInto(fresh)
    const updates = decodeUpdates(body)
    expect(updates.length).toBeGreaterThan(2)
    for (const update of updates) {
      Y.applyUpdate(fresh, update)
      expect(fresh.store.pendingStructs).toBeNull()
    }
    expect(listItems(fresh).items).toHaveLength(1500)
    // A client that lacks little still gets one plain update.
    addItem(writer, { text: 'one more', createdBy: owner.user.id })
    expect(decodeUpdates(await pullInto(writer))).toHaveLength(1)
  })

  it('returns what a client lacks and stores what it posts, with durable clocks', async () => {
    const owner = await api.signup()
    const list = await api.createList(owner.token)
    const auth = { authorization: `Bearer ${owner.token}` }
    const client = new Y.Doc()
    const pull = async () => {
      const sv = Buffer.from(Y.encodeStateVector(client)).toString('base64')
      const res = await fetch(`${ts.server.url}/api/lists/${list.id}/sync?stateVector=${encodeURIComponent(sv)}`, { headers: auth })
      expect(res.status).toBe(200)
      expect(res.headers.get(PERSISTED_STATE_VECTOR_HEADER)).toEqual(expect.any(String))
      Y.applyUpdate(client, new Uint8Array(await res.arrayBuffer()))
    }
    await pull()
    expect(client.getMap('title').size).toBeGreaterThan(0)

    const before = Y.encodeStateVector(client)
    addItem(client, { text: 'via http', createdBy: owner.user.id })
    const posted = await fetch(`${ts.server.url}/api/lists/${list.id}/sync`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: Buffer.from(Y.encodeStateAsUpdate(client, before)),
    })
    expect(posted.status).toBe(200)
    const persisted = Y.decodeStateVector(Buffer.from((await posted.json()).persistedStateVector, 'base64'))
    expect(persisted.get(client.clientID)).toBe(Y.decodeStateVector(Y.encodeStateVector(client)).get(client.clientID))
    const view = await api.request('GET', `/api/lists/${list.id}/items`, undefined, owner.token)
    expect(view.body.items.map((i: { text: string }) => i.text)).toEqual(['via http'])

    // Another HTTP client gets it.
    const other = new Y.Doc()
    const res = await fetch(`${ts.server.url}/api/lists/${list.id}/sync`, { headers: auth })
    Y.applyUpdate(other, new Uint8Array(await res.arrayBuffer()))
    expect(listItems(other).items.map((i) => i.text)).toEqual(['via http'])
  })

  it('refuses corrupt updates (400), viewers (403), strangers (404), bad state vectors (400)', async () => {
    const owner = await api.signup()
    const viewer = await api.signup()
    const stranger = await api.signup()
    const list = await api.createList(owner.token)
    await api.share(owner.token, list.id, viewer.user.email, 'viewer')
    const post = (token: string, body: Uint8Array) =>
      fetch(`${ts.server.url}/api/lists/${list.id}/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: Buffer.from(body),
      })
    const doc = new Y.Doc()
    addItem(doc, { text: 'x', createdBy: owner.user.id })
    const good = Y.encodeStateAsUpdate(doc)
    expect((await post(owner.token, Uint8Array.from([1, 5, 200, 1, 0, 9, 9]))).status).toBe(400)
    expect((await post(viewer.token, good)).status).toBe(403)
    expect((await post(stranger.token, good)).status).toBe(404)
    const badSv = await fetch(`${ts.server.url}/api/lists/${list.id}/sync?stateVector=${encodeURIComponent(Buffer.from([9, 9, 9]).toString('base64'))}`, {
      headers: { authorization: `Bearer ${owner.token}` },
    })
    expect(badSv.status).toBe(400)
    expect((await api.request('GET', `/api/lists/${list.id}/items`, undefined, owner.token)).body.items).toEqual([])
  })
})

describe('ops endpoints', () => {
  it('healthz, readyz and Prometheus metrics', async () => {
    expect((await api.request('GET', '/healthz')).body).toEqual({ status: 'ok' })
    expect((await api.request('GET', '/readyz')).body).toEqual({ status: 'ready' })
    const metrics = await fetch(`${ts.server.url}/metrics`)
    const text = await metrics.text()
    for (const name of ['colist_ws_connections', 'colist_docs_loaded', 'colist_updates_in_total', 'colist_persist_latency_seconds', 'colist_update_log_length']) {
      expect(text).toContain(name)
    }
    expect(text).toMatch(/colist_updates_in_total \d+/)
  })
})
