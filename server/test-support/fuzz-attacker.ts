/**
 * One attacker connection per list, sending fuzz frames one at a time and
 * learning what the server did with each: every frame is followed by a Hello,
 * which the server answers with a ConnectionInfo message, so "the ConnectionInfo arrived"
 * means the frame was processed and the connection survived it, and "the
 * socket closed" means the frame (or the rate limit) ended it. A closed
 * socket is replaced on the next frame, within a shared reconnect budget.
 */
import { MessageType, PROTOCOL_VERSION, encodeHello } from '../../shared/protocol.ts'
import type { Transport } from './harness.ts'
import type { FuzzFrame, FuzzTarget } from './protocol-fuzz.ts'
import { openRawListSocket, type RawSocket } from './raw-list-socket.ts'

export type Outcome = { survived: true } | { survived: false; code: number }

/** Shared by every attacker of one run: how many sockets they may still open. */
export interface ReconnectBudget {
  remaining: number
  opened: number
}

const PROBE = encodeHello({ protocolVersion: PROTOCOL_VERSION })

class ProbedSocket {
  private sessions = 0
  private awaited = 0
  private closedWith: number | null = null
  private wake: (() => void) | null = null

  constructor(readonly ws: RawSocket) {
    ws.on('message', (data: Buffer) => {
      // ConnectionInfo is a one-byte varint (101): the reply to a Hello of our version.
      if (data[0] === MessageType.ConnectionInfo) this.sessions++
      this.wake?.()
    })
    ws.once('close', (code: number) => {
      this.closedWith = code
      this.wake?.()
    })
  }

  get isOpen(): boolean {
    return this.closedWith === null
  }

  /** Sends the frame and the probe; resolves once the probe is answered or the socket closes. */
  send(frame: FuzzFrame, timeoutMs: number): Promise<Outcome> {
    this.awaited += 1 + (frame.answersWithSession ? 1 : 0)
    this.ws.send(frame.bytes, { binary: !frame.text })
    this.ws.send(PROBE)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = null
        reject(new Error(`no answer and no close within ${timeoutMs} ms`))
      }, timeoutMs)
      this.wake = () => {
        if (this.closedWith !== null) resolve({ survived: false, code: this.closedWith })
        else if (this.sessions >= this.awaited) resolve({ survived: true })
        else return
        clearTimeout(timer)
        this.wake = null
      }
      this.wake()
    })
  }

  /** Sends `count` copies of `message` without waiting, and resolves with how the socket closed. */
  flood(message: Uint8Array, count: number, timeoutMs: number): Promise<number> {
    for (let i = 0; i < count && this.ws.readyState === this.ws.OPEN; i++) this.ws.send(message)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`flood of ${count} did not close the socket within ${timeoutMs} ms`)), timeoutMs)
      this.wake = () => {
        if (this.closedWith === null) return
        clearTimeout(timer)
        this.wake = null
        resolve(this.closedWith)
      }
      this.wake()
    })
  }

  close(): void {
    this.ws.terminate()
  }
}

export class FuzzAttacker {
  private readonly sockets = new Map<FuzzTarget, ProbedSocket>()

  constructor(
    private readonly baseUrl: string,
    private readonly lists: Record<FuzzTarget, string>,
    private readonly token: string,
    private readonly budget: ReconnectBudget,
    /** A list's own socket per target, or a device socket per target with the list's channel (raw-list-socket.ts). */
    private readonly transport: Transport = 'list',
  ) {}

  private async socketFor(target: FuzzTarget): Promise<ProbedSocket> {
    const current = this.sockets.get(target)
    if (current?.isOpen) return current
    if (this.budget.remaining-- <= 0) throw new Error(`reconnect budget exhausted after ${this.budget.opened} sockets`)
    this.budget.opened++
    const socket = new ProbedSocket((await openRawListSocket(this.baseUrl, this.lists[target], this.token, this.transport)).ws)
    this.sockets.set(target, socket)
    return socket
  }

  send(frame: FuzzFrame, timeoutMs = 5000): Promise<Outcome> {
    return this.socketFor(frame.target).then((socket) => socket.send(frame, timeoutMs))
  }

  async flood(target: FuzzTarget, message: Uint8Array, count: number, timeoutMs = 5000): Promise<number> {
    return (await this.socketFor(target)).flood(message, count, timeoutMs)
  }

  close(): void {
    for (const socket of this.sockets.values()) socket.close()
    this.sockets.clear()
  }
}
