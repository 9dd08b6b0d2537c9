import type { AddressInfo } from 'node:net'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { TokenService, type TokenClaims } from '../auth.ts'
import { currentUser, requireUser } from './access.ts'

class CountingTokens extends TokenService {
  verified = 0
  override verify(token: unknown): Promise<TokenClaims> {
    this.verified++
    return super.verify(token)
  }
}

describe('requireUser', () => {
  it('verifies a token once per request, though two routers in its path require a user (POST /api/lists: quotas, then the list routes)', async () => {
    const tokens = new CountingTokens(new Uint8Array(32).fill(7), 3600)
    const app = express()
    const quotas = express.Router()
    quotas.post('/lists', requireUser(tokens), (_req, _res, next) => next())
    const lists = express.Router()
    lists.use('/lists', requireUser(tokens))
    lists.post('/lists', (_req, res) => void res.json({ user: currentUser(res).userId }))
    app.use('/api', quotas, lists)
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    try {
      const { token } = await tokens.issue({ id: 'u1', name: 'Ann' }, 'session-1')
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/lists`
      const ok = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      expect(await ok.json()).toEqual({ user: 'u1' })
      expect(tokens.verified).toBe(1)
      const refused = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer nope' } })
      expect(refused.status).toBe(401)
      expect(tokens.verified).toBe(2)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
