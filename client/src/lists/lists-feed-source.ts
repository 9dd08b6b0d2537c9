/**
 * Where the lists page hears the user's lists feed: `Lists` frames of the
 * device socket (shared/device-client.ts), parsed with shared/lists-feed.ts.
 *
 * Interim: until the device sync engine (client/src/sync/device-sync.ts)
 * holds the tab's one DeviceSocket, this module keeps one of its own per
 * user, open while a page listens (reference counted). Moving to the
 * engine's socket changes only `socketFor`.
 */
import type { PublicUser } from '../../../shared/api.ts'
import { DeviceSocket, type WebSocketConstructor } from '../../../shared/device-client.ts'
import { DEVICE_WS_PATH } from '../../../shared/device-protocol.ts'
import { parseListsFeed, type ListsFeedMessage } from '../../../shared/lists-feed.ts'
import { session } from '../auth/session.ts'

export interface ListsFeedListener {
  message: (message: ListsFeedMessage) => void
  /** The feed is live (true) or not (false: it resumes with a fresh snapshot). */
  live: (live: boolean) => void
}

const sockets = new Map<string, { socket: DeviceSocket; users: number }>()

function socketFor(user: PublicUser): { socket: DeviceSocket; release: () => void } {
  let entry = sockets.get(user.id)
  if (!entry) {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${DEVICE_WS_PATH}`
    const token = () => {
      const current = session.getSnapshot()
      return current.status === 'signed-in' && current.auth.user.id === user.id ? current.auth.token : null
    }
    const socket = new DeviceSocket({ url, token, WebSocket: WebSocket as unknown as WebSocketConstructor })
    entry = { socket, users: 0 }
    sockets.set(user.id, entry)
    socket.connect()
  }
  const held = entry
  held.users++
  return {
    socket: held.socket,
    release: () => {
      if (--held.users > 0) return
      sockets.delete(user.id)
      held.socket.destroy()
    },
  }
}

/** Listens to `user`'s lists feed until the returned function is called. */
export function listenToListsFeed(user: PublicUser, listener: ListsFeedListener): () => void {
  const { socket, release } = socketFor(user)
  const onLists = (json: string) => {
    const message = parseListsFeed(json)
    if (message) listener.message(message)
  }
  const onStatus = ({ status }: { status: string }) => {
    if (status !== 'connected') listener.live(false)
  }
  // A socket that reconnects after being offline is told at once (Chromium keeps a dead socket "open").
  const onOnline = () => socket.connect()
  const onOffline = () => listener.live(false)
  socket.on('lists', onLists)
  socket.on('status', onStatus)
  window.addEventListener('online', onOnline)
  window.addEventListener('offline', onOffline)
  return () => {
    socket.off('lists', onLists)
    socket.off('status', onStatus)
    window.removeEventListener('online', onOnline)
    window.removeEventListener('offline', onOffline)
    release()
  }
}
