/**
 * The client half of Colist's own messages, attached to an unmodified
 * y-websocket `WebsocketProvider`. It says Hello on every connect, then keeps
 * what the server tells it: this connection's role and user, and which
 * clocks are durably stored, from which "Syncing… / All changes saved"
 * follows. Used by the web client and by the tests.
 */
import type * as decoding from 'lib0/decoding'
import type * as encoding from 'lib0/encoding'
import { ObservableV2 } from 'lib0/observable'
import type { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import {
  MessageType,
  PROTOCOL_VERSION,
  decodePersisted,
  decodeConnectionInfo,
  decodeWriteRejected,
  encodeHello,
  isRetryableClose,
  mergePersisted,
  type PersistedClocks,
  type ConnectionInfoMessage,
  type WriteRejectedMessage,
} from './protocol.ts'
import { clocksOf } from './clocks.ts'

type Handler = (encoder: encoding.Encoder, decoder: decoding.Decoder, provider: WebsocketProvider, emitSynced: boolean, messageType: number) => void

export interface ServerMessagesEvents {
  /** Role, user or durable clocks changed. */
  change: () => void
  /**
   * The server refused a write of ours: which rule it broke (`WriteRule`), the
   * close code that follows (none for `read-only`: we are a viewer) and why.
   */
  'write-rejected': (rejection: WriteRejectedMessage) => void
}

export class ServerMessages extends ObservableV2<ServerMessagesEvents> {
  info: ConnectionInfoMessage | null = null
  /** Merged durable clocks the server reported. */
  readonly persisted: PersistedClocks = new Map()

  constructor(readonly provider: WebsocketProvider) {
    super()
    const handlers = provider.messageHandlers as Handler[]
    handlers[MessageType.ConnectionInfo] = (_enc, dec) => {
      this.info = decodeConnectionInfo(dec)
      this.emit('change', [])
    }
    handlers[MessageType.Persisted] = (_enc, dec) => {
      if (mergePersisted(this.persisted, decodePersisted(dec))) this.emit('change', [])
    }
    handlers[MessageType.WriteRejected] = (_enc, dec) => {
      this.emit('write-rejected', [decodeWriteRejected(dec)])
    }
    // Stop retrying on codes the server marks final (the provider's own default only knows 44xx).
    provider.shouldReconnect = (event) => isRetryableClose(event.code)
    provider.on('status', this.onStatus)
    if (provider.wsconnected) this.sayHello()
  }

  private readonly onStatus = ({ status }: { status: string }): void => {
    // 'connected' is emitted before the provider sends sync step 1, so Hello arrives first.
    if (status === 'connected') this.sayHello()
  }

  private sayHello(): void {
    this.provider.ws?.send(encodeHello({ protocolVersion: PROTOCOL_VERSION }) as Uint8Array<ArrayBuffer>)
  }

  /** clientIDs with local changes the server has not yet stored durably. */
  unsavedClients(doc: Y.Doc = this.provider.doc): number[] {
    const unsaved: number[] = []
    for (const [clientId, clock] of clocksOf(doc)) {
      if (clock > (this.persisted.get(clientId) ?? 0)) unsaved.push(clientId)
    }
    return unsaved
  }

  /** Whether everything in `doc` is durably stored on the server. */
  isSaved(doc: Y.Doc = this.provider.doc): boolean {
    return this.unsavedClients(doc).length === 0
  }

  override destroy(): void {
    this.provider.off('status', this.onStatus)
    super.destroy()
  }
}
