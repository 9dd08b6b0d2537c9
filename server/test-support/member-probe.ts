/**
 * A well-behaved member beside an attack: over and over, opens the list on a
 * fresh socket, waits for the initial sync, adds an item and waits for the
 * server's durable acknowledgement. The bar: every round within 1 s.
 */
import type * as Y from 'yjs'
import { addItem, listItems } from '../../shared/list-document.ts'
import { connectClient, docUntil, saved, synced, type Transport } from './harness.ts'

export interface MemberRoundOptions {
  /** The socket the member opens the list on (default `list`, its own socket). */
  transport?: Transport
  /** How long each step (the initial sync, then the acknowledgement and `seenBy`) may take before the round fails, ms. */
  timeoutMs?: number
  /** Another member's doc that must show the item too: the edit reached the list's other members, not only the store. */
  seenBy?: Y.Doc
}

export interface MemberProbe {
  /** Stops after the round in flight; resolves with every round's duration, ms. */
  stop(): Promise<number[]>
}

/** Each round's item is told apart from every earlier one's (`seenBy` waits for this one). */
let itemCounter = 0

/**
 * One round: open, sync, write, acknowledged (and seen by `seenBy`). Resolves with how long it
 * took, ms; rejects, naming the step, if a step took over `timeoutMs`.
 */
export async function memberRound(baseUrl: string, listId: string, token: string, userId: string, options: MemberRoundOptions = {}): Promise<number> {
  const { transport = 'list', timeoutMs = 5000, seenBy } = options
  const started = performance.now()
  const text = `probe ${++itemCounter}`
  const client = connectClient(baseUrl, listId, token, { transport })
  try {
    await withTimeout(synced(client.provider), timeoutMs, `the member's initial sync (${text}, ${transport} socket)`)
    addItem(client.doc, { text, createdBy: userId })
    await Promise.all([
      saved(client, timeoutMs),
      seenBy && docUntil(seenBy, () => listItems(seenBy).items.some((item) => item.text === text), `the member's edit (${text}) at the other member`, timeoutMs),
    ])
    return performance.now() - started
  } finally {
    client.destroy()
  }
}

export function startMemberProbe(baseUrl: string, listId: string, token: string, userId: string, options: MemberRoundOptions = {}): MemberProbe {
  const rounds: number[] = []
  let stopping = false
  const loop = (async () => {
    while (!stopping) {
      // A round that times out or fails counts as infinitely slow (the test's bar fails on it) rather
      // than rejecting a loop nobody may be awaiting yet (an unhandled rejection fails the whole run).
      rounds.push(await memberRound(baseUrl, listId, token, userId, options).catch(() => Number.POSITIVE_INFINITY))
    }
  })()
  return {
    async stop() {
      stopping = true
      await loop
      return rounds
    },
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}
