/**
 * The pieces of answering a fresh client from storage: which messages are a
 * fresh sync step 1, what is sent for a stored document, and how the kept
 * early messages answer and restate a step 1.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MessageType, SyncStep, encodeAwarenessMessage, encodeSyncMessage } from '../shared/protocol.ts'
import { encodeUpdates } from '../shared/update-sequence.ts'
import { EarlyMessages } from './room-join.ts'
import { STORED_ANSWER_MAX_BYTES, storedAnswer, syncOpening } from './stored-answer.ts'

const emptyStateVector = () => Y.encodeStateVector(new Y.Doc())

function docWith(text: string): Y.Doc {
  const doc = new Y.Doc()
  doc.getMap('m').set('k', text)
  return doc
}

describe('syncOpening', () => {
  it('tells a fresh step 1 from one with a state vector and from every other message', () => {
    expect(syncOpening(encodeSyncMessage(SyncStep.Step1, emptyStateVector()))).toBe('fresh-step1')
    expect(syncOpening(encodeSyncMessage(SyncStep.Step1, Y.encodeStateVector(docWith('a'))))).toBe('step1')
    expect(syncOpening(encodeSyncMessage(SyncStep.Update, Y.encodeStateAsUpdate(docWith('a'))))).toBe('other')
    expect(syncOpening(encodeAwarenessMessage(new Uint8Array([0])))).toBe('other')
    // Malformed: left to the room, which refuses it.
    expect(syncOpening(new Uint8Array([MessageType.Sync, SyncStep.Step1, 5, 1]))).toBe('other')
    expect(syncOpening(new Uint8Array([]))).toBe('other')
  })
})

describe('storedAnswer', () => {
  it("sends the snapshot's parts, then the log's entries, each as a sync update; nothing for an empty list", () => {
    const a = Y.encodeStateAsUpdate(docWith('a'))
    const b = Y.encodeStateAsUpdate(docWith('b'))
    const c = Y.encodeStateAsUpdate(docWith('c'))
    expect(storedAnswer({ snapshot: encodeUpdates([a, b]), updates: [c] })).toEqual([a, b, c].map((update) => encodeSyncMessage(SyncStep.Update, update)))
    expect(storedAnswer({ snapshot: null, updates: [] })).toBeNull()
  })

  it('leaves a stored document larger than the bound to the room', () => {
    expect(storedAnswer({ snapshot: null, updates: [new Uint8Array(STORED_ANSWER_MAX_BYTES + 1)] })).toBeNull()
  })
})

describe('EarlyMessages answering a fresh sync step 1', () => {
  const fresh = encodeSyncMessage(SyncStep.Step1, emptyStateVector())
  const awareness = encodeAwarenessMessage(new Uint8Array([0]))

  function flushed(early: EarlyMessages): Uint8Array[] {
    const out: Uint8Array[] = []
    early.flush((message) => out.push(message))
    return out
  }

  it('answers the step 1 kept already, once, and restates it with the state vector of what was sent', () => {
    const early = new EarlyMessages()
    early.push(awareness)
    early.push(fresh)
    let answers = 0
    early.answerFreshSync(() => (answers++, true))
    early.push(encodeSyncMessage(SyncStep.Step1, emptyStateVector()))
    expect(answers).toBe(1)
    const sent = Y.encodeStateVector(docWith('stored'))
    early.answeredUpTo(sent)
    expect(flushed(early)).toEqual([awareness, encodeSyncMessage(SyncStep.Step1, sent), fresh])
  })

  it('answers a step 1 that comes after the stored document was read', () => {
    const early = new EarlyMessages()
    let answers = 0
    early.answerFreshSync(() => (answers++, true))
    expect(answers).toBe(0)
    early.push(awareness)
    expect(answers).toBe(0)
    early.push(fresh)
    expect(answers).toBe(1)
  })

  it('does not answer a client that holds something, nor after a refusal, nor restate what it did not answer', () => {
    const holding = encodeSyncMessage(SyncStep.Step1, Y.encodeStateVector(docWith('a')))
    const early = new EarlyMessages()
    early.push(holding)
    let answers = 0
    early.answerFreshSync(() => (answers++, true))
    early.push(fresh)
    expect(answers).toBe(0)
    early.answeredUpTo(Y.encodeStateVector(docWith('stored')))
    expect(flushed(early)).toEqual([holding, fresh])

    const refused = new EarlyMessages()
    refused.answerFreshSync(() => false)
    refused.push(fresh)
    refused.answeredUpTo(Y.encodeStateVector(docWith('stored')))
    expect(flushed(refused)).toEqual([fresh])
  })

  it('keeps the step 1 as sent when the room was built from another read (answeredUpTo(null))', () => {
    const early = new EarlyMessages()
    early.push(fresh)
    early.answerFreshSync(() => true)
    early.answeredUpTo(null)
    expect(flushed(early)).toEqual([fresh])
  })

  it('answers nothing once flushed', () => {
    const early = new EarlyMessages()
    flushed(early)
    let answers = 0
    early.answerFreshSync(() => (answers++, true))
    expect(early.push(fresh)).toBe(false)
    expect(answers).toBe(0)
  })
})
