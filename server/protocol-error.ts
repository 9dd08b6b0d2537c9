import { WRITE_RULE_CLOSE, type CloseCodeInfo, type WriteRejectedMessage } from '../shared/protocol.ts'

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

/**
 * A client's write broke a write rule (server/write-check.ts): nothing of it
 * was applied. Carries the refusal a Colist client is sent before its socket
 * closes with the rule's code; the HTTP sync route answers it as JSON.
 */
export class WriteRefused extends ProtocolError {
  override name = 'WriteRefused'
  constructor(readonly rejection: WriteRejectedMessage) {
    super(WRITE_RULE_CLOSE[rejection.rule], `${rejection.rule}: ${rejection.message}`)
  }
}
