import { FrameAssembler } from './FrameAssembler.ts'
import { ChannelClosedError, MessageTooLargeError, NonBinaryFrameError } from './errors.ts'
import { MAX_FRAME_BYTES, planFrames, type DecodedMessage, type FramePlan } from './frameCodec.ts'
import type { ReceiveBudget } from './ReceiveBudget.ts'

export type FramedChannelOptions = {
  /**
   * Largest message sent to the peer, and accepted from it unless `maxReceiveBytes` says
   * otherwise (default 64 MiB).
   */
  maxMessageBytes?: number | undefined
  /**
   * Largest message accepted from the peer (default `maxMessageBytes`). Apart from the sending
   * limit because a job host sends large unit inputs and kernels but expects only its job's
   * outputs back, and should hold no more than that for a peer.
   */
  maxReceiveBytes?: number | undefined
  /**
   * Shared by several channels: the bytes their unfinished incoming messages may hold together
   * (default none). A message that would not fit is a protocol error, `p2p/receive-budget`.
   */
  receiveBudget?: ReceiveBudget | undefined
  /** Stop writing while the channel buffers at least this many bytes (default 1 MiB). */
  highWaterMark?: number | undefined
  /** Resume writing when the buffer drains to this (default 256 KiB). */
  lowWaterMark?: number | undefined
  /** The channel's connection, read for `sctp.maxMessageSize` (a data channel cannot reach it). */
  peerConnection?: { readonly sctp: { readonly maxMessageSize: number } | null } | undefined
}

type Outgoing = {
  plan: FramePlan
  next: number
  resolve: () => void
  reject: (error: unknown) => void
}

const MiB = 1024 * 1024

/**
 * Our binary framing over a raw RTCDataChannel: whole messages of `header (JSON) + body (bytes)`
 * in frames of up to 256 KiB, with backpressure driven by `bufferedamountlow` instead of polling.
 * Listens with addEventListener so PeerJS's own `onmessage` on the same channel keeps working.
 * Nothing here needs the DOM, so it runs in a worker too.
 *
 * @example
 * const framed = new FramedChannel(connection.dataChannel, { peerConnection: connection.peerConnection })
 * framed.onMessage(({ header, body }) => handle(schema.parse(header), body))
 * await framed.send({ type: 'unit', id: 7 }, bytes)
 */
export class FramedChannel {
  readonly #channel: RTCDataChannel
  readonly #maxMessageBytes: number
  readonly #highWaterMark: number
  readonly #peerConnection: FramedChannelOptions['peerConnection']
  readonly #assembler: FrameAssembler
  readonly #queue: Outgoing[] = []
  readonly #messageHandlers = new Set<(message: DecodedMessage) => void>()
  readonly #errorHandlers = new Set<(error: unknown) => void>()
  readonly #closeHandlers = new Set<() => void>()
  #sendSeq = 0
  #closed = false
  /**
   * Every outgoing frame is built here. send() copies the bytes before it returns (Chromium,
   * Firefox and WebKit all do), and allocating a fresh 256 KiB buffer per frame cost about 100
   * times the copy itself on our VMs (page faults on each new mapping).
   */
  readonly #scratch = new Uint8Array(MAX_FRAME_BYTES)

