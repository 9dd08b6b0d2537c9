/**
 * Sockets on a list's WebSocket that a test drives byte by byte, below what
 * the y-websocket client would ever do:
 *
 * - `openRawListSocket`: a `ws` client that sends exactly the frames a test
 *   chooses and records what comes back and how it closed; with transport
 *   `device`, the same on a list's channel of a device socket of its own
 *   (each message wrapped in a `Message` frame, the channel's `Closed` code or
 *   the socket's close code as its close).
 * - `openTcpListSocket`: a bare TCP socket that performs the WebSocket
 *   handshake by hand, so a test can stop reading (a stalled client whose
 *   kernel buffers fill up) or cut the connection in the middle of a message.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { connect, type Socket } from 'node:net'
import { WebSocket } from 'ws'
import { ChannelMode, DEVICE_WS_PATH, DeviceFrame, decodeDeviceFrame, encodeDeviceFrame } from '../../shared/device-protocol.ts'
import { WS_PATH_PREFIX } from '../../shared/protocol.ts'
import type { Transport } from './harness.ts'

/** What tests use of a raw socket: a `ws` WebSocket has it, and so has a `RawChannel`. */
export interface RawSocket {
  readonly readyState: number
  readonly OPEN: number
  send(data: Uint8Array | string, options?: { binary?: boolean }): void
  close(): void
  terminate(): void
  on(event: 'message', listener: (data: Buffer) => void): this
  once(event: 'close', listener: (code: number, reason: Buffer) => void): this
}

export interface RawListSocket {
  ws: RawSocket
  /** Resolves with the close code and reason once the socket is closed, by either side. */
  closed: Promise<{ code: number; reason: string }>
  readonly isClosed: boolean
}

export function listSocketUrl(baseUrl: string, listId: string, token: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}${WS_PATH_PREFIX}/${listId}?token=${encodeURIComponent(token)}`
}

export function deviceSocketUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}${DEVICE_WS_PATH}?token=${encodeURIComponent(token)}`
}

/**
 * One list's channel on a device socket of its own, behaving as a list's own
 * socket would: messages in and out unwrapped, closed with the channel's
 * `Closed` code or the socket's close code. A text frame goes to the socket
 * as it is.
 */
export class RawChannel extends EventEmitter {
  readonly OPEN = WebSocket.OPEN
  private ended = false

  constructor(
    readonly socket: WebSocket,
    readonly listId: string,
  ) {
    super()
    socket.on('message', (data: Buffer) => {
      const frame = decodeDeviceFrame(new Uint8Array(data))
      if (frame.type === DeviceFrame.Message && frame.listId === listId) this.emit('message', Buffer.from(frame.message))
      if (frame.type === DeviceFrame.Closed && frame.listId === listId) {
        this.end(frame.code, frame.reason)
        socket.terminate()
      }
    })
    socket.once('close', (code: number, reason: Buffer) => this.end(code, reason.toString()))
  }

  get readyState(): number {
    return this.ended ? WebSocket.CLOSED : this.socket.readyState
  }

  send(data: Uint8Array | string, options: { binary?: boolean } = {}): void {
    if (typeof data === 'string' || options.binary === false) return this.socket.send(data, { binary: false })
    this.socket.send(encodeDeviceFrame({ type: DeviceFrame.Message, listId: this.listId, message: data }))
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(encodeDeviceFrame({ type: DeviceFrame.Leave, listId: this.listId }))
    this.end(1000, '')
    this.socket.close()
  }

  terminate(): void {
    this.socket.terminate()
  }

  private end(code: number, reason: string): void {
    if (this.ended) return
    this.ended = true
    this.emit('close', code, Buffer.from(reason))
  }
}

/**
 * Opens a `ws` socket on the list and resolves once the upgrade completed;
 * with transport `device`, a device socket with the list's channel opened
 * in Foreground (its `Open` sent once the upgrade completed).
 */
export async function openRawListSocket(baseUrl: string, listId: string, token: string, transport: Transport = 'list'): Promise<RawListSocket> {
  if (transport === 'device') return openRawChannel(baseUrl, listId, token)
  const ws = new WebSocket(listSocketUrl(baseUrl, listId, token))
  let isClosed = false
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => {
      isClosed = true
      resolve({ code, reason: reason.toString() })
    }),
  )
  // An error (e.g. the server vanished) is always followed by 'close'; listening keeps it from being thrown.
  ws.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('close', (code) => reject(new Error(`socket closed with ${code} before opening`)))
  })
  return {
    ws,
    closed,
    get isClosed() {
      return isClosed
    },
  }
}

