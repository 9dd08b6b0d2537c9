/**
 * Whether someone has signed in to Colist on this device before: a first
 * visit offers sign-up, a returning one log-in. Marked whenever a session is
 * signed in here (at load, or when one starts) and never cleared by logging out.
 */
import { session } from './session.ts'

const RETURNING_KEY = 'colist:returning'

function mark(): void {
  try {
    if (session.user) localStorage.setItem(RETURNING_KEY, '1')
  } catch {
    // Storage refused (private mode quota): the page then offers sign-up, with a link to log in.
  }
}

mark()
session.subscribe(mark)

export function isReturningDevice(): boolean {
  try {
    return localStorage.getItem(RETURNING_KEY) !== null
  } catch {
    return false
  }
}
