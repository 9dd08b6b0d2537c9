/**
 * A Colist device as the web client runs one: a single device socket
 * (`/ws/device`, shared/device-client.ts) carrying every list, each synced by
 * an unmodified y-websocket provider over its channel (Background mode: no
 * presence, like lists the device is not showing).
 */
import { WebsocketProvider } from 'y-websocket'
import { DeviceSocket, type WebSocketConstructor } from '../../shared/device-client.ts'
import { ChannelMode, DEVICE_WS_PATH } from '../../shared/device-protocol.ts'
import { socketClassFor, type ConnectDevice } from './connection.ts'
import { providerConnection, tokenSubject } from './y-websocket-client.ts'

/** `wsBase` is the server's ws:// origin. */
export function colistDeviceConnect(wsBase: string, token: string): ConnectDevice {
  const userId = tokenSubject(token)
  return (docNames, { docs, onSend }) => {
    const device = new DeviceSocket({
      url: wsBase + DEVICE_WS_PATH,
      token: () => token,
      WebSocket: socketClassFor(undefined, onSend) as unknown as WebSocketConstructor,
      maxBackoffMs: 500,
    })
    const channel = device.channelClass(ChannelMode.Background) as unknown as typeof globalThis.WebSocket
    const lists = docNames.map((name, i) =>
      providerConnection(
        new WebsocketProvider(wsBase + DEVICE_WS_PATH, name, docs[i]!, { WebSocketPolyfill: channel, disableBc: true, maxBackoffTime: 500 }),
        userId,
      ),
    )
    return {
      lists,
      destroy() {
        for (const list of lists) list.destroy()
        device.destroy()
      },
    }
  }
}
