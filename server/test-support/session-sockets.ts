/**
 * The sessions tests' sockets (issue 10, finding 7): a list or device socket
 * a session's token opened, and the check that ending the session closes
 * such sockets with 4001 within 1 s.
 */
import { expect } from 'vitest'
import { WebSocket } from 'ws'
import { CloseCode } from '../../shared/protocol.ts'
import type { Api } from './harness.ts'

export interface OpenSocket {
  ws: WebSocket
  /** Resolves with the close code and when it came. */
  closed: Promise<{ code: number; at: number }>
}

/** How soon after the request that ends a session its sockets must be closed, ms. */
const SESSION_END_CLOSES_WITHIN_MS = 1000
/** How much longer a socket is waited for before it counts as left open, ms. */
const GRACE_MS = 500

/**
 * Opens a socket and resolves once the server accepted it (its token and session were checked before
 * the upgrade). `opened` collects it, for the caller to terminate after the test.
 */
export async function openSocket(url: string, opened: WebSocket[]): Promise<OpenSocket> {
  const ws = new WebSocket(url)
  opened.push(ws)
  const closed = new Promise<{ code: number; at: number }>((resolve) => ws.once('close', (code) => resolve({ code, at: Date.now() })))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  // A refused socket is upgraded and closed at once: give such a close a moment to arrive.
  const early = await Promise.race([closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 100))])
  if (early) throw new Error(`socket closed at once with ${early.code}`)
  return { ws, closed }
}

/**
 * Ends a session with `end` (a request to `api`: log-out, log-out everywhere, ending one by id), expects
 * its status, then each of `sockets` closed with 4001 within 1 s of the request being sent. Resolves with
 * the response.
 */
export async function endSessionClosingSockets(
  api: Api,
  end: { method: string; path: string; token: string; status: number },
  sockets: OpenSocket[],
): Promise<{ status: number; body: any }> {
  const before = Date.now()
  const res = await api.request(end.method, end.path, undefined, end.token)
  expect(res.status, `${end.method} ${end.path}`).toBe(end.status)
  for (const [i, socket] of sockets.entries()) {
    const waitMs = SESSION_END_CLOSES_WITHIN_MS + GRACE_MS
    const result = await Promise.race([socket.closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), waitMs))])
    if (!result) throw new Error(`socket ${i} still open ${waitMs} ms after ${end.method} ${end.path}`)
    expect(result.code, `socket ${i}'s close code`).toBe(CloseCode.Unauthorized.code)
    expect(result.at - before, `ms from ${end.method} ${end.path} to socket ${i}'s close`).toBeLessThanOrEqual(SESSION_END_CLOSES_WITHIN_MS)
  }
  return res
}

/** Logs the token's session out (POST /api/auth/logout, 204) and expects each of `sockets` closed with 4001 within 1 s. */
export async function logOutClosingSockets(api: Api, token: string, sockets: OpenSocket[]): Promise<void> {
  await endSessionClosingSockets(api, { method: 'POST', path: '/api/auth/logout', token, status: 204 }, sockets)
}
