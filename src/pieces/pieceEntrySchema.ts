import { z } from 'zod'
import { MAX_PIECE_BYTES } from './pieceLimits.ts'

/** A piece's index in its job's input (`PieceLayout`). */
export const pieceIndexSchema = z.number().int().min(0).max(100_000_000)

/**
 * A piece of a job's input as messages name it: its index, its SHA-256 and its size. The job
 * protocol's `assign` (`unitPieceSchema`) and the verify protocol's `unit` extend it.
 */
export const pieceEntrySchema = z.strictObject({
  index: pieceIndexSchema,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(1).max(MAX_PIECE_BYTES),
})
export type PieceEntry = z.infer<typeof pieceEntrySchema>
