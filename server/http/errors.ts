/**
 * HTTP errors as JSON: `{ error: { code, message, details? } }` with the
 * right status. Route handlers throw HttpError (or a zod error through
 * `parseBody`); the error middleware turns anything else into a 500 that
 * reveals nothing.
 */
import type { Socket } from 'node:net'
import type { ErrorRequestHandler, Response } from 'express'
import type { z } from 'zod'
import type { ApiErrorBody } from '../../shared/api.ts'
import type { Logger } from '../logger.ts'
import type { Metrics } from '../metrics.ts'

export class HttpError extends Error {
  override name = 'HttpError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`)
export const forbidden = (message = 'you do not have access to this list') => new HttpError(403, 'forbidden', message)
export const unauthorized = (message = 'sign in required') => new HttpError(401, 'unauthorized', message)

/** Validates an untrusted body; a failure is a 400 listing every problem. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const details = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))
  throw new HttpError(400, 'invalid_request', details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; '), details)
}

export function errorMiddleware(log: Logger, metrics?: Metrics): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let status = 500
    let body: ApiErrorBody = { error: { code: 'internal', message: 'internal server error' } }
    if (err instanceof HttpError) {
      status = err.status
      body = { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } }
    } else if (isBodyParserError(err)) {
      status = err.status
      const code = err.type === 'entity.too.large' ? 'payload_too_large' : 'invalid_body'
      body = { error: { code, message: err.type === 'entity.too.large' ? 'request body too large' : 'request body is not valid JSON' } }
    } else {
      log.error({ err, method: req.method, path: req.path }, 'request failed')
    }
    if (status < 500) metrics?.httpRefusals.inc({ status: String(status), reason: body.error.code })
    // Refused before its body was read (or while reading it): close the connection rather than read the rest.
    if (!req.complete) closeAfterAnswer(req.socket, res)
    res.status(status).json(body)
  }
}

/** How long a refused upload's connection stays half-closed, discarding what still arrives, before it is dropped. */
const LINGER_MS = 1000

/**
 * Sends the answer with `Connection: close`. Node would then destroy the socket as soon as the answer is
 * written; with the client still sending its body, that is a TCP reset, which can make the client's
 * kernel discard the answer before the client reads it. So the socket is half-closed instead, and what
 * still arrives is discarded (never buffered) for at most LINGER_MS.
 */
function closeAfterAnswer(socket: Socket, res: Response): void {
  res.set('Connection', 'close')
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.destroyed) return
    this.end()
    const timer = setTimeout(() => this.destroy(), LINGER_MS)
    timer.unref()
    this.once('close', () => clearTimeout(timer))
  }
}

function isBodyParserError(err: unknown): err is { status: number; type: string } {
  return typeof err === 'object' && err !== null && 'type' in err && typeof (err as { status?: unknown }).status === 'number'
}
