/**
 * Request bodies, read only once a route has checked who is asking and what
 * they may do (token → list role → body), and never past the route's limit:
 * a Content-Length over it is refused with 413 before a byte is read, and a
 * streamed body is read up to the limit and no further. A refusal sent while
 * the body is still arriving closes the connection (errors.ts), so the rest
 * is never read either.
 *
 * Routes call `readJson` / `readRaw` after their access checks, or put
 * `jsonBody` after the auth middleware of a route that needs no list.
 */
import type { Request, RequestHandler } from 'express'
import { HttpError } from './errors.ts'

/** The JSON API's bodies: titles, items, members — small. */
export const JSON_BODY_LIMIT = 64 * 1024
/** Sign-up and log-in bodies: an email, a password, a name. */
export const AUTH_BODY_LIMIT = 8 * 1024

export const payloadTooLarge = (limit: number) =>
  new HttpError(413, 'payload_too_large', `request body too large (at most ${limit} bytes here)`)

/**
 * The body as bytes, at most `limit` of them; empty if the request's
 * Content-Type is not `type` (nothing is read then).
 */
export async function readRaw(req: Request, limit: number, type: string): Promise<Buffer> {
  if (!hasBody(req) || !req.is(type)) return Buffer.alloc(0)
  const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase()
  if (encoding !== 'identity') throw new HttpError(415, 'unsupported_encoding', 'request bodies must not be compressed')
  const declared = req.get('content-length')
  if (declared !== undefined && Number(declared) > limit) throw payloadTooLarge(limit)
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('aborted', onAborted)
      req.off('error', onError)
    }
    const onData = (chunk: Buffer) => {
      received += chunk.length
      if (received > limit) {
        cleanup()
        req.pause()
        chunks.length = 0
        reject(payloadTooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(Buffer.concat(chunks, received))
    }
    const onAborted = () => {
      cleanup()
      reject(new HttpError(400, 'request_aborted', 'the request body was cut off'))
    }
    const onError = (err: Error) => {
      cleanup()
      reject(new HttpError(400, 'invalid_body', err.message))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('aborted', onAborted)
    req.on('error', onError)
  })
}

/** A JSON body (`application/json`), at most `limit` bytes; `{}` when there is none. */
export async function readJson(req: Request, limit = JSON_BODY_LIMIT): Promise<unknown> {
  if (req.body !== undefined) return req.body as unknown
  const bytes = await readRaw(req, limit, 'application/json')
  let body: unknown = {}
  if (bytes.length > 0) {
    try {
      body = JSON.parse(bytes.toString('utf8'))
    } catch {
      throw new HttpError(400, 'invalid_body', 'request body is not valid JSON')
    }
  }
  req.body = body
  return body
}

/** `readJson` as middleware, for a route whose only check (if any) runs before it. */
export function jsonBody(limit = JSON_BODY_LIMIT): RequestHandler {
  return async (req, _res, next) => {
    await readJson(req, limit)
    next()
  }
}

function hasBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || (req.get('content-length') ?? '0') !== '0'
}