  constructor(channel: RTCDataChannel, options: FramedChannelOptions = {}) {
    const {
      maxMessageBytes = 64 * MiB,
      maxReceiveBytes = maxMessageBytes,
      highWaterMark = MiB,
      lowWaterMark = 256 * 1024,
      peerConnection,
      receiveBudget,
    } = options
    if (!(lowWaterMark >= 0 && lowWaterMark < highWaterMark)) {
      throw new RangeError('lowWaterMark must be at least 0 and below highWaterMark.')
    }
    this.#channel = channel
    this.#maxMessageBytes = maxMessageBytes
    this.#highWaterMark = highWaterMark
    this.#peerConnection = peerConnection
    this.#assembler = new FrameAssembler({
      maxMessageBytes: maxReceiveBytes,
      maxFrameBytes: MAX_FRAME_BYTES,
      receiveBudget,
    })
    channel.binaryType = 'arraybuffer'
    channel.bufferedAmountLowThreshold = lowWaterMark
    channel.addEventListener('message', this.#onChannelMessage)
    channel.addEventListener('open', this.#pump)
    channel.addEventListener('bufferedamountlow', this.#pump)
    channel.addEventListener('close', this.#onChannelClose)
    if (channel.readyState === 'closing' || channel.readyState === 'closed') this.#shutDown()
  }

  /**
   * Queues a message; resolves once all its frames are handed to the channel. Messages of
   * concurrent calls go out whole, in call order.
   */
  send(header: object, body?: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ChannelClosedError())
    let plan: FramePlan
    try {
      plan = planFrames({ seq: this.#sendSeq, header, body, maxFrameBytes: this.#frameBytes() })
      // The peer applies the same limit and would disconnect us: fail here, with the reason.
      if (plan.messageBytes > this.#maxMessageBytes) {
        throw new MessageTooLargeError({ size: plan.messageBytes, limit: this.#maxMessageBytes })
      }
    } catch (error) {
      return Promise.reject(error)
    }
    this.#sendSeq = (this.#sendSeq + 1) >>> 0
    return new Promise((resolve, reject) => {
      this.#queue.push({ plan, next: 0, resolve, reject })
      if (this.#queue.length === 1) this.#pump()
    })
  }

  /** Registers a handler for each complete message; returns a function that removes it. */
  onMessage(handler: (message: DecodedMessage) => void): () => void {
    this.#messageHandlers.add(handler)
    return () => this.#messageHandlers.delete(handler)
  }

  /** Called once if the peer breaks the protocol; the channel is closed right after. */
  onProtocolError(handler: (error: unknown) => void): () => void {
    this.#errorHandlers.add(handler)
    return () => this.#errorHandlers.delete(handler)
  }

  onClose(handler: () => void): () => void {
    this.#closeHandlers.add(handler)
    return () => this.#closeHandlers.delete(handler)
  }

  close(): void {
    this.#channel.close()
    this.#shutDown()
  }

  #frameBytes(): number {
    const remoteLimit = this.#peerConnection?.sctp?.maxMessageSize ?? 0
    return remoteLimit > 0 ? Math.min(remoteLimit, MAX_FRAME_BYTES) : MAX_FRAME_BYTES
  }

  // Arrow properties: stable identities for add/removeEventListener.
  #pump = (): void => {
    if (this.#closed || this.#channel.readyState !== 'open') return
    const channel = this.#channel
    let message: Outgoing | undefined
    while ((message = this.#queue[0])) {
      const { plan } = message
      while (message.next < plan.frameCount) {
        // Re-read per frame: send() raises bufferedAmount synchronously, the drain lowers it in
        // a later task that also fires bufferedamountlow, which calls us again.
        if (channel.bufferedAmount >= this.#highWaterMark) return
        try {
          channel.send(plan.encodeFrame(message.next, this.#scratch))
        } catch (cause) {
          this.#shutDown(cause)
          return
        }
        message.next++
      }
      this.#queue.shift()
      message.resolve()
    }
  }

  #onChannelMessage = (event: Event): void => {
    if (this.#closed) return
    const { data } = event as MessageEvent<unknown>
    let message: DecodedMessage | undefined
    try {
      if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
        const frame = data instanceof ArrayBuffer ? data : toBytes(data)
        message = this.#assembler.push(frame)
      } else {
        throw new NonBinaryFrameError({ received: describe(data) })
      }
    } catch (error) {
      this.#protocolError(error)
      return
    }
    if (message) for (const handler of this.#messageHandlers) handler(message)
  }

  #onChannelClose = (): void => {
    this.#shutDown()
  }

  #protocolError(error: unknown): void {
    for (const handler of this.#errorHandlers) handler(error)
    this.#channel.close()
    this.#shutDown(error)
  }

  #shutDown(cause?: unknown): void {
    if (this.#closed) return
    this.#closed = true
    const channel = this.#channel
    channel.removeEventListener('message', this.#onChannelMessage)
    channel.removeEventListener('open', this.#pump)
    channel.removeEventListener('bufferedamountlow', this.#pump)
    channel.removeEventListener('close', this.#onChannelClose)
    // A message cut off by the close will never complete: its reservation goes back to the budget.
    this.#assembler.discard()
    const error = new ChannelClosedError(cause === undefined ? {} : { cause })
    for (const message of this.#queue.splice(0)) message.reject(error)
    for (const handler of this.#closeHandlers) handler()
  }
}

function toBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
}

function describe(data: unknown): string {
  if (typeof data === 'string') return `a string of ${data.length} characters`
  return `a ${Object.prototype.toString.call(data).slice(8, -1)}`
}
