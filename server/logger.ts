/**
 * Structured JSON logs (pino). Tokens, passwords and secrets are redacted by
 * path so a careless `log.info({ req })` cannot leak them.
 */
import { pino, type Logger } from 'pino'

export type { Logger }

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'colist' },
    redact: {
      paths: ['token', '*.token', 'password', '*.password', 'passwordHash', '*.passwordHash', 'jwtSecret', '*.jwtSecret', 'authorization', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  })
}
