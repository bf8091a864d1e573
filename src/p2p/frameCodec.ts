import { MalformedMessageError, MessageTooLargeError } from './errors.ts'

/**
 * The wire format of our own framing on a raw RTCDataChannel (docs/protocol.md, "Framing").
 * Pure: no DOM, no channel. All integers are little-endian.
 *
 * message = u32 headerLength | header (UTF-8 JSON object) | body (the rest)
 * frame   = u8 version | u8 kind | u16 reserved (0) | u32 seq | u32 totalOrOffset | payload
 */

export const PROTOCOL_VERSION = 1
export const FRAME_HEADER_BYTES = 12
/** Bytes before the JSON header inside a message. */
export const MESSAGE_PREFIX_BYTES = 4
/** Largest frame we send or accept: Chromium's SCTP limit, and big enough that per-frame cost vanishes. */
export const MAX_FRAME_BYTES = 256 * 1024
const MAX_U32 = 0xffff_ffff

export const FrameKind = { first: 1, continuation: 2 } as const
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

export type FrameHeader = {
  version: number
  kind: number
  reserved: number
  seq: number
  /** Total message length for a first frame, byte offset of the payload for a continuation. */
  totalOrOffset: number
}

export type DecodedMessage = {
  header: Record<string, unknown>
  /** A view into the received bytes, not a copy. */
  body: Uint8Array
}

export type EncodeFramesParameters = {
  seq: number
  header: object
  body?: Uint8Array | undefined
  /** Frame size including the 12-byte frame header. */
  maxFrameBytes: number
}

export type FramePlan = {
  /** Total message length (prefix + header JSON + body). */
  messageBytes: number
  frameCount: number
  /**
   * Builds frame `index`, copying its share of the header JSON and body once. Into `target` when
   * given (at least `maxFrameBytes` long; the result is a view of it), else into a fresh buffer.
   */
  encodeFrame(index: number, target?: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>
}

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: true })

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Splits a message into frames lazily, so a sender under backpressure holds only the frames the
 * channel has room for, never a second copy of the whole message.
 *
 * @example
 * const plan = planFrames({ seq: 0, header: { type: 'unit' }, body, maxFrameBytes: 262144 })
 * for (let i = 0; i < plan.frameCount; i++) channel.send(plan.encodeFrame(i))
 */
export function planFrames({
  seq,
  header,
  body,
  maxFrameBytes,
}: EncodeFramesParameters): FramePlan {
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes <= FRAME_HEADER_BYTES) {
    throw new RangeError(`maxFrameBytes must be an integer above ${FRAME_HEADER_BYTES}.`)
  }
  if (!isPlainObject(header)) {
    throw new MalformedMessageError('The message header must be a plain JSON object.')
  }
  const bodyBytes = body ?? new Uint8Array(0)
  const json = textEncoder.encode(JSON.stringify(header))
  // The prefix (length + JSON) is small; building it once lets every frame copy from two sources.
  const prefix = new Uint8Array(MESSAGE_PREFIX_BYTES + json.length)
  new DataView(prefix.buffer).setUint32(0, json.length, true)
  prefix.set(json, MESSAGE_PREFIX_BYTES)
  const messageBytes = prefix.length + bodyBytes.length
  if (messageBytes > MAX_U32) throw new MessageTooLargeError({ size: messageBytes, limit: MAX_U32 })

  const payloadBytes = maxFrameBytes - FRAME_HEADER_BYTES
  const frameCount = Math.max(1, Math.ceil(messageBytes / payloadBytes))

  return {
    messageBytes,
    frameCount,
    encodeFrame(index, target) {
      const start = index * payloadBytes
      const end = Math.min(messageBytes, start + payloadBytes)
      const length = FRAME_HEADER_BYTES + end - start
      const frame = target ? target.subarray(0, length) : new Uint8Array(length)
      const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES)
      const first = index === 0
      view.setUint8(0, PROTOCOL_VERSION)
      view.setUint8(1, first ? FrameKind.first : FrameKind.continuation)
      view.setUint16(2, 0, true)
      view.setUint32(4, seq >>> 0, true)
      view.setUint32(8, first ? messageBytes : start, true)
      if (start < prefix.length) {
        frame.set(prefix.subarray(start, Math.min(end, prefix.length)), FRAME_HEADER_BYTES)
      }
      const bodyStart = Math.max(start, prefix.length) - prefix.length
      const bodyEnd = end - prefix.length
      if (bodyEnd > bodyStart) {
        frame.set(
          bodyBytes.subarray(bodyStart, bodyEnd),
          FRAME_HEADER_BYTES + bodyStart + prefix.length - start,
        )
      }
      return frame
    },
  }
}

/** Every frame of one message at once; senders with backpressure should use {@link planFrames}. */
export function encodeFrames(parameters: EncodeFramesParameters): Uint8Array<ArrayBuffer>[] {
  const plan = planFrames(parameters)
  return Array.from({ length: plan.frameCount }, (_, index) => plan.encodeFrame(index))
}

/** Reads the 12-byte header; the caller has checked that `frame` is at least that long. */
export function readFrameHeader(frame: Uint8Array): FrameHeader {
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES)
  return {
    version: view.getUint8(0),
    kind: view.getUint8(1),
    reserved: view.getUint16(2, true),
    seq: view.getUint32(4, true),
    totalOrOffset: view.getUint32(8, true),
  }
}

/** Splits a reassembled message into its JSON header and a body view (no copy). */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  if (bytes.length < MESSAGE_PREFIX_BYTES) {
    throw new MalformedMessageError(
      `Message of ${bytes.length} bytes is shorter than its ${MESSAGE_PREFIX_BYTES}-byte length prefix.`,
    )
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, MESSAGE_PREFIX_BYTES).getUint32(
    0,
    true,
  )
  const bodyStart = MESSAGE_PREFIX_BYTES + headerLength
  if (bodyStart > bytes.length) {
    throw new MalformedMessageError(
      `Header length ${headerLength} overruns the ${bytes.length}-byte message.`,
    )
  }
  let header: unknown
  try {
    header = JSON.parse(textDecoder.decode(bytes.subarray(MESSAGE_PREFIX_BYTES, bodyStart)))
  } catch (cause) {
    throw new MalformedMessageError('The message header is not UTF-8 JSON.', { cause })
  }
  if (!isPlainObject(header)) {
    throw new MalformedMessageError('The message header is not a JSON object.')
  }
  return { header, body: bytes.subarray(bodyStart) }
}
