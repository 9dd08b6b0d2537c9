/**
 * HttpSync against a real server: the refusals it maps to a stop. The
 * client's api calls fetch with paths ('/api/…') as a page does; here they
 * go to the test server on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addItem } from '../../../shared/list-document.ts'
import { Api, startTestServer, type TestServer } from '../../../server/test-support/harness.ts'
import { HttpSync, type HttpSyncOptions } from './http-fallback.ts'
import { PendingChanges } from './pending-changes.ts'

const realFetch = globalThis.fetch
let server: TestServer | null = null

afterEach(async () => {
  globalThis.fetch = realFetch
  await server?.cleanup()
  server = null
})

async function serve(env: Record<string, string>): Promise<Api> {
  server = await startTestServer(env)
  const base = server.server.url
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) =>
    realFetch(typeof input === 'string' && input.startsWith('/') ? base + input : input, init)) as typeof fetch
  return new Api(base)
}

type Outcome = { kind: 'storage-full'; message: string } | { kind: 'write-rejected' } | { kind: 'refused'; status: number } | { kind: 'unauthorized' }

function httpSync(doc: Y.Doc, listId: string, token: string, outcome: (what: Outcome) => void): HttpSync {
  const options: HttpSyncOptions = {
    doc,
    listId,
    pending: new PendingChanges(doc, null, 'pending'),
    withToken: (call) => call(token),
    canWrite: () => true,
    pollIntervalMs: 100,
  }
  const sync = new HttpSync(options)
  sync.on('unauthorized', () => outcome({ kind: 'unauthorized' }))
  sync.on('refused', (status) => outcome({ kind: 'refused', status }))
  sync.on('write-rejected', () => outcome({ kind: 'write-rejected' }))
  sync.on('storage-full', (message) => outcome({ kind: 'storage-full', message }))
  return sync
}

describe('HttpSync', () => {
  it("stops as the socket's 4414 does when the list owner's storage is full (HTTP 413 storage_quota), instead of retrying", async () => {
    const api = await serve({ MAX_STORED_BYTES_PER_USER: String(16 * 1024) })
    const owner = await api.signup('Owner')
    const list = await api.createList(owner.token, 'Big')
    const doc = new Y.Doc()
    const outcomes: Outcome[] = []
    const sync = httpSync(doc, list.id, owner.token, (what) => outcomes.push(what))
    try {
      sync.start()
      for (let i = 0; i < 40; i++) addItem(doc, { text: `${i % 10}`.repeat(1000), createdBy: owner.user.id })
      const deadline = Date.now() + 5000
      while (outcomes.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      expect(outcomes).toEqual([{ kind: 'storage-full', message: expect.any(String) }])
    } finally {
      sync.stop()
    }
  })
})
