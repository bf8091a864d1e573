import { z } from 'zod'

/**
 * The piece protocol between two volunteers of a job, version 1: a volunteer (the seeker) opens
 * a data connection labelled `PIECE_CONNECTION_LABEL` to another (the server) and asks for
 * pieces of a job's input by root, index and hash; the server answers each request in order,
 * with the piece in the body or saying why not. Every header is checked against these schemas;
 * anything else ends the connection. The seeker checks every piece against its hash.
 */
export const PIECE_PROTOCOL_VERSION = 1

/** The label of a volunteer's data connections for pieces (its job links have none). */
export const PIECE_CONNECTION_LABEL = 'pieces/1'

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/)
const pieceIndex = z.number().int().min(0).max(100_000_000)

/** Seeker → server: piece `index` of the input under `root`, whose hash is `sha256`. */
export const getPieceSchema = z.strictObject({
  v: z.literal(PIECE_PROTOCOL_VERSION),
  type: z.literal('get'),
  root: sha256Hex,
  index: pieceIndex,
  sha256: sha256Hex,
})

export const seekerMessageSchema = z.discriminatedUnion('type', [getPieceSchema])
export type SeekerMessage = z.infer<typeof seekerMessageSchema>

/** Server → seeker: the piece asked for, in the body. */
export const servedPieceSchema = z.strictObject({
  v: z.literal(PIECE_PROTOCOL_VERSION),
  type: z.literal('piece'),
  index: pieceIndex,
  sha256: sha256Hex,
})

/** Server → seeker: it does not serve that piece now. */
export const missingPieceSchema = z.strictObject({
  v: z.literal(PIECE_PROTOCOL_VERSION),
  type: z.literal('missing'),
  index: pieceIndex,
  /** `not-held`: not in its cache; `busy`: too many requests waiting; `off`: its upload share is off. */
  reason: z.enum(['not-held', 'busy', 'off']),
})

export const serverMessageSchema = z.discriminatedUnion('type', [
  servedPieceSchema,
  missingPieceSchema,
])
export type ServerMessage = z.infer<typeof serverMessageSchema>
