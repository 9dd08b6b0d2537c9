import { describe, expect, it } from 'vitest'
import { PERSISTED_STATE_VECTOR_HEADER as SERVER_HEADER } from '../../shared/api.ts'
import { AuthResponseSchema, ListDetailSchema, PERSISTED_STATE_VECTOR_HEADER } from './api-schemas.ts'

describe('API response parsing', () => {
  it('uses the header name the server sends', () => {
    expect(PERSISTED_STATE_VECTOR_HEADER).toBe(SERVER_HEADER)
  })

  it('accepts what the server sends and refuses what it must not', () => {
    const auth = { token: 't', expiresAt: 1, user: { id: 'u', email: 'a@b.c', name: 'A' } }
    expect(AuthResponseSchema.safeParse(auth).success).toBe(true)
    expect(AuthResponseSchema.safeParse({ ...auth, token: '' }).success).toBe(false)
    const detail = { id: 'l', title: 'T', role: 'owner', ownerId: 'u', createdAt: 1, members: [{ userId: 'u', email: '', name: 'A', role: 'owner' }] }
    expect(ListDetailSchema.safeParse(detail).success).toBe(true)
    expect(ListDetailSchema.safeParse({ ...detail, role: 'admin' }).success).toBe(false)
  })
})
