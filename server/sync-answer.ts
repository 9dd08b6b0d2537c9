/**
 * The answer to a client's sync step 1: what the room holds beyond the
 * client's state vector, sent once it is stored (a client never receives
 * what a crash could still take back).
 *
 * A client that lacks little gets one sync step 2, as y-protocols answers.
 * A client that lacks much (a new device opening a list of 60,000 items: a
 * 16 MB `Y.encodeStateAsUpdate`, ~0.2 s on the event loop) gets it in
 * chunks that each apply whole (doc-chunks.ts), a few per slice of the
 * event loop, as sync updates, then the delete set in parts, the last
 * update as a sync step 2: any y-websocket client applies them in order and counts itself
 * synced at the step 2, as before. Updates the room relays meanwhile may
 * overtake a chunk they build on; Yjs keeps them pending until it arrives.
 * The HTTP sync answers with the same updates, in one body
 * (shared/update-sequence.ts).
 */
import * as Y from 'yjs'
import { walkAcrossTurns } from '../shared/across-turns.ts'
import { SyncStep, encodeSyncMessage } from '../shared/protocol.ts'
import { DocChunker } from './doc-chunks.ts'
import { clocksOf } from '../shared/clocks.ts'

export interface SyncAnswerRoom {
  readonly doc: Y.Doc
  /** Runs `fn` once everything the room applied so far is stored. */
  afterStored(fn: () => void): void
}

export interface SyncAnswerReceiver {
  readonly isClosed: boolean
  send(message: Uint8Array): void
}

/** What a client with `stateVector` lacks: one update if little (computed now), else a walker to start. */
type Diff = { whole: Uint8Array } | { chunker: DocChunker }

/**
 * A client lacking at most this many clocks (characters, entries, items)
 * gets one update, computed at once (a few milliseconds at most); beyond,
 * the chunks, computed across turns from the first.
 */
const MISSING_AT_ONCE = 8192

/** Starts the diff for `stateVector` (encoded; a malformed one throws, synchronously). */
function startDiff(doc: Y.Doc, stateVector: Uint8Array): Diff {
  const has = Y.decodeStateVector(stateVector)
  let missing = 0
  for (const [client, clock] of clocksOf(doc)) missing += Math.max(0, clock - (has.get(client) ?? 0))
  if (missing <= MISSING_AT_ONCE) return { whole: Y.encodeStateAsUpdate(doc, stateVector) }
  return { chunker: new DocChunker(doc, has) }
}

/** Answers `stateVector` (encoded; a malformed one throws before anything is sent). */
export function answerSyncStep1(room: SyncAnswerRoom, to: SyncAnswerReceiver, stateVector: Uint8Array): void {
  const diff = startDiff(room.doc, stateVector)
  const send = (step: typeof SyncStep.Update | typeof SyncStep.Step2, update: Uint8Array) => {
    const message = encodeSyncMessage(step, update)
    room.afterStored(() => to.send(message))
  }
  if ('whole' in diff) return send(SyncStep.Step2, diff.whole)
  const { chunker } = diff
  // Each update is sent once the next exists, so that the last one goes as the step 2.
  let held: Uint8Array | null = null
  void walkAcrossTurns(() => {
    if (to.isClosed) return false
    const chunk = chunker.next()
    if (!chunk) {
      // Never null here: a client lacking more than MISSING_AT_ONCE gets at least one chunk.
      send(SyncStep.Step2, held ?? Y.encodeStateAsUpdate(room.doc, chunker.sentStateVector()))
      return false
    }
    if (held) send(SyncStep.Update, held)
    held = chunk
    return true
  })
}

/**
 * What a client with `stateVector` lacks, as updates to apply in order (the
 * HTTP sync's answer): one when it lacks little, else the chunks, computed
 * across event-loop turns. A malformed state vector throws, synchronously.
 */
export function diffUpdates(doc: Y.Doc, stateVector: Uint8Array): Promise<Uint8Array[]> {
  const diff = startDiff(doc, stateVector)
  if ('whole' in diff) return Promise.resolve([diff.whole])
  const updates: Uint8Array[] = []
  return walkAcrossTurns(() => {
    const chunk = diff.chunker.next()
    if (chunk) updates.push(chunk)
    return chunk !== null
  }).then(() => updates)
}
