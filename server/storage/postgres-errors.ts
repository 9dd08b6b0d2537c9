/**
 * Recognising the PostgreSQL errors that mean something to the Storage
 * interface, by SQLSTATE (stable across versions and locales, unlike messages).
 */
import pg from 'pg'

const UNIQUE_VIOLATION = '23505'
const FOREIGN_KEY_VIOLATION = '23503'

/** The constraint a unique violation hit (e.g. `users_email_unique`), or null for any other error. */
export function violatedUniqueConstraint(error: unknown): string | null {
  return error instanceof pg.DatabaseError && error.code === UNIQUE_VIOLATION ? (error.constraint ?? '') : null
}

export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === FOREIGN_KEY_VIOLATION
}
