/**
 * Passwords and access tokens.
 *
 * Passwords are hashed with scrypt (a memory-hard KDF built into Node) and a
 * per-user salt, on worker threads (server/password-hasher.ts). Tokens are HS256 JWTs carrying the user id and name, signed
 * with the server secret and expiring after the configured TTL.
 */
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto'
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import { passwords } from './password-hasher.ts'

/** Hashed on worker threads at the configured cost (server/password-hasher.ts); old hashes keep verifying. */
export function hashPassword(password: string): Promise<string> {
  return passwords.hash(password)
}

export function verifyPassword(password: string, stored: string): Promise<boolean> {
  return passwords.verify(password, stored)
}

/** Whether a stored hash was made at a lower cost than the configured one (a log-in then stores a new one). */
export function passwordNeedsRehash(stored: string): boolean {
  return passwords.needsRehash(stored)
}

export interface TokenClaims {
  userId: string
  name: string
  /** Expiry, seconds since the epoch. */
  exp: number
  /** The server-side session the token belongs to (`sid`; server/sessions.ts). */
  sessionId: string
  /** This token's id (`jti`): only the session's current one works. */
  tokenId: string
}

/**
 * Whether a token's session is still live: checked by `TokenService.verify`
 * on every request and socket, after the signature (server/sessions.ts).
 * Throws TokenError when it is not.
 */
export interface SessionGate {
  assertLive(claims: TokenClaims): Promise<void>
  /** Called once for each token refused because of its session (counted in /metrics). */
  refused(reason: SessionRefusal): void
}

/**
 * Why a well-signed token was refused because of its session:
 * - `ended`: this node knows the session was ended (log-out, log out everywhere, ended from the sessions list);
 * - `missing`: the store has no such session for the user (ended on another node before the news came, or expired and removed);
 * - `rotated`: the token was replaced by a refresh (an old token, a replay, or the loser of two refreshes);
 * - `no_session`: the token predates sessions (no `sid` claim).
 */
export type SessionRefusal = 'ended' | 'missing' | 'rotated' | 'no_session'

export class TokenError extends Error {
  override name = 'TokenError'

  constructor(
    message: string,
    /** Set when the token was refused because of its session. */
    readonly sessionRefusal?: SessionRefusal,
  ) {
    super(message)
  }
}

export class TokenService {
  /** Imported once: given raw bytes, jose would import the key again on every sign and verify. */
  private readonly secret: KeyObject

  /** `sessions` decides whether a well-signed token's session is still live; without it, only the signature counts. */
  constructor(
    secret: Uint8Array,
    private readonly ttlSeconds: number,
    private readonly sessions: SessionGate | null = null,
  ) {
    this.secret = createSecretKey(secret)
  }

  get defaultTtlSeconds(): number {
    return this.ttlSeconds
  }

  /**
   * A token of session `sessionId`, with a fresh token id (`jti`); the session
   * must record that id (server/sessions.ts) for the token to work.
   * `ttlSeconds` defaults to the configured TTL; tests pass short or negative ones.
   */
  async issue(
    user: { id: string; name: string },
    sessionId: string,
    ttlSeconds = this.ttlSeconds,
  ): Promise<{ token: string; tokenId: string; expiresAt: number }> {
    const exp = Math.floor(Date.now() / 1000) + ttlSeconds
    const tokenId = randomUUID()
    const token = await new SignJWT({ name: user.name, sid: sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setJti(tokenId)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.secret)
    return { token, tokenId, expiresAt: exp * 1000 }
  }

  /**
   * Throws TokenError for anything but a valid, unexpired token of ours whose
   * session is live. A token from before sessions (no `sid`) is refused: its
   * holder logs in again.
   */
  verify(token: unknown): Promise<TokenClaims> {
    return this.counted(async () => {
      const claims = await this.verifySignature(token)
      await this.sessions?.assertLive(claims)
      return claims
    })
  }

  /**
   * For `POST /api/auth/refresh` only: a valid, unexpired token of ours. Whether
   * its session lets it refresh — it is the current token, or the one the last
   * refresh replaced, within the grace — is the rotation's compare-and-set
   * (Sessions.refresh), not this check.
   */
  verifyForRefresh(token: unknown): Promise<TokenClaims> {
    return this.counted(() => this.verifySignature(token))
  }

  /** Runs a check, counting a refusal because of the token's session (`colist_session_refusals_total`). */
  private async counted(check: () => Promise<TokenClaims>): Promise<TokenClaims> {
    try {
      return await check()
    } catch (err) {
      if (err instanceof TokenError && err.sessionRefusal) this.sessions?.refused(err.sessionRefusal)
      throw err
    }
  }

  private async verifySignature(token: unknown): Promise<TokenClaims> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new TokenError('missing token')
    }
    try {
      const { payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'] })
      if (typeof payload.sub !== 'string' || typeof payload.name !== 'string' || typeof payload.exp !== 'number') {
        throw new TokenError('token lacks required claims')
      }
      if (typeof payload.sid !== 'string' || typeof payload.jti !== 'string') throw new TokenError('token predates sessions: log in again', 'no_session')
      return { userId: payload.sub, name: payload.name, exp: payload.exp, sessionId: payload.sid, tokenId: payload.jti }
    } catch (err) {
      if (err instanceof TokenError) throw err
      if (err instanceof joseErrors.JWTExpired) throw new TokenError('token expired')
      throw new TokenError('invalid token')
    }
  }
}
