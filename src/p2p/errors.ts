import { BaseError } from '../errors/BaseError.ts'

/**
 * Errors of the framing layer. Every receive-side error means the peer broke the protocol: the
 * caller disconnects it. The `code` is what callers and tests switch on.
 */

export class MessageTooLargeError extends BaseError {
  override readonly code = 'p2p/message-too-large'
  constructor({ size, limit }: { size: number; limit: number }) {
    super(`Message of ${size} bytes exceeds the limit of ${limit} bytes.`)
  }
}

export class FrameTooLargeError extends BaseError {
  override readonly code = 'p2p/frame-too-large'
  constructor({ size, limit }: { size: number; limit: number }) {
    super(`Frame of ${size} bytes exceeds the limit of ${limit} bytes.`)
  }
}

export class FrameTooShortError extends BaseError {
  override readonly code = 'p2p/frame-too-short'
  constructor({ size, minimum }: { size: number; minimum: number }) {
    super(`Frame of ${size} bytes is shorter than its ${minimum}-byte header.`)
  }
}

export class NonBinaryFrameError extends BaseError {
  override readonly code = 'p2p/non-binary-frame'
  constructor({ received }: { received: string }) {
    super(`Expected a binary frame, received ${received}.`)
  }
}

export class UnsupportedVersionError extends BaseError {
  override readonly code = 'p2p/unsupported-version'
  constructor({ version, supported }: { version: number; supported: number }) {
    super(`Frame uses protocol version ${version}; only version ${supported} is supported.`)
  }
}

/** A header field is invalid: unknown kind, reserved bits set, wrong sequence number or offset. */
export class MalformedFrameError extends BaseError {
  override readonly code = 'p2p/malformed-frame'
  constructor(details: string) {
    super('Malformed frame.', { details })
  }
}

export class FrameOverrunError extends BaseError {
  override readonly code = 'p2p/frame-overrun'
  constructor({ end, total }: { end: number; total: number }) {
    super(`Frame payload ends at byte ${end}, past the declared message length of ${total}.`)
  }
}

export class UnexpectedContinuationError extends BaseError {
  override readonly code = 'p2p/unexpected-continuation'
  constructor({ seq }: { seq: number }) {
    super(`Continuation frame for message ${seq} arrived with no message open.`)
  }
}

export class MessageIncompleteError extends BaseError {
  override readonly code = 'p2p/message-incomplete'
  constructor({ seq, received, total }: { seq: number; received: number; total: number }) {
    super(
      `A new message started while message ${seq} had ${received} of ${total} bytes; frames of one message must be contiguous.`,
    )
  }
}

/** The reassembled bytes are not `u32 length | JSON object | body`. */
export class MalformedMessageError extends BaseError {
  override readonly code = 'p2p/malformed-message'
  constructor(details: string, options: { cause?: unknown } = {}) {
    super('Malformed message.', { details, cause: options.cause })
  }
}

export class ChannelClosedError extends BaseError {
  override readonly code = 'p2p/channel-closed'
  constructor(options: { cause?: unknown } = {}) {
    super('The data channel closed before the message was sent.', { cause: options.cause })
  }
}

/**
 * A first frame declared more bytes than the receive budget shared by the host's links has left:
 * unfinished messages of other peers hold the rest. Refused before anything is buffered.
 */
export class ReceiveBudgetError extends BaseError {
  override readonly code = 'p2p/receive-budget'
  constructor({ requested, available }: { requested: number; available: number }) {
    super(
      `Message of ${requested} bytes does not fit in the receive budget: ${available} bytes are left.`,
    )
  }
}
