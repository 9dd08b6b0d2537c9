/**
 * A well-behaved member beside an attack: over and over, opens the list on a
 * fresh socket, waits for the initial sync, adds an item and waits for the
 * server's durable acknowledgement. The bar: every round within 1 s.
 */
import { addItem } from '../../shared/list-document.ts'
import { connectClient, saved, synced } from './harness.ts'

export interface MemberProbe {
  /** Stops after the round in flight; resolves with every round's duration, ms. */
  stop(): Promise<number[]>
}

/** One round: open, sync, write, acknowledged. Resolves with how long it took, ms. */
export async function memberRound(baseUrl: string, listId: string, token: string, userId: string, timeoutMs = 5000): Promise<number> {
  const started = performance.now()
  const client = connectClient(baseUrl, listId, token)
  try {
    await withTimeout(synced(client.provider), timeoutMs, 'initial sync')
    addItem(client.doc, { text: `probe ${started.toFixed(0)}`, createdBy: userId })
    await saved(client, timeoutMs)
    return performance.now() - started
  } finally {
    client.destroy()
  }
}

export function startMemberProbe(baseUrl: string, listId: string, token: string, userId: string): MemberProbe {
  const rounds: number[] = []
  let stopping = false
  const loop = (async () => {
    while (!stopping) {
      // A round that times out or fails counts as infinitely slow (the test's bar fails on it) rather
      // than rejecting a loop nobody may be awaiting yet (an unhandled rejection fails the whole run).
      rounds.push(await memberRound(baseUrl, listId, token, userId).catch(() => Number.POSITIVE_INFINITY))
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
