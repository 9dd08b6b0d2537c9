/** Accounts: sign up, log in, renew a token, who am I; sessions: log out (here, one or everywhere), list them. */
import { randomUUID } from 'node:crypto'
import { Router, type Request, type Response } from 'express'
import { LoginRequest, SignupRequest, type AuthResponse, type PublicUser, type SessionsResponse } from '../../shared/api.ts'
import { TokenError, hashPassword, passwordNeedsRehash, verifyPassword } from '../auth.ts'
import type { Logger } from '../logger.ts'
import { deviceLabel, type Sessions } from '../sessions.ts'
import { ConflictError, type AccountStore, type UserRecord } from '../storage/storage.ts'
import { currentUser, requireUser } from './access.ts'
import { AUTH_BODY_LIMIT, readJson } from './body.ts'
import { HttpError, notFound, parseBody, unauthorized } from './errors.ts'

// A real hash to compare against when the email is unknown, so both failures take as long.
const decoyHash = hashPassword('decoy password that matches nothing')

export function publicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, name: user.name }
}

/** Creates the account a sign-up (or an operator's `colist users add`) asks for; null if the email has one already. */
export async function createAccount(accounts: AccountStore, request: { email: string; name: string; password: string }): Promise<UserRecord | null> {
  const user: UserRecord = {
    id: randomUUID(),
    email: request.email,
    name: request.name,
    passwordHash: await hashPassword(request.password),
    createdAt: Date.now(),
  }
  try {
    await accounts.createUser(user)
  } catch (err) {
    if (err instanceof ConflictError) return null
    throw err
  }
  return user
}

export function authRoutes(accounts: AccountStore, sessions: Sessions, log?: Logger): Router {
  const router = Router()

  /** A new session on the device the request came from, and its first token. */
  async function respondWithToken(user: UserRecord, req: Request): Promise<AuthResponse> {
    const { token, expiresAt } = await sessions.signIn(user, deviceLabel(req.get('user-agent')))
    return { token, expiresAt, user: publicUser(user) }
  }

  router.post('/auth/signup', async (req, res) => {
    const user = await createAccount(accounts, parseBody(SignupRequest, await readJson(req, AUTH_BODY_LIMIT)))
    if (!user) throw new HttpError(409, 'email_taken', 'an account with this email already exists')
    res.status(201).json(await respondWithToken(user, req))
  })

  router.post('/auth/login', async (req, res) => {
    const body = parseBody(LoginRequest, await readJson(req, AUTH_BODY_LIMIT))
    const user = await accounts.getUserByEmail(body.email)
    const ok = await verifyPassword(body.password, user?.passwordHash ?? (await decoyHash))
    if (!user || !ok) throw new HttpError(401, 'invalid_credentials', 'wrong email or password')
    if (passwordNeedsRehash(user.passwordHash)) await upgradePasswordHash(user, body.password)
    res.json(await respondWithToken(user, req))
  })

  /**
   * A hash made at a lower cost than today's (N = 2^14 before issue 10) is
   * replaced at this log-in, the one moment the password is known. Compare-and-set,
   * so a change made meanwhile is never undone; a failure only leaves the old hash.
   */
  async function upgradePasswordHash(user: UserRecord, password: string): Promise<void> {
    try {
      const next = await hashPassword(password)
      if (await accounts.setPasswordHash(user.id, user.passwordHash, next)) user.passwordHash = next
    } catch (err) {
      log?.warn({ err, userId: user.id }, 'storing a password hash at the current cost failed; the old one stays')
    }
  }

  const authenticated = requireUser(sessions.tokens)

  /**
   * Exchanges the session's current token for a fresh one, so an open app never has to log in
   * again. Rotates: the old token stops working, and refreshing with it again is a 401 — except
   * within REFRESH_GRACE_SECONDS of the rotation, when the answer may have been lost on the way:
   * then it rotates again, and the lost answer's token stops working (Sessions.refresh).
   */
  router.post('/auth/refresh', requireUser(sessions.tokens, { forRefresh: true }), async (_req, res) => {
    const claims = currentUser(res)
    const user = await accounts.getUserById(claims.userId)
    if (!user) throw notFound('user')
    try {
      const { token, expiresAt } = await sessions.refresh(claims, user)
      res.json({ token, expiresAt, user: publicUser(user) } satisfies AuthResponse)
    } catch (err) {
      if (err instanceof TokenError) throw unauthorized('invalid or expired token')
      throw err
    }
  })

  /** Ends the caller's session: its token stops working and its sockets close with 4001, on every node. */
  router.post('/auth/logout', authenticated, async (_req, res) => {
    const claims = currentUser(res)
    await sessions.end(claims.userId, claims.sessionId)
    res.status(204).end()
  })

  /** "Log out everywhere": ends every session of the caller, this one included. */
  const logoutAll = async (_req: Request, res: Response) => {
    res.json({ ended: await sessions.endAll(currentUser(res).userId) })
  }
  router.post('/auth/logout-all', authenticated, logoutAll)
  router.delete('/auth/sessions', authenticated, logoutAll)

  router.get('/auth/sessions', authenticated, async (_req, res) => {
    const claims = currentUser(res)
    res.json({ sessions: await sessions.list(claims.userId, claims.sessionId) } satisfies SessionsResponse)
  })

  /** Ends one of the caller's sessions (a lost phone); 404 for a session that is not theirs. */
  router.delete('/auth/sessions/:sessionId', authenticated, async (req, res) => {
    if (!(await sessions.end(currentUser(res).userId, String(req.params.sessionId)))) throw notFound('session')
    res.status(204).end()
  })

  router.get('/me', authenticated, async (_req, res) => {
    const user = await accounts.getUserById(currentUser(res).userId)
    if (!user) throw notFound('user')
    res.json(publicUser(user))
  })

  return router
}
