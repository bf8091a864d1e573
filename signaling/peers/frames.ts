import { z } from 'zod'

/**
 * The PeerJS server protocol's frames, as the unmodified `peerjs` client (1.5) sends and expects
 * them: JSON text frames on the WebSocket `/peerjs/peerjs?key=&id=&token=&version=`.
 * See docs/protocol.md ("Signaling").
 */

/** SDP offers, answers and ICE candidates are a few KB; ws refuses larger frames with close code 1009. */
export const maxFrameBytes = 64 * 1024

/**
 * SDP, candidates and peerjs's own fields nest 4 deep; metadata is the caller's. The bound matters:
 * a 64 KiB frame can nest 30,000 deep, and `JSON.stringify` overflows the stack on it when relaying.
 */
export const maxFrameDepth = 32

/**
 * What peerjs itself accepts as an id (`validateId` in its `utils/`), at most 64 characters, so that
 * any id the client would use is served and nothing else is.
 */
export const peerIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/)

/** peerjs makes its token with `Math.random().toString(36).slice(2)`; a caller may pass its own. */
export const peerTokenSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.~-]+$/)

/**
 * What peerjs sends in OFFER, ANSWER and CANDIDATE: an object naming its connection (SDP, candidate,
 * metadata and the rest travel on untouched). Peers ignore a payload without a connection id.
 */
const relayPayloadSchema = z.looseObject({
  connectionId: z.string().min(1).max(128),
})

// `src` is what the server sets on relayed frames; a client that echoes one is not at fault, and it is ignored.
const ignoredSrc = { src: z.unknown().optional() }

const relayFrameSchema = <T extends 'OFFER' | 'ANSWER' | 'CANDIDATE'>(type: T) =>
  z.strictObject({
    type: z.literal(type),
    dst: peerIdSchema,
    payload: relayPayloadSchema,
    ...ignoredSrc,
  })

/** Every frame a client may send. OPEN, EXPIRE, ID-TAKEN and ERROR go from the server only. */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('HEARTBEAT'), ...ignoredSrc }),
  relayFrameSchema('OFFER'),
  relayFrameSchema('ANSWER'),
  relayFrameSchema('CANDIDATE'),
  // With `dst`: tell that peer this one has gone (relayed only if it is connected). Without: leave.
  z.strictObject({
    type: z.literal('LEAVE'),
    dst: peerIdSchema.optional(),
    payload: z.unknown().optional(),
    ...ignoredSrc,
  }),
])
export type ClientFrame = z.infer<typeof clientFrameSchema>
export type RelayFrame = Extract<ClientFrame, { type: 'OFFER' | 'ANSWER' | 'CANDIDATE' }>

/** Every frame the server sends. `src` on a relayed frame is the sender's registered id, never the client's word. */
export type ServerFrame =
  | { type: 'OPEN' }
  | { type: 'OFFER' | 'ANSWER' | 'CANDIDATE'; src: string; dst: string; payload: unknown }
  | { type: 'LEAVE'; src: string; dst: string; payload?: unknown }
  | { type: 'EXPIRE'; src: string; dst: string }
  | { type: 'ID-TAKEN'; payload: { msg: string } }
  | { type: 'ERROR'; payload: { msg: string } }

export type ParseClientFrameReturnType =
  | { ok: true; frame: ClientFrame }
  | { ok: false; reason: 'binary' | 'invalid-json' | 'invalid-frame'; message: string }

/**
 * Reads one WebSocket message. Never throws: a bad frame is a client's fault, answered and counted,
 * not a server error with a stack trace.
 *
 * @example
 * const parsed = parseClientFrame('{"type":"HEARTBEAT"}', false) // { ok: true, frame: { type: 'HEARTBEAT' } }
 */
export function parseClientFrame(
  data: Buffer | string,
  isBinary: boolean,
): ParseClientFrameReturnType {
  if (isBinary) return { ok: false, reason: 'binary', message: 'Frames are JSON text, not binary.' }
  let json: unknown
  try {
    json = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'))
  } catch {
    return { ok: false, reason: 'invalid-json', message: 'The frame is not JSON.' }
  }
  if (nestsDeeperThan(json, maxFrameDepth))
    return {
      ok: false,
      reason: 'invalid-frame',
      message: `The frame nests deeper than ${maxFrameDepth} levels.`,
    }
  const parsed = clientFrameSchema.safeParse(json)
  if (parsed.success) return { ok: true, frame: parsed.data }
  const type =
    typeof json === 'object' && json !== null && 'type' in json && typeof json.type === 'string'
      ? json.type.slice(0, 32)
      : undefined
  const issue = parsed.error.issues[0]
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : ''
  return {
    ok: false,
    reason: 'invalid-frame',
    message: `Invalid ${type === undefined ? 'frame' : `${type} frame`}${where}: ${issue?.message ?? 'does not match the schema'}.`,
  }
}

/** Walks without recursion, so that the check cannot overflow the stack it protects. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]]
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [item, depth] = next
    if (typeof item !== 'object' || item === null) continue
    if (depth > limit) return true
    for (const child of Object.values(item)) stack.push([child, depth + 1])
  }
  return false
}

/** Frames go out as the text peerjs parses; built once per frame, whichever socket or node it is for. */
export function serializeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(frame)
}
