/**
 * A soak participant: an unmodified y-websocket provider with Colist's
 * ServerMessages attached, so the soak can wait for the server's durable
 * acknowledgement before it restarts the server and checks the disk.
 */
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { WS_PATH_PREFIX } from '../../shared/protocol.ts'
import { ServerMessages } from '../../shared/server-messages.ts'
import { socketClassFor } from '../clients/connection.ts'
import { tokenSubject } from '../clients/y-websocket-client.ts'

export interface SoakClient {
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  readonly server: ServerMessages
  /** The user it writes as (the token's). */
  readonly userId: string
  destroy(): void
}

export function connectSoakClient(baseUrl: string, token: string, listId: string, localAddress: string): SoakClient {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(baseUrl.replace(/^http/, 'ws') + WS_PATH_PREFIX, listId, doc, {
    WebSocketPolyfill: socketClassFor(localAddress) as unknown as typeof globalThis.WebSocket,
    params: { token },
    // Node's global BroadcastChannel would sync clients without the server.
    disableBc: true,
    maxBackoffTime: 1000,
  })
  const server = new ServerMessages(provider)
  return {
    doc,
    provider,
    server,
    userId: tokenSubject(token),
    destroy() {
      server.destroy()
      provider.destroy()
      doc.destroy()
    },
  }
}

export function whenSynced(provider: WebsocketProvider): Promise<void> {
  if (provider.synced) return Promise.resolve()
  return new Promise((resolve) => {
    const onSync = (synced: boolean) => {
      if (!synced) return
      provider.off('sync', onSync)
      resolve()
    }
    provider.on('sync', onSync)
  })
}
