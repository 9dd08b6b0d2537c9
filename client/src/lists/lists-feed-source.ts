/**
 * Where the lists page hears the user's lists feed: `Lists` frames of the
 * device socket the device sync engine holds (client/src/sync/device-sync.ts,
 * shared/device-client.ts), parsed with shared/lists-feed.ts. The socket
 * otherwise connects only while a list's channel needs it, so listening asks
 * it to stay connected (and again when the network returns: the engine
 * drops it when the browser goes offline).
 */
import type { DeviceSocket } from '../../../shared/device-client.ts'
import { parseListsFeed, type ListsFeedMessage } from '../../../shared/lists-feed.ts'

export interface ListsFeedListener {
  message: (message: ListsFeedMessage) => void
  /** The feed is live (true) or not (false: it resumes with a fresh snapshot). */
  live: (live: boolean) => void
}

/** Listens to the lists feed on `socket` until the returned function is called. */
export function listenToListsFeed(socket: DeviceSocket, listener: ListsFeedListener): () => void {
  const onLists = (json: string) => {
    const message = parseListsFeed(json)
    if (message) listener.message(message)
  }
  const onStatus = ({ status }: { status: string }) => {
    if (status !== 'connected') listener.live(false)
  }
  const onOnline = () => socket.connect()
  const onOffline = () => listener.live(false)
  socket.on('lists', onLists)
  socket.on('status', onStatus)
  window.addEventListener('online', onOnline)
  window.addEventListener('offline', onOffline)
  if (navigator.onLine) socket.connect()
  return () => {
    socket.off('lists', onLists)
    socket.off('status', onStatus)
    window.removeEventListener('online', onOnline)
    window.removeEventListener('offline', onOffline)
  }
}
