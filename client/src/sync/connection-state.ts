/** The state of one list's link to the server, as the connection manager reports it. */

/** The list's WebSocket. */
export type SocketPhase =
  /** The browser says there is no network; nothing is attempted until it comes back. */
  | 'offline'
  /** A socket is opening, or open and not yet through its first sync. */
  | 'connecting'
  /**
   * The network is back, and this list (in the background) waits for the device sync engine to
   * give it its turn (`retryNow`) instead of reconnecting by itself.
   */
  | 'queued'
  /** The last attempt failed; the next one is scheduled at `retryAt`. */
  | 'waiting'
  /** Synced: every change flows both ways live. */
  | 'connected'
  /** The server said not to come back (see `stopped`). */
  | 'stopped'

/** HTTP sync, used only while the socket cannot connect but HTTP works. */
export type HttpPhase = 'off' | 'active' | 'failing'

/**
 * auth: no working token; access / deleted: the list is no longer ours; refused: a write was
 * refused (4422, 4423); limit: too many new clientIDs (4424); clock: timestamps too far ahead
 * (4425); outdated: this app is too old for the server (4426, 4427); full: no room for the
 * changes, in the list (4428) or in its owner's storage (4414); presence: the server refused this
 * device's presence and closed the list's connection (4431, 4432); error: anything else final.
 */
export type StopKind = 'auth' | 'access' | 'deleted' | 'refused' | 'limit' | 'clock' | 'outdated' | 'full' | 'presence' | 'error'

export interface StopReason {
  kind: StopKind
  /** The WebSocket close code or HTTP status that stopped us, if any. */
  code: number | null
  message: string
}

export interface ConnectionState {
  socket: SocketPhase
  http: HttpPhase
  /** Failed attempts since the last good connection. */
  attempt: number
  /** When the next socket attempt is due (ms since the epoch), if one is scheduled. */
  retryAt: number | null
  stopped: StopReason | null
  lastClose: { code: number | null; reason: string; at: number } | null
}

export const INITIAL_CONNECTION_STATE: ConnectionState = {
  socket: 'connecting',
  http: 'off',
  attempt: 0,
  retryAt: null,
  stopped: null,
  lastClose: null,
}
