import { randomFillSync } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { FrameAssembler } from './FrameAssembler.ts'
import { FramedChannel } from './FramedChannel.ts'
import { MAX_FRAME_BYTES, planFrames, type DecodedMessage } from './frameCodec.ts'
import { ReceiveBudget } from './ReceiveBudget.ts'

const KiB = 1024
const MiB = 1024 * KiB

/** Enough of RTCDataChannel for FramedChannel: buffers sent bytes until `drain` puts them on the wire. */
class FakeDataChannel extends EventTarget {
  readyState: RTCDataChannelState = 'open'
  binaryType: BinaryType = 'blob'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  maxBufferedAmount = 0
  closeCalls = 0
  readonly sent: Uint8Array[] = []
  #wire: Uint8Array[] = []
  peer: FakeDataChannel | undefined

  send(data: Uint8Array): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError: channel is not open')
    // A real channel copies synchronously, so the caller may reuse its buffer.
    const copy = data.slice()
    this.sent.push(copy)
    this.#wire.push(copy)
    this.bufferedAmount += copy.length
    this.maxBufferedAmount = Math.max(this.maxBufferedAmount, this.bufferedAmount)
  }

  /** Moves every buffered frame to the peer and fires bufferedamountlow as Chromium does. */
  drain(): void {
    const wasAbove = this.bufferedAmount > this.bufferedAmountLowThreshold
    for (const frame of this.#wire.splice(0)) this.peer?.receive(frame.buffer as ArrayBuffer)
    this.bufferedAmount = 0
    if (wasAbove) this.dispatchEvent(new Event('bufferedamountlow'))
  }

  receive(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }))
  }

  open(): void {
    this.readyState = 'open'
    this.dispatchEvent(new Event('open'))
  }

  close(): void {
    this.closeCalls++
    if (this.readyState === 'closed') return
    this.readyState = 'closing'
    queueMicrotask(() => this.remoteClose())
  }

  remoteClose(): void {
    this.readyState = 'closed'
    this.dispatchEvent(new Event('close'))
  }
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  randomFillSync(bytes)
  return bytes
}

/** Byte comparison in native code: vitest's deep equality walks big arrays element by element. */
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array | undefined): void {
  expect(actual && expected && Buffer.compare(actual, expected)).toBe(0)
}

function asChannel(fake: FakeDataChannel): RTCDataChannel {
  return fake as unknown as RTCDataChannel
}

function decodeAll(frames: Uint8Array[]): DecodedMessage[] {
  const receiver = new FrameAssembler({ maxMessageBytes: 64 * MiB, maxFrameBytes: MAX_FRAME_BYTES })
  return frames.flatMap((frame) => receiver.push(frame) ?? [])
}

