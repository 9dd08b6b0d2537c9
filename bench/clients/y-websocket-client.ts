/**
 * Adapter for servers that speak the y-websocket protocol (Colist and the
 * reference server): the unmodified y-websocket `WebsocketProvider`.
 *
 * BroadcastChannel is off: Node has a global one, and providers in one
 * process would otherwise sync with each other without any server, making
 * every figure false.
 */
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { ANONYMOUS_WRITER, socketClassFor, syncedPromise, type BenchConnection, type Connect } from './connection.ts'

// Each provider adds a process 'exit' listener in Node (removed on destroy); the bench holds thousands.
process.setMaxListeners(0)

/**
 * `serverUrl` is the ws:// prefix the room name is appended to; `params`
 * go in the query string (Colist's token).
 */
export function yWebsocketConnect(serverUrl: string, params: Record<string, string> = {}): Connect {
  const userId = params.token === undefined ? ANONYMOUS_WRITER : tokenSubject(params.token)
  return (docName, options = {}) => {
    const doc = options.doc ?? new Y.Doc()
    const provider = new WebsocketProvider(serverUrl, docName, doc, {
      WebSocketPolyfill: socketClassFor(options.localAddress, options.onSend) as unknown as typeof globalThis.WebSocket,
      params,
      disableBc: true,
      maxBackoffTime: 500,
    })
    return providerConnection(provider, userId)
  }
}

/** A y-websocket provider as the workloads see it. */
export function providerConnection(provider: WebsocketProvider, userId: string): BenchConnection {
  const whenSynced = syncedPromise(
    () => provider.synced,
    (fire) => {
      provider.on('sync', fire)
      return () => provider.off('sync', fire)
    },
  )
  return {
    doc: provider.doc,
    userId,
    awareness: provider.awareness,
    whenSynced,
    destroy: () => provider.destroy(),
  }
}

/** The user a Colist token names (its `sub`), whom items written with it must name as `createdBy`. */
export function tokenSubject(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown }
  if (typeof payload.sub !== 'string') throw new Error('bench: the token names no user')
  return payload.sub
}
