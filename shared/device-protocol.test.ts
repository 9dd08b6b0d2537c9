import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { ChannelMode, DeviceFrame, decodeDeviceFrame, encodeDeviceFrame, type DeviceFrameMessage } from './device-protocol.ts'

describe('device frames', () => {
  const frames: DeviceFrameMessage[] = [
    { type: DeviceFrame.Open, listId: 'list_1-A', mode: ChannelMode.Background },
    { type: DeviceFrame.Open, listId: 'l', mode: ChannelMode.Foreground },
    { type: DeviceFrame.Message, listId: 'abc', message: new Uint8Array([0, 0, 1, 0]) },
    { type: DeviceFrame.Message, listId: 'abc', message: new Uint8Array() },
    { type: DeviceFrame.Leave, listId: 'x'.repeat(64) },
    { type: DeviceFrame.Closed, listId: 'abc', code: 4003, reason: 'no access to this list' },
    { type: DeviceFrame.Lists, json: '{"lists":[]}' },
    { type: DeviceFrame.Activity, listId: 'abc', json: '{"kind":"item_checked"}' },
    { type: DeviceFrame.Ping },
    { type: DeviceFrame.Pong },
  ]

  it.each(frames.map((frame) => [frame.type, frame] as const))('round-trips type %i', (_type, frame) => {
    expect(decodeDeviceFrame(encodeDeviceFrame(frame))).toEqual(frame)
  })

  const raw = (write: (enc: encoding.Encoder) => void) => {
    const enc = encoding.createEncoder()
    write(enc)
    return encoding.toUint8Array(enc)
  }

  it('refuses malformed frames: unknown type or mode, a bad list id, truncation, trailing bytes', () => {
    expect(() => decodeDeviceFrame(new Uint8Array())).toThrow()
    expect(() => decodeDeviceFrame(raw((e) => encoding.writeVarUint(e, 99)))).toThrow(/unknown device frame/)
    expect(() => decodeDeviceFrame(raw((e) => (encoding.writeVarUint(e, DeviceFrame.Open), encoding.writeVarString(e, 'a'), encoding.writeVarUint(e, 7))))).toThrow(/mode/)
    for (const id of ['', 'a/b', 'a!b', 'x'.repeat(65), '../etc']) {
      expect(() => decodeDeviceFrame(raw((e) => (encoding.writeVarUint(e, DeviceFrame.Leave), encoding.writeVarString(e, id))))).toThrow(/list id/)
    }
    const message = encodeDeviceFrame({ type: DeviceFrame.Message, listId: 'abc', message: new Uint8Array([1, 2, 3]) })
    expect(() => decodeDeviceFrame(message.subarray(0, message.length - 1))).toThrow()
    expect(() => decodeDeviceFrame(new Uint8Array([...message, 0]))).toThrow(/trailing/)
  })
})