async function openRawChannel(baseUrl: string, listId: string, token: string): Promise<RawListSocket> {
  const socket = new WebSocket(deviceSocketUrl(baseUrl, token))
  socket.on('error', () => {})
  const channel = new RawChannel(socket, listId)
  let isClosed = false
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    channel.once('close', (code: number, reason: Buffer) => {
      isClosed = true
      resolve({ code, reason: reason.toString() })
    }),
  )
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('close', (code) => reject(new Error(`socket closed with ${code} before opening`)))
  })
  socket.send(encodeDeviceFrame({ type: DeviceFrame.Open, listId, mode: ChannelMode.Foreground }))
  return {
    ws: channel,
    closed,
    get isClosed() {
      return isClosed
    },
  }
}

export interface TcpListSocket {
  socket: Socket
  /** Bytes received after the handshake response. */
  readonly bytesReceived: number
  /** Sends one binary WebSocket frame (masked, as a client must). */
  sendBinary(payload: Uint8Array): void
  /** Resolves once at least `n` bytes arrived after the handshake. */
  receivedAtLeast(n: number): Promise<void>
  /** Starts reading again and resolves with the total bytes received once the server ends the connection. */
  readToEnd(): Promise<number>
}

/**
 * Connects with a hand-written WebSocket handshake. With `paused`, the socket
 * reads nothing after the handshake response until `readToEnd()`: the server
 * sees a client whose TCP window closes, as a frozen browser tab's would.
 */
export async function openTcpListSocket(
  baseUrl: string,
  listId: string,
  token: string,
  options: { paused?: boolean } = {},
): Promise<TcpListSocket> {
  const url = new URL(listSocketUrl(baseUrl, listId, token))
  const socket = connect(Number(url.port), url.hostname)
  socket.on('error', () => {}) // a reset after the server drops us is expected; 'close' follows
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  let bytesReceived = 0
  const progress = new Set<() => void>()

  const handshake = new Promise<void>((resolve, reject) => {
    let head = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      socket.off('data', onData)
      socket.off('close', onEarlyClose)
      if (options.paused) socket.pause()
      const status = head.subarray(0, head.indexOf('\r\n')).toString()
      if (!status.startsWith('HTTP/1.1 101 ')) return reject(new Error(`handshake refused: ${status}`))
      bytesReceived = head.byteLength - (end + 4)
      // Data events resume the stream, so the counting listener is attached only when reading is wanted.
      if (!options.paused) socket.on('data', count)
      resolve()
    }
    const onEarlyClose = () => reject(new Error('connection closed during the handshake'))
    socket.on('data', onData)
    socket.once('close', onEarlyClose)
  })
  const count = (chunk: Buffer) => {
    bytesReceived += chunk.byteLength
    for (const check of progress) check()
  }

  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  socket.write(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\n` +
      `Host: ${url.host}\r\n` +
      'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      'Sec-WebSocket-Version: 13\r\n\r\n',
  )
  await handshake

  return {
    socket,
    get bytesReceived() {
      return bytesReceived
    },
    sendBinary(payload) {
      socket.write(maskedBinaryFrame(payload))
    },
    receivedAtLeast(n) {
      if (bytesReceived >= n) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const check = () => {
          if (bytesReceived < n) return
          progress.delete(check)
          resolve()
        }
        progress.add(check)
        ended.then(() => {
          if (bytesReceived < n) reject(new Error(`connection ended after ${bytesReceived} of ${n} bytes`))
        })
      })
    },
    async readToEnd() {
      if (socket.listenerCount('data') === 0) socket.on('data', count)
      socket.resume()
      await ended
      return bytesReceived
    },
  }
}

/** One final binary frame, masked with a random key as RFC 6455 requires of clients. */
function maskedBinaryFrame(payload: Uint8Array): Buffer {
  const length = payload.byteLength
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8
  const frame = Buffer.alloc(2 + lengthBytes + 4 + length)
  frame[0] = 0x82
  if (lengthBytes === 0) frame[1] = 0x80 | length
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 0x80 | 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  const maskAt = 2 + lengthBytes
  const mask = randomBytes(4)
  mask.copy(frame, maskAt)
  for (let i = 0; i < length; i++) frame[maskAt + 4 + i] = payload[i]! ^ mask[i & 3]!
  return frame
}
