import {
  FrameOverrunError,
  FrameTooLargeError,
  FrameTooShortError,
  MalformedFrameError,
  MessageIncompleteError,
  MessageTooLargeError,
  UnexpectedContinuationError,
  UnsupportedVersionError,
} from './errors.ts'
import type { ReceiveBudget, ReleaseReservation } from './ReceiveBudget.ts'
import {
  FRAME_HEADER_BYTES,
  FrameKind,
  PROTOCOL_VERSION,
  decodeMessage,
  readFrameHeader,
  type DecodedMessage,
} from './frameCodec.ts'

export type FrameAssemblerParameters = {
  maxMessageBytes: number
  maxFrameBytes: number
  /** Shared with other assemblers: what their unfinished messages may hold together. */
  receiveBudget?: ReceiveBudget | undefined
}

type OpenMessage = {
  seq: number
  buffer: Uint8Array
  received: number
  release: ReleaseReservation | undefined
}

/**
 * Reassembles messages from the frames of one channel direction. Each check runs before any byte
 * is buffered, so a hostile peer can make us hold at most `maxMessageBytes`, and, with a
 * `receiveBudget`, no more than the budget has left. After the first error it only rethrows that
 * error: the stream is out of sync and the caller disconnects the peer. Call {@link discard} when
 * the channel closes, so an unfinished message gives its reservation back.
 *
 * @example
 * const assembler = new FrameAssembler({ maxMessageBytes: 64 << 20, maxFrameBytes: 256 << 10 })
 * channel.addEventListener('message', (event) => {
 *   const message = assembler.push(event.data)
 *   if (message) handle(message.header, message.body)
 * })
 */
export class FrameAssembler {
  readonly #maxMessageBytes: number
  readonly #maxFrameBytes: number
  readonly #receiveBudget: ReceiveBudget | undefined
  #expectedSeq = 0
  #open: OpenMessage | undefined
  #failure: unknown

  constructor({ maxMessageBytes, maxFrameBytes, receiveBudget }: FrameAssemblerParameters) {
    this.#maxMessageBytes = maxMessageBytes
    this.#maxFrameBytes = maxFrameBytes
    this.#receiveBudget = receiveBudget
  }

  /** Returns the message this frame completes, or undefined while more frames are due. */
  push(frame: ArrayBuffer | Uint8Array): DecodedMessage | undefined {
    if (this.#failure !== undefined) throw this.#failure
    try {
      return this.#push(frame instanceof Uint8Array ? frame : new Uint8Array(frame))
    } catch (error) {
      this.#failure = error
      this.discard()
      throw error
    }
  }

  /** Drops the unfinished message, if any, and gives its bytes back to the receive budget. */
  discard(): void {
    const open = this.#open
    this.#open = undefined
    open?.release?.()
  }

  #push(frame: Uint8Array): DecodedMessage | undefined {
    if (frame.length < FRAME_HEADER_BYTES) {
      throw new FrameTooShortError({ size: frame.length, minimum: FRAME_HEADER_BYTES })
    }
    if (frame.length > this.#maxFrameBytes) {
      throw new FrameTooLargeError({ size: frame.length, limit: this.#maxFrameBytes })
    }
    const { version, kind, reserved, seq, totalOrOffset } = readFrameHeader(frame)
    if (version !== PROTOCOL_VERSION) {
      throw new UnsupportedVersionError({ version, supported: PROTOCOL_VERSION })
    }
    if (reserved !== 0) throw new MalformedFrameError(`Reserved bytes are ${reserved}, not 0.`)
    const payload = frame.subarray(FRAME_HEADER_BYTES)

    if (kind === FrameKind.first) {
      const open = this.#open
      if (open) {
        throw new MessageIncompleteError({
          seq: open.seq,
          received: open.received,
          total: open.buffer.length,
        })
      }
      if (seq !== this.#expectedSeq) {
        throw new MalformedFrameError(`Message sequence ${seq}, expected ${this.#expectedSeq}.`)
      }
      const total = totalOrOffset
      if (total > this.#maxMessageBytes) {
        throw new MessageTooLargeError({ size: total, limit: this.#maxMessageBytes })
      }
      if (payload.length > total) throw new FrameOverrunError({ end: payload.length, total })
      this.#expectedSeq = (seq + 1) >>> 0
      // A message that fits one frame is decoded in place: no buffer, no copy.
      if (payload.length === total) return decodeMessage(payload)
      const release = this.#receiveBudget?.reserve(total)
      let buffer: Uint8Array
      try {
        buffer = new Uint8Array(total)
      } catch (error) {
        // Out of memory: the reservation is not yet in `#open`, where discard() would find it.
        release?.()
        throw error
      }
      buffer.set(payload)
      this.#open = { seq, buffer, received: payload.length, release }
      return undefined
    }

    if (kind === FrameKind.continuation) {
      const open = this.#open
      if (!open) throw new UnexpectedContinuationError({ seq })
      if (seq !== open.seq) {
        throw new MalformedFrameError(`Continuation of message ${seq}, but ${open.seq} is open.`)
      }
      if (totalOrOffset !== open.received) {
        throw new MalformedFrameError(
          `Continuation at offset ${totalOrOffset}, but ${open.received} bytes were received.`,
        )
      }
      const end = open.received + payload.length
      if (end > open.buffer.length) throw new FrameOverrunError({ end, total: open.buffer.length })
      open.buffer.set(payload, open.received)
      open.received = end
      if (end < open.buffer.length) return undefined
      // The budget bounds what unfinished messages hold; a complete one is the handler's to keep.
      this.discard()
      return decodeMessage(open.buffer)
    }

    throw new MalformedFrameError(`Unknown frame kind ${kind}.`)
  }
}
