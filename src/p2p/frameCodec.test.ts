import { describe, expect, it } from 'vitest'
import {
  FRAME_HEADER_BYTES,
  MESSAGE_PREFIX_BYTES,
  PROTOCOL_VERSION,
  decodeMessage,
  encodeFrames,
  planFrames,
  readFrameHeader,
} from './frameCodec.ts'

function concatPayloads(frames: Uint8Array[]): Uint8Array {
  const total = frames.reduce((sum, frame) => sum + frame.length - FRAME_HEADER_BYTES, 0)
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const frame of frames) {
    bytes.set(frame.subarray(FRAME_HEADER_BYTES), offset)
    offset += frame.length - FRAME_HEADER_BYTES
  }
  return bytes
}

function messageBytes(header: object, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const bytes = new Uint8Array(MESSAGE_PREFIX_BYTES + json.length + body.length)
  new DataView(bytes.buffer).setUint32(0, json.length, true)
  bytes.set(json, MESSAGE_PREFIX_BYTES)
  bytes.set(body, MESSAGE_PREFIX_BYTES + json.length)
  return bytes
}

describe('encodeFrames', () => {
  it('writes the 12-byte frame header: version, kind, reserved, seq, total then offsets', () => {
    const body = new Uint8Array(100).map((_, i) => i)
    const frames = encodeFrames({ seq: 7, header: { type: 'x' }, body, maxFrameBytes: 52 })
    const total = MESSAGE_PREFIX_BYTES + '{"type":"x"}'.length + body.length
    expect(frames.length).toBe(Math.ceil(total / 40))
    frames.forEach((frame, index) => {
      expect(frame.length).toBeLessThanOrEqual(52)
      expect(readFrameHeader(frame)).toEqual({
        version: PROTOCOL_VERSION,
        kind: index === 0 ? 1 : 2,
        reserved: 0,
        seq: 7,
        totalOrOffset: index === 0 ? total : index * 40,
      })
    })
    expect(concatPayloads(frames)).toEqual(messageBytes({ type: 'x' }, body))
  })

  it('sends an empty body as one frame holding only the length prefix and JSON', () => {
    const frames = encodeFrames({ seq: 0, header: {}, maxFrameBytes: 1024 })
    expect(frames).toHaveLength(1)
    expect(concatPayloads(frames)).toEqual(messageBytes({}, new Uint8Array(0)))
  })

  it('splits a header longer than one frame across frames', () => {
    const header = { note: 'a'.repeat(200) }
    const body = new Uint8Array([1, 2, 3])
    const frames = encodeFrames({ seq: 1, header, body, maxFrameBytes: 13 + 16 })
    expect(concatPayloads(frames)).toEqual(messageBytes(header, body))
  })

  it('builds the same frames into a reused, dirty buffer', () => {
    const parameters = {
      seq: 3,
      header: { a: 1 },
      body: new Uint8Array(300).fill(7),
      maxFrameBytes: 64,
    }
    const plan = planFrames(parameters)
    const target = new Uint8Array(64).fill(0xff)
    const fresh = encodeFrames(parameters)
    for (let index = 0; index < plan.frameCount; index++) {
      const frame = plan.encodeFrame(index, target)
      expect(frame.buffer).toBe(target.buffer)
      expect(frame).toEqual(fresh[index])
    }
  })

  it('wraps the sequence number at 2^32', () => {
    const [frame] = encodeFrames({ seq: 2 ** 32 - 1, header: {}, maxFrameBytes: 64 })
    expect(readFrameHeader(frame!).seq).toBe(2 ** 32 - 1)
  })

  it('rejects a header that is not a plain object, and frames with no room for payload', () => {
    expect(() => planFrames({ seq: 0, header: [1], maxFrameBytes: 64 })).toThrow(
      expect.objectContaining({ code: 'p2p/malformed-message' }),
    )
    expect(() => planFrames({ seq: 0, header: {}, maxFrameBytes: FRAME_HEADER_BYTES })).toThrow(
      RangeError,
    )
  })
})

describe('decodeMessage', () => {
  it('returns the header and a body view into the same bytes', () => {
    const bytes = messageBytes({ a: 1 }, new Uint8Array([9, 8, 7]))
    const { header, body } = decodeMessage(bytes)
    expect(header).toEqual({ a: 1 })
    expect(body).toEqual(new Uint8Array([9, 8, 7]))
    expect(body.buffer).toBe(bytes.buffer)
  })

  it.each([
    ['shorter than the length prefix', new Uint8Array([1, 0])],
    ['a header length past the end', new Uint8Array([10, 0, 0, 0, 0x7b, 0x7d])],
    ['invalid UTF-8', new Uint8Array([2, 0, 0, 0, 0xff, 0xfe])],
    ['invalid JSON', new Uint8Array([1, 0, 0, 0, 0x7b])],
    ['an array header', messageBytes([], new Uint8Array(0))],
    ['a null header', new Uint8Array([4, 0, 0, 0, 0x6e, 0x75, 0x6c, 0x6c])],
    ['a number header', new Uint8Array([1, 0, 0, 0, 0x31])],
  ])('rejects %s as p2p/malformed-message', (_, bytes) => {
    expect(() => decodeMessage(bytes)).toThrow(
      expect.objectContaining({ code: 'p2p/malformed-message' }),
    )
  })
})
