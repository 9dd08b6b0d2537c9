/**
 * A client that has nothing of a list (a new device, a fresh y-websocket
 * client: its sync step 1 carries an empty state vector) needs exactly what
 * storage holds, plus whatever the room applies after it. While the room is
 * still being built from storage (a `Y.Doc` of 10,000 items takes a while on
 * a cold process, then the activity baseline and the peers' catch-up), such
 * a client is sent the stored updates as they were read — the snapshot's
 * chunks, then the log's entries, each a valid update, in the order they
 * apply — as sync updates, without building or encoding anything. Its sync
 * step 1 then goes to the room as if it had said it holds the stored
 * document (`Room.storedStateVector`), so the room's step 2 brings only what
 * came after, and the client counts itself synced then, as before.
 *
 * Nothing is sent that storage does not hold (a crash cannot take it back),
 * nor to a socket whose list access changed since it was authorized. A
 * stored document larger than STORED_ANSWER_MAX_BYTES is left to the room's
 * own answer, in chunks across turns (sync-answer.ts).
 */
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { MessageType, SyncStep, encodeSyncMessage } from '../shared/protocol.ts'
import { storedUpdates } from './stored-doc.ts'
import type { StoredDoc } from './storage/storage.ts'

/** A stored document larger than this is answered by the room, in chunks across turns. */
export const STORED_ANSWER_MAX_BYTES = 8 * 1024 * 1024

/** The sync updates that give a client with nothing the stored document; null if there is nothing, or too much, to send this way. */
export function storedAnswer(stored: Pick<StoredDoc, 'snapshot' | 'updates'>): Uint8Array[] | null {
  const updates = storedUpdates(stored)
  if (updates.length === 0) return null
  // Sending costs no encoding, whatever the size of each update (a log entry larger than the room applies in
  // one step is no cost here); only the whole is bounded, by what a socket may queue.
  if (updates.reduce((total, update) => total + update.byteLength, 0) > STORED_ANSWER_MAX_BYTES) return null
  return updates.map((update) => encodeSyncMessage(SyncStep.Update, update))
}

/** What a client's message is, as far as answering it from storage goes. */
export type SyncOpening = 'fresh-step1' | 'step1' | 'other'

/** Whether `message` is a sync step 1, and whether its state vector is empty (a malformed one is not: the room refuses it). */
export function syncOpening(message: Uint8Array): SyncOpening {
  try {
    const dec = decoding.createDecoder(message)
    if (decoding.readVarUint(dec) !== MessageType.Sync || decoding.readVarUint(dec) !== SyncStep.Step1) return 'other'
    return Y.decodeStateVector(decoding.readVarUint8Array(dec)).size === 0 ? 'fresh-step1' : 'step1'
  } catch {
    return 'other'
  }
}
