/**
 * A real, throwaway Redis server for tests and the local cluster: Debian's
 * `redis-server` on 127.0.0.1 and a free port, no persistence, stopped (and
 * restartable on the same port, to test an outage) by the caller.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { freePort } from './free-port.ts'

export interface TestRedis {
  url: string
  port: number
  /** Kills the server (SIGKILL, like a crash); `start()` brings it back on the same port. */
  kill(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort()
  let child: ChildProcess | null = null

  async function start(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = proc
    await new Promise<void>((resolve, reject) => {
      let out = ''
      const onData = (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('Ready to accept connections')) {
          proc.stdout!.off('data', onData)
          proc.stdout!.resume()
          resolve()
        }
      }
      proc.stdout!.on('data', onData)
      proc.stderr!.resume()
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${out}`)))
      proc.once('error', reject)
    })
  }

  async function kill(): Promise<void> {
    const proc = child
    child = null
    if (!proc || proc.exitCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGKILL')
    await exited
  }

  await start()
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, stop: kill }
}