describe('FramedChannel', () => {
  it('configures the channel for binary frames and event-driven backpressure', () => {
    const fake = new FakeDataChannel()
    new FramedChannel(asChannel(fake), { lowWaterMark: 100 * KiB })
    expect(fake.binaryType).toBe('arraybuffer')
    expect(fake.bufferedAmountLowThreshold).toBe(100 * KiB)
  })

  it('stops at the high-water mark, resumes on bufferedamountlow, never interleaves messages', async () => {
    const fake = new FakeDataChannel()
    const framed = new FramedChannel(asChannel(fake))
    const bodies = [randomBytes(3 * MiB), randomBytes(10), randomBytes(2 * MiB + 1)]
    const resolved: { index: number; framesSent: number }[] = []
    const sends = bodies.map((body, index) =>
      framed
        .send({ index }, body)
        .then(() => resolved.push({ index, framesSent: fake.sent.length })),
    )

    // 1 MiB high-water mark / 256 KiB frames: exactly four frames go out before it waits.
    expect(fake.sent).toHaveLength(4)
    await Promise.resolve()
    expect(resolved).toEqual([])

    while (resolved.length < bodies.length) {
      fake.drain()
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    await Promise.all(sends)

    expect(fake.maxBufferedAmount).toBeLessThan(MiB + MAX_FRAME_BYTES)
    expect(fake.sent.every((frame) => frame.length <= MAX_FRAME_BYTES)).toBe(true)
    expect(resolved.map(({ index }) => index)).toEqual([0, 1, 2])
    const messages = decodeAll(fake.sent)
    expect(messages.map(({ header }) => header)).toEqual([{ index: 0 }, { index: 1 }, { index: 2 }])
    messages.forEach(({ body }, index) => expectSameBytes(body, bodies[index]))
    // A promise settles only once its last frame is handed over (the count is read a microtask
    // later, when frames of the next message may already be out).
    const completeIn = (count: number) => decodeAll(fake.sent.slice(0, count)).length
    for (const { index, framesSent } of resolved) {
      expect(completeIn(framesSent)).toBeGreaterThan(index)
    }
  })

  it('waits for a connecting channel to open', async () => {
    const fake = new FakeDataChannel()
    fake.readyState = 'connecting'
    const framed = new FramedChannel(asChannel(fake))
    const sent = framed.send({ type: 'hello' })
    expect(fake.sent).toHaveLength(0)
    fake.open()
    await sent
    expect(decodeAll(fake.sent)).toEqual([{ header: { type: 'hello' }, body: new Uint8Array(0) }])
  })

  it('uses smaller frames when the remote SCTP limit is smaller', async () => {
    const fake = new FakeDataChannel()
    const framed = new FramedChannel(asChannel(fake), {
      peerConnection: { sctp: { maxMessageSize: 64 * KiB } },
    })
    const body = randomBytes(200 * KiB)
    await framed.send({}, body)
    expect(fake.sent).toHaveLength(4)
    expect(Math.max(...fake.sent.map((frame) => frame.length))).toBe(64 * KiB)
    expectSameBytes(decodeAll(fake.sent)[0]?.body, body)
  })

  it('delivers messages between two channels', async () => {
    const a = new FakeDataChannel()
    const b = new FakeDataChannel()
    a.peer = b
    const sender = new FramedChannel(asChannel(a))
    const receiver = new FramedChannel(asChannel(b))
    const received: DecodedMessage[] = []
    receiver.onMessage((message) => received.push(message))
    const bodies = [
      new Uint8Array(0),
      randomBytes(1),
      randomBytes(MAX_FRAME_BYTES),
      randomBytes(MiB),
    ]
    const sends = bodies.map((body, index) => sender.send({ index }, body))
    while (received.length < bodies.length) {
      a.drain()
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    await Promise.all(sends)
    expect(received.map(({ header }) => header)).toEqual(bodies.map((_, index) => ({ index })))
    received.forEach(({ body }, index) => expectSameBytes(body, bodies[index]))
  })

  it('refuses to send a message above maxMessageBytes without spending a sequence number', async () => {
    const fake = new FakeDataChannel()
    const framed = new FramedChannel(asChannel(fake), { maxMessageBytes: 1000 })
    await expect(framed.send({}, new Uint8Array(1000))).rejects.toMatchObject({
      code: 'p2p/message-too-large',
    })
    await framed.send({ ok: true }, new Uint8Array(10))
    expect(decodeAll(fake.sent)).toEqual([{ header: { ok: true }, body: new Uint8Array(10) }])
  })

  it.each([
    ['a string', 'hello', 'p2p/non-binary-frame'],
    ['a frame of another version', new Uint8Array(12).fill(9).buffer, 'p2p/unsupported-version'],
    ['a short frame', new ArrayBuffer(3), 'p2p/frame-too-short'],
  ])('reports %s, closes the channel and fails pending sends', async (_, garbage, code) => {
    const fake = new FakeDataChannel()
    const framed = new FramedChannel(asChannel(fake))
    const onProtocolError = vi.fn()
    const onClose = vi.fn()
    const onMessage = vi.fn()
    framed.onProtocolError(onProtocolError)
    framed.onClose(onClose)
    framed.onMessage(onMessage)
    const pending = framed.send({}, new Uint8Array(2 * MiB))

    expect(() => fake.receive(garbage)).not.toThrow()
    expect(onProtocolError).toHaveBeenCalledOnce()
    expect(onProtocolError.mock.calls[0]?.[0]).toMatchObject({ code })
    expect(fake.closeCalls).toBe(1)
    expect(onClose).toHaveBeenCalledOnce()
    await expect(pending).rejects.toMatchObject({ code: 'p2p/channel-closed' })
    await expect(framed.send({})).rejects.toMatchObject({ code: 'p2p/channel-closed' })

    // Anything after the error is ignored, not decoded and not reported again.
    fake.receive('more')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(onProtocolError).toHaveBeenCalledOnce()
    expect(onClose).toHaveBeenCalledOnce()
    expect(onMessage).not.toHaveBeenCalled()
  })

  it('rejects queued sends when the peer closes the channel', async () => {
    const fake = new FakeDataChannel()
    const framed = new FramedChannel(asChannel(fake))
    const onClose = vi.fn()
    framed.onClose(onClose)
    const first = framed.send({}, new Uint8Array(2 * MiB))
    const second = framed.send({}, new Uint8Array(10))
    fake.remoteClose()
    await expect(first).rejects.toMatchObject({ code: 'p2p/channel-closed' })
    await expect(second).rejects.toMatchObject({ code: 'p2p/channel-closed' })
    expect(onClose).toHaveBeenCalledOnce()
  })

  it('close() closes the channel and rejects what is still queued', async () => {
    const fake = new FakeDataChannel()
    const framed = new FramedChannel(asChannel(fake))
    const pending = framed.send({}, new Uint8Array(2 * MiB))
    framed.close()
    expect(fake.closeCalls).toBe(1)
    await expect(pending).rejects.toMatchObject({ code: 'p2p/channel-closed' })
  })

  it('leaves other listeners on the channel alone', () => {
    const fake = new FakeDataChannel()
    const other = vi.fn()
    fake.addEventListener('message', other)
    new FramedChannel(asChannel(fake))
    fake.receive(new ArrayBuffer(3))
    expect(other).toHaveBeenCalledOnce()
  })
})

describe('FramedChannel receive limits', () => {
  /** Every frame of a message of `bodyBytes`, as a peer would put them on the wire. */
  function wireFrames(bodyBytes: number, seq = 0): { total: number; frames: ArrayBuffer[] } {
    const plan = planFrames({
      seq,
      header: { type: 'result' },
      body: randomBytes(bodyBytes),
      maxFrameBytes: MAX_FRAME_BYTES,
    })
    const frames = Array.from({ length: plan.frameCount }, (_, i) => plan.encodeFrame(i).buffer)
    return { total: plan.messageBytes, frames }
  }

  /** One of the host's links: a channel, what it delivered and how it failed. */
  function link(options: ConstructorParameters<typeof FramedChannel>[1]) {
    const fake = new FakeDataChannel()
    const framed = new FramedChannel(asChannel(fake), options)
    const received: DecodedMessage[] = []
    const errors: unknown[] = []
    framed.onMessage((message) => received.push(message))
    framed.onProtocolError((error) => errors.push(error))
    return { fake, framed, received, errors }
  }

  it('shares a budget among twelve links: those past it are refused and closed, and what completes or closes frees room', () => {
    const message = wireFrames(MiB)
    const receiveBudget = new ReceiveBudget(4 * message.total)
    const links = Array.from({ length: 12 }, () =>
      link({ maxReceiveBytes: 2 * MiB, receiveBudget }),
    )
    // Each peer declares a large message and sends only its first frame, as a slow upload would.
    for (const { fake } of links) fake.receive(message.frames[0])

    const held = links.slice(0, 4)
    const refused = links.slice(4)
    expect(held.every(({ errors, fake }) => errors.length === 0 && fake.closeCalls === 0)).toBe(
      true,
    )
    for (const { errors, fake } of refused) {
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ code: 'p2p/receive-budget' })
      expect((errors[0] as Error).message).toContain(`${message.total} bytes`)
      expect((errors[0] as Error).message).toContain('0 bytes are left')
      expect(fake.closeCalls).toBe(1)
    }
    expect(receiveBudget.heldBytes).toBe(4 * message.total)

    // A message that completes gives its bytes back: the next one fits.
    const [done, closedByPeer, closedHere, broken] = held as [
      ReturnType<typeof link>,
      ReturnType<typeof link>,
      ReturnType<typeof link>,
      ReturnType<typeof link>,
    ]
    for (const frame of message.frames.slice(1)) done.fake.receive(frame)
    expect(done.received).toHaveLength(1)
    expect(done.received[0]?.body.length).toBe(MiB)
    expect(receiveBudget.heldBytes).toBe(3 * message.total)
    const next = wireFrames(MiB, 1)
    done.fake.receive(next.frames[0])
    expect(done.errors).toEqual([])
    expect(receiveBudget.heldBytes).toBe(4 * message.total)

    // So does a link that closes mid-message, whichever side closes it, or breaks the protocol.
    closedByPeer.fake.remoteClose()
    expect(receiveBudget.heldBytes).toBe(3 * message.total)
    closedHere.framed.close()
    expect(receiveBudget.heldBytes).toBe(2 * message.total)
    broken.fake.receive('not a frame')
    expect(broken.errors[0]).toMatchObject({ code: 'p2p/non-binary-frame' })
    expect(receiveBudget.heldBytes).toBe(message.total)

    // Three new links' messages fit in what those gave back, and arrive whole.
    const newcomers = Array.from({ length: 3 }, () =>
      link({ maxReceiveBytes: 2 * MiB, receiveBudget }),
    )
    for (const { fake } of newcomers) fake.receive(message.frames[0])
    expect(receiveBudget.availableBytes).toBe(0)
    for (const { fake, errors, received } of newcomers) {
      for (const frame of message.frames.slice(1)) fake.receive(frame)
      expect(errors).toEqual([])
      expect(received).toHaveLength(1)
    }
    for (const frame of next.frames.slice(1)) done.fake.receive(frame)
    expect(done.received).toHaveLength(2)
    expect(receiveBudget.heldBytes).toBe(0)
  })

  it('accepts one-frame messages on any number of links with the budget spent', () => {
    const receiveBudget = new ReceiveBudget(0)
    const small = wireFrames(1000)
    expect(small.frames).toHaveLength(1)
    for (let i = 0; i < 12; i++) {
      const { fake, received, errors } = link({ receiveBudget })
      fake.receive(small.frames[0])
      expect(errors).toEqual([])
      expect(received).toHaveLength(1)
    }
  })

  it('refuses a message above maxReceiveBytes at its first frame, but sends up to maxMessageBytes', async () => {
    const { fake, framed, errors } = link({ maxReceiveBytes: 64 * KiB })
    const body = randomBytes(512 * KiB)
    await framed.send({}, body)
    expectSameBytes(decodeAll(fake.sent)[0]?.body, body)
    fake.receive(wireFrames(64 * KiB).frames[0])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ code: 'p2p/message-too-large' })
    expect((errors[0] as Error).message).toContain(`limit of ${64 * KiB} bytes`)
    expect(fake.closeCalls).toBe(1)
  })
})
