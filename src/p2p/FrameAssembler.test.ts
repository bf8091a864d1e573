import { randomFillSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { FrameAssembler } from './FrameAssembler.ts'
import { ReceiveBudget } from './ReceiveBudget.ts'
import { FRAME_HEADER_BYTES, MESSAGE_PREFIX_BYTES, encodeFrames } from './frameCodec.ts'

const maxFrameBytes = 1024
const payloadBytes = maxFrameBytes - FRAME_HEADER_BYTES
const header = { type: 'unit', id: 3 }
const headerBytes = MESSAGE_PREFIX_BYTES + JSON.stringify(header).length

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  // randomFillSync fills at most 2^31-1 bytes a call, far above what these tests use.
  randomFillSync(bytes)
  return bytes
}

function frameHeader(fields: {
  version?: number
  kind?: number
  reserved?: number
  seq?: number
  totalOrOffset: number
  payload?: number
}): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + (fields.payload ?? 0))
  const view = new DataView(frame.buffer)
  view.setUint8(0, fields.version ?? 1)
  view.setUint8(1, fields.kind ?? 1)
  view.setUint16(2, fields.reserved ?? 0, true)
  view.setUint32(4, fields.seq ?? 0, true)
  view.setUint32(8, fields.totalOrOffset, true)
  return frame
}

function assembler(maxMessageBytes = 64 * 1024 * 1024): FrameAssembler {
  return new FrameAssembler({ maxMessageBytes, maxFrameBytes })
}

describe('FrameAssembler round trip', () => {
  const sizes = {
    empty: 0,
    'one byte': 1,
    'exactly one frame': payloadBytes - headerBytes,
    'one frame minus one byte': payloadBytes - headerBytes - 1,
    'one frame plus one byte': payloadBytes - headerBytes + 1,
    'two frames exactly': 2 * payloadBytes - headerBytes,
    'two frames plus one byte': 2 * payloadBytes - headerBytes + 1,
  }
  it.each(Object.entries(sizes))('%s (%i body bytes)', (_, size) => {
    const body = randomBytes(size)
    const frames = encodeFrames({ seq: 0, header, body, maxFrameBytes })
    const expectedFrames = Math.max(1, Math.ceil((headerBytes + size) / payloadBytes))
    expect(frames).toHaveLength(expectedFrames)
    const receiver = assembler()
    const results = frames.map((frame) => receiver.push(frame))
    expect(results.slice(0, -1).every((result) => result === undefined)).toBe(true)
    expect(results.at(-1)?.header).toEqual(header)
    expect(Buffer.compare(results.at(-1)!.body, body)).toBe(0)
  })

  it('carries several MiB of random bytes in 256 KiB frames, from ArrayBuffers', () => {
    const body = randomBytes(5 * 1024 * 1024 + 12345)
    const frames = encodeFrames({ seq: 0, header, body, maxFrameBytes: 256 * 1024 })
    const receiver = new FrameAssembler({
      maxMessageBytes: 64 * 1024 * 1024,
      maxFrameBytes: 256 * 1024,
    })
    let message
    for (const frame of frames) message = receiver.push(frame.buffer)
    expect(message?.header).toEqual(header)
    expect(Buffer.from(message!.body).equals(Buffer.from(body))).toBe(true)
  })

  it('accepts consecutive messages with increasing sequence numbers', () => {
    const receiver = assembler()
    for (let seq = 0; seq < 5; seq++) {
      const body = randomBytes(seq * 700)
      let message
      for (const frame of encodeFrames({ seq, header: { seq }, body, maxFrameBytes })) {
        message = receiver.push(frame)
      }
      expect(message?.header).toEqual({ seq })
      expect(Buffer.compare(message!.body, body)).toBe(0)
    }
  })
})

