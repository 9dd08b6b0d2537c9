/**
 * Adapter for Hocuspocus, whose protocol prefixes every message with the
 * document name and so needs its own provider. One provider on its own
 * socket per client, as with the y-websocket adapter (the socket is made
 * explicitly only because that is where the WebSocket class is passed).
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import * as Y from 'yjs'
import { ANONYMOUS_WRITER, socketClassFor, syncedPromise, type Connect } from '../clients/connection.ts'

export function hocuspocusConnect(serverUrl: string): Connect {
  return (docName, options = {}) => {
    const doc = options.doc ?? new Y.Doc()
    const socket = new HocuspocusProviderWebsocket({ url: serverUrl, WebSocketPolyfill: socketClassFor(options.localAddress, options.onSend) })
    const provider = new HocuspocusProvider({ websocketProvider: socket, name: docName, document: doc })
    provider.attach()
    const whenSynced = syncedPromise(
      () => provider.isSynced,
      (fire) => {
        provider.on('synced', fire)
        return () => provider.off('synced', fire)
      },
    )
    return {
      doc,
      userId: ANONYMOUS_WRITER,
      awareness: provider.awareness!,
      whenSynced,
      destroy: () => {
        provider.destroy()
        socket.destroy()
      },
    }
  }
}
