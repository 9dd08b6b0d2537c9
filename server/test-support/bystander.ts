/**
 * Runs fixtures/bystander.ts: a member of another list editing, in a
 * process of its own, while a test loads the server; `stop()` gives each
 * round's lag (the edit sent → seen on the member's other socket).
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const BYSTANDER = fileURLToPath(new URL('./fixtures/bystander.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** One line the child prints. */
type BystanderLine = { ready: true } | { lagMs: number } | { error: string }

export interface Bystander {
  /** Stops after the round in flight; resolves with every round's lag, ms (a failed round is Infinity). */
  stop(): Promise<number[]>
}

/** Starts the member once both its sockets are synced. */
export async function startBystander(baseUrl: string, listId: string, token: string, userId: string): Promise<Bystander> {
  const child = spawn(process.execPath, ['--import', 'tsx', BYSTANDER, baseUrl, listId, token, userId], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const lags: number[] = []
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as BystanderLine
      if ('ready' in line) resolve()
      else lags.push('lagMs' in line ? line.lagMs : Number.POSITIVE_INFINITY)
    })
    void exited.then(() => reject(new Error('the bystander exited before its sockets synced')))
  })
  await ready
  return {
    async stop() {
      child.stdin!.end()
      await exited
      return lags
    },
  }
}