describe('FrameAssembler rejects', () => {
  const twoFrameMessage = () =>
    encodeFrames({ seq: 0, header, body: randomBytes(payloadBytes), maxFrameBytes })

  it.each([
    ['a frame shorter than its header', () => [new Uint8Array(11)], 'p2p/frame-too-short'],
    [
      'a frame longer than maxFrameBytes',
      () => [frameHeader({ totalOrOffset: 2000, payload: maxFrameBytes })],
      'p2p/frame-too-large',
    ],
    [
      'another protocol version',
      () => [frameHeader({ version: 2, totalOrOffset: 0 })],
      'p2p/unsupported-version',
    ],
    ['an unknown kind', () => [frameHeader({ kind: 3, totalOrOffset: 0 })], 'p2p/malformed-frame'],
    [
      'non-zero reserved bytes',
      () => [frameHeader({ reserved: 1, totalOrOffset: 0 })],
      'p2p/malformed-frame',
    ],
    [
      'a first frame with an unexpected sequence number',
      () => [frameHeader({ seq: 1, totalOrOffset: 0 })],
      'p2p/malformed-frame',
    ],
    [
      'a continuation with another sequence number',
      () => {
        const [first, second] = twoFrameMessage()
        new DataView(second!.buffer).setUint32(4, 1, true)
        return [first!, second!]
      },
      'p2p/malformed-frame',
    ],
    [
      'a continuation at the wrong offset',
      () => {
        const [first, second] = twoFrameMessage()
        new DataView(second!.buffer).setUint32(8, 5, true)
        return [first!, second!]
      },
      'p2p/malformed-frame',
    ],
    [
      'a total length above maxMessageBytes, on the first frame',
      () => [frameHeader({ totalOrOffset: 0xffff_ffff, payload: 10 })],
      'p2p/message-too-large',
    ],
    [
      'a first frame whose payload overruns the declared total',
      () => [frameHeader({ totalOrOffset: 5, payload: 6 })],
      'p2p/frame-overrun',
    ],
    [
      'a continuation that overruns the declared total',
      () => [
        frameHeader({ totalOrOffset: 20, payload: 10 }),
        frameHeader({ kind: 2, totalOrOffset: 10, payload: 11 }),
      ],
      'p2p/frame-overrun',
    ],
    [
      'a continuation with no message open',
      () => [frameHeader({ kind: 2, totalOrOffset: 0, payload: 1 })],
      'p2p/unexpected-continuation',
    ],
    [
      'a first frame while a message is incomplete',
      () => [
        frameHeader({ totalOrOffset: 20, payload: 10 }),
        frameHeader({ seq: 1, totalOrOffset: 4, payload: 4 }),
      ],
      'p2p/message-incomplete',
    ],
    [
      'a complete message that is not length-prefixed JSON',
      () => [frameHeader({ totalOrOffset: 3, payload: 3 })],
      'p2p/malformed-message',
    ],
  ])('%s', (_, frames, code) => {
    const receiver = assembler(1024 * 1024)
    const all = frames()
    for (const frame of all.slice(0, -1)) expect(receiver.push(frame)).toBeUndefined()
    let error: unknown
    try {
      receiver.push(all.at(-1)!)
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ code })
    expect((error as Error).message).not.toBe('')
    // Out of sync for good: even a valid next message is refused with the same error.
    const next = encodeFrames({ seq: 0, header, maxFrameBytes })[0]!
    expect(() => receiver.push(next)).toThrow(error as Error)
  })
})

