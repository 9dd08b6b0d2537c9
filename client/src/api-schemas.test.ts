import { describe, expect, it } from 'vitest'
import { AuthResponseSchema, ListDetailSchema } from './api-schemas.ts'

describe('API response parsing', () => {
  it('accepts what the server sends and refuses what it must not', () => {
    const auth = { token: 't', expiresAt: 1, user: { id: 'u', email: 'a@b.c', name: 'A' } }
    expect(AuthResponseSchema.safeParse(auth).success).toBe(true)
    expect(AuthResponseSchema.safeParse({ ...auth, token: '' }).success).toBe(false)
    const detail = { id: 'l', title: 'T', role: 'owner', ownerId: 'u', createdAt: 1, members: [{ userId: 'u', email: '', name: 'A', role: 'owner' }] }
    expect(ListDetailSchema.safeParse(detail).success).toBe(true)
    expect(ListDetailSchema.safeParse({ ...detail, role: 'admin' }).success).toBe(false)
  })
})
