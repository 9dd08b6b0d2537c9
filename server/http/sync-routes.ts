/**
 * Yjs sync over plain HTTP, for clients whose WebSocket is blocked: fetch the
 * update a client lacks given its state vector, and post an update. Same
 * auth, roles and limits as the socket.
 */
import { Router } from 'express'
import * as Y from 'yjs'
import { CloseCode, PERSISTED_STATE_VECTOR_HEADER } from '../../shared/protocol.ts'
import { encodeUpdatesInPieces } from '../../shared/update-sequence.ts'
import type { TokenService } from '../auth.ts'
import { ProtocolError, WriteRefused } from '../protocol-error.ts'
import type { RoomRegistry } from '../room-registry.ts'
import type { AccountStore } from '../storage/storage.ts'
import { currentUser, requireListRole, requireUser } from './access.ts'
import { readRaw } from './body.ts'
import { HttpError, notFound } from './errors.ts'

/** HTTP status of a refused write, by its close code: 403 ownership, 429 caps, 409 retry after a sync, 422 the rest. */
const WRITE_REFUSAL_STATUS: Record<number, number> = {
  [CloseCode.ClientIdTaken.code]: 403,
  [CloseCode.ClientIdLimit.code]: 429,
  [CloseCode.WriteUnresolvable.code]: 409,
  [CloseCode.WriteInvalid.code]: 422,
  [CloseCode.ClockSkew.code]: 422,
  [CloseCode.LayoutOutdated.code]: 422,
}

function encodePersisted(clocks: Map<number, number>): string {
  return Buffer.from(Y.encodeStateVector(clocks)).toString('base64')
}

export function syncRoutes(accounts: AccountStore, tokens: TokenService, rooms: RoomRegistry, maxBytes: number): Router {
  const router = Router()
  router.use('/lists/:id/sync', requireUser(tokens))

  router.get('/lists/:id/sync', async (req, res) => {
    const { list } = await requireListRole(accounts, req, currentUser(res).userId, 'viewer')
    const stateVector = decodeBase64Param(req.query.stateVector)
    const update = await rooms.withRoom(list.id, async (room) => {
      let diff: Promise<Uint8Array[]>
      try {
        diff = room.storedDiff(stateVector)
      } catch {
        throw new HttpError(400, 'invalid_state_vector', 'stateVector is not a valid Yjs state vector')
      }
      try {
        return { diff: await diff, persisted: room.persistedStateVector }
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err
        // Storage failed before it stored what the answer holds: retryable. Or the list was deleted meanwhile.
        if (err.close.retryable) throw new HttpError(503, 'unavailable', err.message)
        throw notFound('list')
      }
    })
    res.set(PERSISTED_STATE_VECTOR_HEADER, encodePersisted(update.persisted))
    // One update, or a sequence of them when the client lacks much (shared/update-sequence.ts), written
    // piece by piece: joining MBs into one buffer (and hashing it for an ETag) held the event loop ~200 ms.
    const pieces = encodeUpdatesInPieces(update.diff)
    res.type('application/octet-stream')
    res.set('content-length', String(pieces.reduce((sum, piece) => sum + piece.byteLength, 0)))
    for (const piece of pieces) res.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength))
    res.end()
  })

  // The token (above) and the role are checked before a byte of the body is read; the body stops at maxBytes.
  router.post('/lists/:id/sync', async (req, res) => {
    const { list } = await requireListRole(accounts, req, currentUser(res).userId, 'editor')
    const body = await readRaw(req, maxBytes, 'application/octet-stream')
    if (body.length === 0) {
      throw new HttpError(400, 'invalid_update', 'send a Yjs update as application/octet-stream')
    }
    const update = new Uint8Array(body.buffer, body.byteOffset, body.length)
    const { userId, name } = currentUser(res)
    const persisted = await rooms.withRoom(list.id, async (room) => {
      try {
        // Checked strictly: an HTTP client posts its own changes (see write-check.ts on sync step 2).
        room.applyUpdate(update, 'http-sync', { userId, name })
      } catch (err) {
        if (err instanceof WriteRefused) throw new HttpError(WRITE_REFUSAL_STATUS[err.rejection.code] ?? 422, err.rejection.rule, err.rejection.message)
        if (!(err instanceof ProtocolError)) throw err
        // Storage failed (or the update could not be integrated): retryable, not the client's fault.
        if (err.close.retryable) throw new HttpError(503, 'unavailable', err.message)
        if (err.close === CloseCode.StorageQuota) throw new HttpError(413, 'storage_quota', err.message)
        const status = err.close === CloseCode.DocumentTooBig ? 413 : 400
        throw new HttpError(status, err.close === CloseCode.DocumentTooBig ? 'document_too_big' : 'invalid_update', err.message)
      }
      await room.whenFlushed()
      return room.persistedStateVector
    })
    res.json({ persistedStateVector: encodePersisted(persisted) })
  })

  return router
}

function decodeBase64Param(value: unknown): Uint8Array {
  if (value === undefined || value === '') return new Uint8Array([0])
  if (typeof value !== 'string' || value.length > 1_000_000) throw new HttpError(400, 'invalid_state_vector', 'stateVector must be base64')
  return new Uint8Array(Buffer.from(value, 'base64'))
}
