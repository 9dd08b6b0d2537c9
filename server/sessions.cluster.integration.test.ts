/**
 * Finding 7 of issue 10 across real nodes: two Colist processes sharing a
 * real PostgreSQL (sessions stored there) and a real Redis (revocations on
 * the fan-out). A log-out on node 1 closes the session's sockets on node 2
 * with 4001 within 1 s, and node 2 refuses its token and the rotated-away one.
 */
import { expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import type { AuthResponse } from '../shared/api.ts'
import { useCluster } from './test-support/cluster-fixture.ts'
import { Api } from './test-support/harness.ts'
import { deviceSocketUrl, listSocketUrl } from './test-support/raw-list-socket.ts'
import { logOutClosingSockets, openSocket } from './test-support/session-sockets.ts'

const JWT_SECRET = 'sessions-cluster-test-secret-shared-by-every-node-0123'

const sockets: WebSocket[] = []
const cluster = useCluster({
  name: 'sessions',
  jwtSecret: JWT_SECRET,
  closeClients: () => {
    for (const ws of sockets.splice(0)) ws.terminate()
  },
})

it('a session logged out on node 1 closes its list and device sockets on node 2 with 4001 within 1 s; node 2 refuses its token, and a token rotated on node 1', async () => {
  const [n1, n2] = await cluster.startNodes()
  const api1 = new Api(n1.url)
  const api2 = new Api(n2.url)
  const ana = await api1.signup('Ana')
  const list = await api1.createList(ana.token)

  // Rotation on node 1, after node 2 has used (and cached) the token.
  expect((await api2.request('GET', '/api/me', undefined, ana.token)).status).toBe(200)
  const fresh = (await api1.request('POST', '/api/auth/refresh', undefined, ana.token)).body as AuthResponse
  await new Promise((resolve) => setTimeout(resolve, 200))
  expect((await api2.request('GET', '/api/me', undefined, ana.token)).status).toBe(401)
  expect((await api2.request('GET', '/api/me', undefined, fresh.token)).status).toBe(200)

  const listSocket = await openSocket(listSocketUrl(n2.url, list.id, fresh.token), sockets)
  const deviceSocket = await openSocket(deviceSocketUrl(n2.url, fresh.token), sockets)
  await logOutClosingSockets(api1, fresh.token, [listSocket, deviceSocket])
  expect((await api2.request('GET', '/api/me', undefined, fresh.token)).status).toBe(401)
}, 60_000)
