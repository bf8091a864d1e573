import fc from 'fast-check'
import { maxFrameBytes } from '../peers/frames.ts'

/** How the server must answer a bad frame, as docs/protocol.md ("Signaling", Limits) says. */
export type BadFrameOutcome =
  /** An `ERROR` whose message matches `error`, then close 1008. */
  | { code: 1008; error: RegExp }
  /** Close 1009 and no `ERROR`: the frame is refused from its header, before it is read. */
  | { code: 1009 }
  /** Close 1007 and no `ERROR`: a text frame that is not UTF-8 fails in the WebSocket layer. */
  | { code: 1007 }

/** One WebSocket message a client may send, and what the server must do with it. */
export type BadFrame = {
  kind: string
  data: string | Uint8Array
  /** Sent as a binary frame (else a text frame, whatever `data` holds). */
  binary: boolean
  outcome: BadFrameOutcome
}

const clientTypes = ['HEARTBEAT', 'OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE']
const relayTypes = ['OFFER', 'ANSWER', 'CANDIDATE'] as const
const frameFields = ['type', 'dst', 'payload', 'src']

const notJson = { code: 1008, error: /^The frame is not JSON\.$/ } as const
const invalidFrame = {
  code: 1008,
  error: /^Invalid .*frame|^The frame nests deeper than 32 levels\.$/,
} as const

const alphanumeric = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
  minLength: 1,
  maxLength: 12,
})

/** What peerjs accepts as an id: letters and digits, single ` `, `_` or `-` between them. */
export const validPeerId = fc
  .array(fc.tuple(alphanumeric, fc.constantFrom('-', '_', ' ')), { minLength: 1, maxLength: 4 })
  .map((parts) =>
    parts
      .map(([part, separator]) => `${part}${separator}`)
      .join('')
      .slice(0, -1),
  )

/**
 * A string that is not a peer id: empty, longer than 64 (up to `maxLength`), a separator
 * misplaced, or a character outside the rule.
 */
export function invalidPeerIdString(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(''),
    fc
      .tuple(fc.integer({ min: 65, max: maxLength }), alphanumeric)
      .map(([length, part]) => part.repeat(Math.ceil(length / part.length)).slice(0, length)),
    fc
      .tuple(alphanumeric, fc.constantFrom('-', '_', ' '), fc.constantFrom('start', 'end', 'twice'))
      .map(([part, separator, where]) =>
        where === 'start'
          ? `${separator}${part}`
          : where === 'end'
            ? `${part}${separator}`
            : `${part}${separator}${separator}${part}`,
      ),
    fc
      .tuple(
        alphanumeric,
        fc.constantFrom(...'/.:@~%+=?#&"\\\n\t\u0000é😀\u200b'),
        fc.string({ maxLength: 8 }),
      )
      .map(([part, character, rest]) => `${part}${character}${rest}`),
  )
}

/** Not a peer id: a string that breaks the rule (up to a frame's size), or not a string. */
export const invalidPeerId: fc.Arbitrary<unknown> = fc.oneof(
  invalidPeerIdString(maxFrameBytes - 1024),
  fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.jsonValue(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  ),
)

/** A peer token: 1 to 128 of `A-Z a-z 0-9 _ . ~ -`. */
export const validToken = fc.string({
  unit: fc.constantFrom(...'abcXYZ0189_.~-'),
  minLength: 1,
  maxLength: 128,
})

/** Not a token: too long, or a character outside the rule (an empty one counts as missing). */
export const invalidToken = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'abc019'), minLength: 129, maxLength: 1000 }),
  fc
    .tuple(validToken, fc.constantFrom(...' /:@%+=?#&"\\é😀!*'))
    .map(([token, character]) => `${token}${character}`),
)

const connectionId = fc.string({ minLength: 1, maxLength: 128 })

const invalidConnectionId = fc.oneof(
  fc.constant(''),
  fc.string({ minLength: 129, maxLength: 2000 }),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
)

/** Not a relay payload: not an object, no `connectionId`, or a `connectionId` that breaks its rule. */
const invalidPayload = fc.oneof(
  fc.oneof(
    fc.integer(),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.jsonValue(), { maxLength: 3 }),
  ),
  fc.dictionary(
    fc.string().filter((key) => key !== 'connectionId'),
    fc.jsonValue(),
    { maxKeys: 4 },
  ),
  fc
    .tuple(invalidConnectionId, fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }))
    .map(([id, rest]) => ({ ...rest, connectionId: id })),
)

const unknownField = fc.string({ minLength: 1, maxLength: 16 }).filter((key) => {
  return !frameFields.includes(key) && key !== '__proto__'
})

/** Anything that is not a client frame's type: a server-only type, another spelling, not a string. */
const invalidType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    'OPEN',
    'EXPIRE',
    'ID-TAKEN',
    'ERROR',
    'offer',
    'Heartbeat',
    'OFFER ',
    '',
    'HELLO',
  ),
  fc.string().filter((type) => !clientTypes.includes(type)),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
)

const relayFrame = fc.record({
  type: fc.constantFrom(...relayTypes),
  dst: validPeerId,
  payload: fc.record({ connectionId, sdp: fc.string({ maxLength: 200 }) }),
})

