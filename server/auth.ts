/**
 * Passwords and access tokens.
 *
 * Passwords are hashed with scrypt (a memory-hard KDF built into Node) and a
 * per-user salt, on worker threads (server/password-hasher.ts). Tokens are HS256 JWTs carrying the user id and name, signed
 * with the server secret and expiring after the configured TTL.
 */
import { createSecretKey, type KeyObject } from 'node:crypto'
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import { passwords } from './password-hasher.ts'

/** Hashed on worker threads at the configured cost (server/password-hasher.ts); old hashes keep verifying. */
export function hashPassword(password: string): Promise<string> {
  return passwords.hash(password)
}

export function verifyPassword(password: string, stored: string): Promise<boolean> {
  return passwords.verify(password, stored)
}

export interface TokenClaims {
  userId: string
  name: string
  /** Expiry, seconds since the epoch. */
  exp: number
}

export class TokenError extends Error {
  override name = 'TokenError'
}

export class TokenService {
  /** Imported once: given raw bytes, jose would import the key again on every sign and verify. */
  private readonly secret: KeyObject

  constructor(
    secret: Uint8Array,
    private readonly ttlSeconds: number,
  ) {
    this.secret = createSecretKey(secret)
  }

  /** `ttlSeconds` defaults to the configured TTL; tests pass short or negative ones. */
  async issue(user: { id: string; name: string }, ttlSeconds = this.ttlSeconds): Promise<{ token: string; expiresAt: number }> {
    const exp = Math.floor(Date.now() / 1000) + ttlSeconds
    const token = await new SignJWT({ name: user.name })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(this.secret)
    return { token, expiresAt: exp * 1000 }
  }

  /** Throws TokenError for anything but a valid, unexpired token of ours. */
  async verify(token: unknown): Promise<TokenClaims> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new TokenError('missing token')
    }
    try {
      const { payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'] })
      if (typeof payload.sub !== 'string' || typeof payload.name !== 'string' || typeof payload.exp !== 'number') {
        throw new TokenError('token lacks required claims')
      }
      return { userId: payload.sub, name: payload.name, exp: payload.exp }
    } catch (err) {
      if (err instanceof TokenError) throw err
      if (err instanceof joseErrors.JWTExpired) throw new TokenError('token expired')
      throw new TokenError('invalid token')
    }
  }
}
