/**
 * A fixture script (test-support/fixtures/*.ts) run in a Node process of its
 * own, through tsx, from the repository root: it talks on stdin and answers
 * one JSON value per stdout line; its stderr goes to the test's.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface FixtureProcess {
  readonly child: ChildProcess
  /** Settles once the process has exited. */
  readonly exited: Promise<void>
}

/** Starts `fixtures/<name>` with `args`; `onLine` gets each stdout line parsed as JSON. */
export function startFixture<T>(name: string, args: string[], onLine: (value: T) => void): FixtureProcess {
  const script = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  createInterface({ input: child.stdout! }).on('line', (line) => onLine(JSON.parse(line) as T))
  return { child, exited }
}
