/**
 * Passwords and access tokens.
 *
 * Passwords are hashed with scrypt (a memory-hard KDF built into Node) and a
 * per-user salt. Tokens are HS256 JWTs carrying the user id and name, signed
 * with the server secret and expiring after the configured TTL.
 */
import { createSecretKey, randomBytes, scrypt as scryptCallback, timingSafeEqual, type KeyObject, type ScryptOptions } from 'node:crypto'
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

/** Returns `scrypt$N$r$p$salt$hash` so parameters can change without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p })
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, keyB64] = stored.split('$')
  if (scheme !== 'scrypt' || !saltB64 || !keyB64) return false
  const expected = Buffer.from(keyB64, 'base64')
  const key = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  })
  return timingSafeEqual(key, expected)
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
