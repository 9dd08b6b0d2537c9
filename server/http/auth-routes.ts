/** Accounts: sign up, log in, renew a token, who am I. */
import { randomUUID } from 'node:crypto'
import { Router } from 'express'
import { LoginRequest, SignupRequest, type AuthResponse, type PublicUser } from '../../shared/api.ts'
import { hashPassword, verifyPassword, type TokenService } from '../auth.ts'
import { ConflictError, type AccountStore, type UserRecord } from '../storage/storage.ts'
import { currentUser, requireUser } from './access.ts'
import { HttpError, notFound, parseBody } from './errors.ts'

// A real hash to compare against when the email is unknown, so both failures take as long.
const decoyHash = hashPassword('decoy password that matches nothing')

export function publicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, name: user.name }
}

export function authRoutes(accounts: AccountStore, tokens: TokenService): Router {
  const router = Router()

  async function respondWithToken(user: UserRecord): Promise<AuthResponse> {
    const { token, expiresAt } = await tokens.issue(user)
    return { token, expiresAt, user: publicUser(user) }
  }

  router.post('/auth/signup', async (req, res) => {
    const body = parseBody(SignupRequest, req.body)
    const user: UserRecord = {
      id: randomUUID(),
      email: body.email,
      name: body.name,
      passwordHash: await hashPassword(body.password),
      createdAt: Date.now(),
    }
    try {
      await accounts.createUser(user)
    } catch (err) {
      if (err instanceof ConflictError) throw new HttpError(409, 'email_taken', 'an account with this email already exists')
      throw err
    }
    res.status(201).json(await respondWithToken(user))
  })

  router.post('/auth/login', async (req, res) => {
    const body = parseBody(LoginRequest, req.body)
    const user = await accounts.getUserByEmail(body.email)
    const ok = await verifyPassword(body.password, user?.passwordHash ?? (await decoyHash))
    if (!user || !ok) throw new HttpError(401, 'invalid_credentials', 'wrong email or password')
    res.json(await respondWithToken(user))
  })

  const authenticated = requireUser(tokens)

  /** Exchanges a still-valid token for a fresh one, so an open app never has to log in again. */
  router.post('/auth/refresh', authenticated, async (_req, res) => {
    const user = await accounts.getUserById(currentUser(res).userId)
    if (!user) throw notFound('user')
    res.json(await respondWithToken(user))
  })

  router.get('/me', authenticated, async (_req, res) => {
    const user = await accounts.getUserById(currentUser(res).userId)
    if (!user) throw notFound('user')
    res.json(publicUser(user))
  })

  return router
}
