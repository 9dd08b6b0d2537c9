/**
 * Runs fixtures/bystander.ts: a member of another list editing, in a
 * process of its own, while a test loads the server; `stop()` gives each
 * round's lag (the edit sent → seen on the member's other socket).
 */
import { startFixture } from './fixture-process.ts'

/** One line the child prints. */
type BystanderLine = { ready: true } | { lagMs: number } | { error: string }

export interface Bystander {
  /** Stops after the round in flight; resolves with every round's lag, ms (a failed round is Infinity). */
  stop(): Promise<number[]>
}

/** Starts the member once both its sockets are synced. */
export async function startBystander(baseUrl: string, listId: string, token: string, userId: string): Promise<Bystander> {
  const lags: number[] = []
  let synced = () => {}
  const { child, exited } = startFixture<BystanderLine>('bystander.ts', [baseUrl, listId, token, userId], (line) => {
    if ('ready' in line) synced()
    else lags.push('lagMs' in line ? line.lagMs : Number.POSITIVE_INFINITY)
  })
  await new Promise<void>((resolve, reject) => {
    synced = resolve
    // After `ready`, this reject is a no-op.
    void exited.then(() => reject(new Error('the bystander exited before its sockets synced')))
  })
  return {
    async stop() {
      child.stdin!.end()
      await exited
      return lags
    },
  }
}
