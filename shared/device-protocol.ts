/**
 * The device socket (`/ws/device`): one WebSocket per device that carries
 * every list the device syncs, plus the user's live lists feed. Each frame
 * starts with a `DeviceFrame` type. Inside a `Message` frame is exactly the
 * message a per-list socket (`/ws/lists/:id`, shared/protocol.ts) would carry
 * — y-websocket sync and awareness, Colist's Hello/Session/Persisted/
 * WriteRejected — so a list's channel behaves like its own socket, with the
 * same auth, roles, limits, codes and acks. Hocuspocus multiplexes documents
 * over one socket the same way (a document name before each message).
 *
 * A channel's life: the client sends `Open` (list id, mode); the server
 * checks the token's user has a role on the list and joins the list's room,
 * or answers `Closed` with the code the per-list socket would have closed
 * with. From then on `Message` frames flow both ways, and the client speaks
 * the per-list protocol inside them (Hello first, then sync). A channel ends
 * with the client's `Leave`, or the server's `Closed` (revoked 4003, deleted
 * 4004, a refused write 4422…, retryable 45xx), never closing the socket.
 * Socket-wide problems (bad token 4001, malformed frame 4400, rate 4529,
 * restart 4512, capacity 4503) close the socket itself.
 *
 * Lists in `Background` mode exchange document sync only: the server sends
 * them no awareness, so lists a device is not showing cost no presence
 * traffic. `Open` again with another mode switches an open channel.
 *
 * Nothing else in the project hard-codes one of these numbers.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** Where the device socket lives (the token goes in the `token` query parameter, as on a list's socket). */
export const DEVICE_WS_PATH = '/ws/device'

export const DeviceFrame = {
  /** client → server: open (or switch the mode of) a list's channel. */
  Open: 0,
  /** both ways: one per-list protocol message for a list's open channel. */
  Message: 1,
  /** client → server: end a list's channel (the device stops syncing it, or forgets it). */
  Leave: 2,
  /** server → client: a list's channel ended, with the close code its own socket would have had. */
  Closed: 3,
  /** server → client: the user's lists, live (JSON, see `ListsFeed`). */
  Lists: 4,
  /** server → client: one list's activity event, live (JSON, see shared/activity.ts). */
  Activity: 5,
  /** client → server: are you there? Sent when the socket has been quiet (browsers hide WebSocket pings). */
  Ping: 6,
  /** server → client: the answer to `Ping`. */
  Pong: 7,
} as const
export type DeviceFrame = (typeof DeviceFrame)[keyof typeof DeviceFrame]

export const ChannelMode = {
  /** Document sync only: no awareness is sent to this channel. */
  Background: 0,
  /** Document sync and awareness (the list on screen). */
  Foreground: 1,
} as const
export type ChannelMode = (typeof ChannelMode)[keyof typeof ChannelMode]

const LIST_ID = /^[A-Za-z0-9_-]{1,64}$/

/** Whether `listId` is a list id a frame may carry (a frame naming any other is malformed). */
export function isListId(listId: string): boolean {
  return LIST_ID.test(listId)
}

function readListId(dec: decoding.Decoder): string {
  const listId = decoding.readVarString(dec)
  if (!isListId(listId)) throw new Error('malformed list id')
  return listId
}

export type DeviceFrameMessage =
  | { type: typeof DeviceFrame.Open; listId: string; mode: ChannelMode }
  | { type: typeof DeviceFrame.Message; listId: string; message: Uint8Array }
  | { type: typeof DeviceFrame.Leave; listId: string }
  | { type: typeof DeviceFrame.Closed; listId: string; code: number; reason: string }
  | { type: typeof DeviceFrame.Lists; json: string }
  | { type: typeof DeviceFrame.Activity; listId: string; json: string }
  | { type: typeof DeviceFrame.Ping }
  | { type: typeof DeviceFrame.Pong }

export function encodeDeviceFrame(frame: DeviceFrameMessage): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, frame.type)
  switch (frame.type) {
    case DeviceFrame.Open:
      encoding.writeVarString(enc, frame.listId)
      encoding.writeVarUint(enc, frame.mode)
      break
    case DeviceFrame.Message:
      encoding.writeVarString(enc, frame.listId)
      encoding.writeVarUint8Array(enc, frame.message)
      break
    case DeviceFrame.Leave:
      encoding.writeVarString(enc, frame.listId)
      break
    case DeviceFrame.Closed:
      encoding.writeVarString(enc, frame.listId)
      encoding.writeVarUint(enc, frame.code)
      encoding.writeVarString(enc, frame.reason)
      break
    case DeviceFrame.Lists:
      encoding.writeVarString(enc, frame.json)
      break
    case DeviceFrame.Activity:
      encoding.writeVarString(enc, frame.listId)
      encoding.writeVarString(enc, frame.json)
      break
    case DeviceFrame.Ping:
    case DeviceFrame.Pong:
      break
  }
  return encoding.toUint8Array(enc)
}

/** Decodes one frame from untrusted bytes; throws on anything malformed (unknown type, bad id, trailing bytes). */
export function decodeDeviceFrame(bytes: Uint8Array): DeviceFrameMessage {
  const dec = decoding.createDecoder(bytes)
  const type = decoding.readVarUint(dec)
  let frame: DeviceFrameMessage
  switch (type) {
    case DeviceFrame.Open: {
      const listId = readListId(dec)
      const mode = decoding.readVarUint(dec)
      if (mode !== ChannelMode.Background && mode !== ChannelMode.Foreground) throw new Error(`unknown channel mode ${mode}`)
      frame = { type, listId, mode }
      break
    }
    case DeviceFrame.Message:
      frame = { type, listId: readListId(dec), message: decoding.readVarUint8Array(dec) }
      break
    case DeviceFrame.Leave:
      frame = { type, listId: readListId(dec) }
      break
    case DeviceFrame.Closed:
      frame = { type, listId: readListId(dec), code: decoding.readVarUint(dec), reason: decoding.readVarString(dec) }
      break
    case DeviceFrame.Lists:
      frame = { type, json: decoding.readVarString(dec) }
      break
    case DeviceFrame.Activity:
      frame = { type, listId: readListId(dec), json: decoding.readVarString(dec) }
      break
    case DeviceFrame.Ping:
    case DeviceFrame.Pong:
      frame = { type }
      break
    default:
      throw new Error(`unknown device frame type ${type}`)
  }
  if (decoding.hasContent(dec)) throw new Error('trailing bytes after a device frame')
  return frame
}
