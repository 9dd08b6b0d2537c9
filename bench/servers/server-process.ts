/**
 * One server under test as a child process: spawned with `node --import tsx`
 * (the same loader for Colist and the peers), ready once it prints its URL,
 * stopped with SIGTERM so each can flush its storage the way it would on a
 * real restart, and SIGKILLed if it does not exit in time.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readProcStats, type ProcSample } from '../proc-stats.ts'

export interface ServerProcess {
  readonly pid: number
  /** http://127.0.0.1:PORT */
  readonly url: string
  readonly port: number
  stats(): ProcSample
  /** Graceful stop; resolves once the process has exited. */
  stop(): Promise<void>
  /** Abrupt stop, as a crash would. */
  kill(): Promise<void>
}

export interface SpawnSpec {
  /** Script path relative to the repository root. */
  script: string
  env: Record<string, string>
  /** Shown in errors. */
  name: string
  /** Node flags the server runs with (Colist: server/node-flags.mjs, as `npm start` runs it). */
  nodeFlags?: readonly string[]
}

const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 20_000
const URL_PATTERN = /(http:\/\/127\.0\.0\.1:\d+)/

/** Every server this process spawned, so a row's load note can tell them from other processes and none outlives the runner. */
const spawned = new Set<ChildProcess>()

export function spawnedPids(): number[] {
  return [...spawned].map((child) => child.pid ?? 0)
}

/** Last resort on exit: no server may outlive the runner. */
export function killSpawnedServers(): void {
  for (const child of spawned) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

export async function spawnServer(spec: SpawnSpec): Promise<ServerProcess> {
  // Profiling hooks for every server the bench starts: BENCH_CPU_PROF=DIR writes a
  // CPU profile on graceful exit; BENCH_SERVER_NODE_FLAGS adds Node flags (e.g.
  // --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
  const extra = process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? []
  // A compiled script (Colist's dist/server/main.js, as `npm start` runs it) needs no TypeScript loader.
  const loader = spec.script.endsWith('.ts') ? ['--import', 'tsx'] : []
  const child = spawn(process.execPath, [...(spec.nodeFlags ?? []), ...profile, ...extra, ...loader, spec.script], {
    cwd: process.cwd(),
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  spawned.add(child)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    // Keep only the tail: a chatty server must not grow the runner's memory.
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  const url = await waitForUrl(child, exited, () => stderr, spec.name)
  // Keep draining stdout so a logging server never blocks on a full pipe.
  child.stdout!.resume()
  const pid = child.pid!
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
  return {
    pid,
    url,
    port: Number(new URL(url).port),
    stats: () => readProcStats(pid),
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
  }
}

function waitForUrl(child: ChildProcess, exited: Promise<void>, stderr: () => string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${name} did not print its URL within ${READY_TIMEOUT_MS} ms: ${stderr()}`))
    }, READY_TIMEOUT_MS)
    const onData = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-4000)
      const match = URL_PATTERN.exec(out)
      if (!match) return
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      resolve(match[1]!)
    }
    child.stdout!.on('data', onData)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before listening: ${stderr()}`))
    })
  })
}
