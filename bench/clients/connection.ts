/**
 * The one seam between workloads and servers. Every workload is written
 * against `Connect`; each server family supplies a thin adapter (the
 * y-websocket provider for Colist and the reference server, the Hocuspocus
 * provider for Hocuspocus), so the workload code above it is identical.
 */
import { randomUUID } from 'node:crypto'
import { WebSocket } from 'ws'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'

/**
 * The `createdBy` of servers that take no token (the reference): a user id of the same form and size
 * as Colist's (a UUID), so every server stores and sends the same bytes for the same workload. It was
 * "bench" until 2026-12-04: 31 bytes less per item, ~15 % less for a 10,000-item list to load.
 */
export const ANONYMOUS_WRITER = randomUUID()

export interface BenchConnection {
  readonly doc: Y.Doc
  readonly awareness: Awareness
  /** The user this connection writes as (items' `createdBy`: Colist refuses any other). */
  readonly userId: string
  /** Resolves after the provider's first completed sync with the server. */
  readonly whenSynced: Promise<void>
  /** Closes the socket; the doc stays usable (for offline edits). */
  destroy(): void
}

export interface ConnectOptions {
  /** Reuse a doc (e.g. one edited offline); a fresh one otherwise. */
  doc?: Y.Doc
  /** Source address on 127.0.0.0/8, to spread many sockets over more ports. */
  localAddress?: string
  /** Told the size of every message the client sends (bytes on the wire, before framing). */
  onSend?: (bytes: number) => void
}

export type Connect = (docName: string, options?: ConnectOptions) => BenchConnection

/** A device: many lists at once, however the server carries them (one socket each, or one for all). */
export interface DeviceConnection {
  /** One per list, in the order asked for. */
  readonly lists: BenchConnection[]
  /** Closes every list's connection; the docs stay usable. */
  destroy(): void
}

export type ConnectDevice = (docNames: string[], options: { docs: Y.Doc[]; onSend?: (bytes: number) => void }) => DeviceConnection

/** A device as servers without multiplexing see it: a socket per list. */
export function socketPerList(connect: Connect): ConnectDevice {
  return (docNames, { docs, onSend }) => {
    const lists = docNames.map((name, i) => connect(name, { doc: docs[i], onSend }))
    return { lists, destroy: () => lists.forEach((list) => list.destroy()) }
  }
}

/** What the providers call: `new WebSocketPolyfill(url, protocols)`. */
type SocketClass = new (url: string | URL, protocols?: string | string[]) => WebSocket
const boundSocketClasses = new Map<string, SocketClass>()

/**
 * A WebSocket class for the providers' `WebSocketPolyfill` option: `ws`
 * itself, or a subclass that binds to a loopback source address (providers
 * construct the socket with (url, protocols) only, so the address has to
 * travel in the class).
 */
export function socketClassFor(localAddress: string | undefined, onSend?: (bytes: number) => void): SocketClass {
  if (onSend) {
    const base = socketClassFor(localAddress)
    return class extends base {
      override send(data: Parameters<WebSocket['send']>[0], ...rest: unknown[]): void {
        onSend((data as ArrayBufferLike | ArrayBufferView).byteLength ?? 0)
        ;(super.send as (...args: unknown[]) => void)(data, ...rest)
      }
    }
  }
  if (localAddress === undefined) return WebSocket
  if (!localAddress.startsWith('127.')) throw new Error(`refusing non-loopback source address ${localAddress}`)
  const known = boundSocketClasses.get(localAddress)
  if (known) return known
  const bound: SocketClass = class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { localAddress })
    }
  }
  boundSocketClasses.set(localAddress, bound)
  return bound
}

/** Resolves once `isSynced()` holds, re-checked on each `subscribe` callback. */
export function syncedPromise(isSynced: () => boolean, subscribe: (fire: () => void) => () => void): Promise<void> {
  if (isSynced()) return Promise.resolve()
  return new Promise((resolve) => {
    const unsubscribe = subscribe(() => {
      if (!isSynced()) return
      unsubscribe()
      resolve()
    })
  })
}
