import type { CloseCodeInfo } from '../shared/protocol.ts'

/**
 * Raised for input that breaks the protocol or cannot be accepted (a bad
 * message, an update past the size limit, a deleted list). On a socket it
 * closes only the sender, with `close`; the HTTP routes map it to a status.
 */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
  constructor(
    readonly close: CloseCodeInfo,
    message: string,
  ) {
    super(message)
  }
}