describe('FrameAssembler with a receive budget', () => {
  const budgeted = (budget: ReceiveBudget, maxMessageBytes = 64 * 1024) =>
    new FrameAssembler({ maxMessageBytes, maxFrameBytes, receiveBudget: budget })
  /** Frames of a message three frames long, so it needs a buffer. */
  const threeFrames = (seq = 0) =>
    encodeFrames({ seq, header, body: randomBytes(2 * payloadBytes + 1), maxFrameBytes })
  const totalOf = (frames: Uint8Array[]) => new DataView(frames[0]!.buffer).getUint32(8, true)

  it('reserves the declared total at the first frame and releases it when the message completes', () => {
    const budget = new ReceiveBudget(1024 * 1024)
    const receiver = budgeted(budget)
    const frames = threeFrames()
    receiver.push(frames[0]!)
    expect(budget.heldBytes).toBe(totalOf(frames))
    receiver.push(frames[1]!)
    expect(budget.heldBytes).toBe(totalOf(frames))
    expect(receiver.push(frames[2]!)?.header).toEqual(header)
    expect(budget.heldBytes).toBe(0)
  })

  it('decodes a one-frame message without a reservation, even from an exhausted budget', () => {
    const receiver = budgeted(new ReceiveBudget(0))
    const [frame] = encodeFrames({ seq: 0, header, body: randomBytes(100), maxFrameBytes })
    expect(receiver.push(frame!)?.header).toEqual(header)
  })

  it('refuses a first frame whose total does not fit, before buffering it', () => {
    const budget = new ReceiveBudget(1024 * 1024)
    const frames = threeFrames()
    const total = totalOf(frames)
    budget.reserve(budget.limitBytes - total + 1)
    const receiver = budgeted(budget)
    let error: unknown
    try {
      receiver.push(frames[0]!)
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ code: 'p2p/receive-budget' })
    expect((error as Error).message).toContain(`${total} bytes`)
    expect((error as Error).message).toContain(`${total - 1} bytes are left`)
    expect(budget.availableBytes).toBe(total - 1)
    expect(() => receiver.push(frames[1]!)).toThrow(error as Error)
  })

  it('checks its own maxMessageBytes first', () => {
    const budget = new ReceiveBudget(0)
    const receiver = budgeted(budget, 100)
    expect(() => receiver.push(frameHeader({ totalOrOffset: 101, payload: 10 }))).toThrow(
      expect.objectContaining({ code: 'p2p/message-too-large' }),
    )
  })

  it('releases the reservation when the message breaks the protocol', () => {
    const budget = new ReceiveBudget(1024 * 1024)
    const receiver = budgeted(budget)
    const [first, second] = threeFrames()
    new DataView(second!.buffer).setUint32(8, 5, true)
    receiver.push(first!)
    expect(budget.heldBytes).toBeGreaterThan(0)
    expect(() => receiver.push(second!)).toThrow(
      expect.objectContaining({ code: 'p2p/malformed-frame' }),
    )
    expect(budget.heldBytes).toBe(0)
  })

  it('releases the reservation when the message completes malformed', () => {
    const budget = new ReceiveBudget(1024 * 1024)
    const receiver = budgeted(budget)
    receiver.push(frameHeader({ totalOrOffset: 20, payload: 10 }))
    expect(budget.heldBytes).toBe(20)
    expect(() => receiver.push(frameHeader({ kind: 2, totalOrOffset: 10, payload: 10 }))).toThrow(
      expect.objectContaining({ code: 'p2p/malformed-message' }),
    )
    expect(budget.heldBytes).toBe(0)
  })

  it('discard() releases an unfinished message once', () => {
    const budget = new ReceiveBudget(1024 * 1024)
    const receiver = budgeted(budget)
    const other = budget.reserve(7)
    receiver.push(threeFrames()[0]!)
    receiver.discard()
    receiver.discard()
    expect(budget.heldBytes).toBe(7)
    other()
    expect(budget.heldBytes).toBe(0)
  })

  it('lets later messages reuse what earlier ones released', () => {
    const frames = threeFrames()
    const budget = new ReceiveBudget(totalOf(frames))
    const receiver = budgeted(budget)
    for (let seq = 0; seq < 3; seq++) {
      let message
      for (const frame of threeFrames(seq)) message = receiver.push(frame)
      expect(message?.header).toEqual(header)
    }
    expect(budget.heldBytes).toBe(0)
  })
})
