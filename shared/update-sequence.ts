/**
 * A sequence of Yjs updates in one byte string, to apply in order: how the
 * server stores a snapshot larger than one chunk (the chunks
 * server/doc-chunks.ts cuts a document into, so that loading applies one
 * per step of the event loop), and how the HTTP sync answers a client that
 * lacks much (`GET /api/lists/:id/sync`, see docs/protocol.md).
 *
 * A sequence starts with eight 0xff bytes, which no Yjs update can start
 * with (an update begins with a variable-length integer, and lib0 refuses
 * one longer than 53 bits), then a format version (1), the number of
 * updates, and each update length-prefixed (lib0 `writeVarUint8Array`). A
 * single update is written as itself, so a reader takes either form;
 * storage keeps snapshots as opaque bytes.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

const MAGIC = new Uint8Array(8).fill(0xff)
const VERSION = 1

/** `updates` (to apply in order) as one byte string; a single update is itself. */
export function encodeUpdates(updates: readonly Uint8Array[]): Uint8Array {
  if (updates.length === 1) return updates[0]!
  const encoder = encoding.createEncoder()
  encoding.writeUint8Array(encoder, MAGIC)
  encoding.writeVarUint(encoder, VERSION)
  encoding.writeVarUint(encoder, updates.length)
  for (const update of updates) encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/**
 * The same bytes as `encodeUpdates(updates)`, as pieces to write one after
 * another (a stream, a response): the updates themselves are not copied.
 */
export function encodeUpdatesInPieces(updates: readonly Uint8Array[]): Uint8Array[] {
  if (updates.length === 1) return [updates[0]!]
  const header = encoding.createEncoder()
  encoding.writeUint8Array(header, MAGIC)
  encoding.writeVarUint(header, VERSION)
  encoding.writeVarUint(header, updates.length)
  const pieces: Uint8Array[] = [encoding.toUint8Array(header)]
  for (const update of updates) {
    const length = encoding.createEncoder()
    encoding.writeVarUint(length, update.byteLength)
    pieces.push(encoding.toUint8Array(length), update)
  }
  return pieces
}

/** The updates `bytes` holds, to apply in order (views into `bytes`, not copies): a sequence's, or `bytes` itself. */
export function decodeUpdates(bytes: Uint8Array): Uint8Array[] {
  if (!isSequence(bytes)) return [bytes]
  const decoder = decoding.createDecoder(bytes)
  decoding.readUint8Array(decoder, MAGIC.length)
  const version = decoding.readVarUint(decoder)
  if (version !== VERSION) throw new Error(`update sequence version ${version} is not known`)
  const count = decoding.readVarUint(decoder)
  const updates: Uint8Array[] = []
  for (let i = 0; i < count; i++) updates.push(decoding.readVarUint8Array(decoder))
  if (decoding.hasContent(decoder)) throw new Error('update sequence: bytes after the last update')
  return updates
}

function isSequence(bytes: Uint8Array): boolean {
  if (bytes.byteLength < MAGIC.length) return false
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== 0xff) return false
  return true
}