/** A frame of a client type with one thing wrong: its JSON parses, its schema refuses it. */
const brokenFrame: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.tuple(relayFrame, invalidPeerId).map(([frame, dst]) => ({ ...frame, dst })),
  relayFrame.map(({ dst: _dst, ...frame }) => frame),
  relayFrame.map(({ payload: _payload, ...frame }) => frame),
  fc.tuple(relayFrame, invalidPayload).map(([frame, payload]) => ({ ...frame, payload })),
  fc.tuple(relayFrame, invalidType).map(([frame, type]) => ({ ...frame, type })),
  fc
    .tuple(
      fc.oneof(
        relayFrame,
        fc.constant({ type: 'HEARTBEAT' }),
        fc.record({ type: fc.constant('LEAVE'), dst: validPeerId }),
      ),
      unknownField,
      fc.jsonValue(),
    )
    .map(([frame, key, value]) => ({ ...frame, [key]: value })),
  fc
    .tuple(invalidPeerId, fc.option(fc.jsonValue(), { nil: undefined }))
    .map(([dst, payload]) => ({ type: 'LEAVE', dst, ...(payload !== undefined && { payload }) })),
)

function isClientFrameShaped(json: unknown): boolean {
  return (
    typeof json === 'object' &&
    json !== null &&
    'type' in json &&
    typeof json.type === 'string' &&
    clientTypes.includes(json.type)
  )
}

/** What a text frame holding `text` must get: it is not JSON, or it is JSON of the wrong shape. */
function textOutcome(text: string): BadFrameOutcome {
  try {
    JSON.parse(text)
  } catch {
    return notJson
  }
  return invalidFrame
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** What a text frame of these bytes must get: 1007 unless they are UTF-8, then as its text. */
function bytesOutcome(bytes: Uint8Array): BadFrameOutcome {
  try {
    return textOutcome(utf8.decode(bytes))
  } catch {
    return { code: 1007 }
  }
}

function decodesToFrame(bytes: Uint8Array): boolean {
  try {
    return isClientFrameShaped(JSON.parse(utf8.decode(bytes)))
  } catch {
    return false
  }
}

/**
 * Frames under 64 KiB that the server must refuse, each closing its socket with the documented
 * code: random bytes (binary, or as text), text that is not JSON, JSON of any shape but a
 * frame's, and frames of a client type with one field wrong (type, `dst`, `payload`, its
 * `connectionId`, a missing or unknown field, too deep).
 */
export const badFrame: fc.Arbitrary<BadFrame> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 2048 }).map((data) => ({
      kind: 'binary bytes',
      data,
      binary: true,
      outcome: { code: 1008, error: /^Frames are JSON text, not binary\.$/ } as const,
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .uint8Array({ maxLength: 2048 })
      .filter((bytes) => !decodesToFrame(bytes))
      .map((data) => ({ kind: 'bytes as text', data, binary: false, outcome: bytesOutcome(data) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .string({ unit: 'grapheme', maxLength: 512 })
      .filter((text) => !isClientFrameShaped(safeParse(text)))
      .map((data) => ({ kind: 'text', data, binary: false, outcome: textOutcome(data) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .jsonValue()
      .filter((json) => !isClientFrameShaped(json))
      .map((json) => ({
        kind: 'JSON of another shape',
        data: JSON.stringify(json),
        binary: false,
        outcome: invalidFrame,
      })),
  },
  {
    weight: 5,
    arbitrary: brokenFrame.map((frame) => ({
      kind: 'a frame with a field wrong',
      data: JSON.stringify(frame),
      binary: false,
      outcome: invalidFrame,
    })),
  },
  {
    weight: 1,
    // Deeper than 32 levels; written by hand, as JSON.stringify would overflow on it.
    arbitrary: fc.tuple(relayFrame, fc.integer({ min: 31, max: 20_000 })).map(([frame, depth]) => ({
      kind: 'a frame nested too deep',
      data: JSON.stringify({ ...frame, payload: { ...frame.payload, nested: null } }).replace(
        '"nested":null',
        `"nested":${'['.repeat(depth)}${']'.repeat(depth)}`,
      ),
      binary: false,
      outcome: invalidFrame,
    })),
  },
)

/** Frames over 64 KiB, text or binary, well-formed or not: close 1009, nothing read. */
export const oversizedFrame: fc.Arbitrary<BadFrame> = fc
  .tuple(
    fc.integer({ min: maxFrameBytes + 1, max: 4 * maxFrameBytes }),
    fc.constantFrom('offer', 'junk', 'binary'),
    validPeerId,
  )
  .map(([size, shape, dst]) => {
    if (shape === 'binary')
      return {
        kind: 'oversized binary',
        data: new Uint8Array(size),
        binary: true,
        outcome: { code: 1009 },
      }
    const head =
      shape === 'offer'
        ? JSON.stringify({ type: 'OFFER', dst, payload: { connectionId: 'c', sdp: '' } }).slice(
            0,
            -3,
          )
        : ''
    const tail = shape === 'offer' ? '"}}' : ''
    const data = `${head}${'x'.repeat(size - head.length - tail.length)}${tail}`
    return { kind: `oversized ${shape}`, data, binary: false, outcome: { code: 1009 } }
  })

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
