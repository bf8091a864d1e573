import { z } from 'zod'
import { pieceEntrySchema, pieceIndexSchema } from '../pieces/pieceEntrySchema.ts'
import { comparisonSchema } from '../tasks/manifestSchema.ts'

/**
 * The verify protocol, version 2: anyone (the `/verify` page, `volunteer-compute verify`) opens a
 * data connection labelled `VERIFY_CONNECTION_LABEL` to a job's host and asks for one accepted
 * unit; the host answers with everything needed to recompute it and to check it against the
 * result root on chain: the unit's settings, its accepted output and Merkle proof, the kernel and
 * the input pieces with their Merkle proofs under the input root. The verifier trusts none of it:
 * it checks every hash, the output's proof against the result root it reads from the chain
 * itself, the manifest and input root against the escrow job id (`jobContentHashOf`), each
 * piece's proof against the input root, and recomputes the unit. Every header is checked against
 * these schemas; anything else ends the connection.
 */
export const VERIFY_PROTOCOL_VERSION = 2

export const VERIFY_CONNECTION_LABEL = 'verify/1'

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/)
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/)
const unitIndex = z.number().int().min(0).max(10_000_000)

/** Verifier → host: send unit `index`. */
export const verifyRequestSchema = z.strictObject({
  v: z.literal(VERIFY_PROTOCOL_VERSION),
  type: z.literal('verify'),
  index: unitIndex,
})

export const verifierMessageSchema = z.discriminatedUnion('type', [verifyRequestSchema])
export type VerifierMessage = z.infer<typeof verifierMessageSchema>

/**
 * Host → verifier: the unit, its accepted output in the body; then a `kernel` and its `piece`s
 * follow, in the order `pieces` names them.
 */
export const verifyUnitSchema = z.strictObject({
  v: z.literal(VERIFY_PROTOCOL_VERSION),
  type: z.literal('unit'),
  jobId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: z.string().min(1).max(120),
  index: unitIndex,
  unitsTotal: z.number().int().min(1).max(10_000_000),
  /** The escrow job whose recorded result root covers this unit. */
  chain: z.strictObject({
    chainId: z.number().int().min(1),
    escrow: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    chainJobId: bytes32,
  }),
  /**
   * The job's manifest as the escrow job was created for it (its JSON text, whose keccak256 is
   * the manifest hash), and the escrow nonce: with the requester on chain they give the escrow
   * job id, so the kernel, params and comparison below are held to it.
   */
  manifest: z.string().min(2).max(262_144),
  nonce: z.string().regex(/^(0|[1-9][0-9]{0,77})$/),
  /** SHA-256 of the accepted output (the body). */
  outputSha256: sha256Hex,
  /** `resultProof`: sibling hashes from the unit's leaf to the root. */
  proof: z.array(bytes32).max(64),
  kernel: z.strictObject({ kind: z.literal('wasm'), sha256: sha256Hex }),
  params: z.base64().max(87_384),
  outputBytes: z
    .number()
    .int()
    .min(0)
    .max(64 * 1024 * 1024),
  variableOutput: z.boolean(),
  timeLimitMs: z.number().int().min(100).max(3_600_000),
  memoryBytes: z
    .number()
    .int()
    .min(65_536)
    .max(4 * 1024 * 1024 * 1024),
  comparison: comparisonSchema,
  /**
   * The job's input as the escrow job commits to it: its pieces' Merkle root (`InputPieces.root`)
   * and its size; none for a job without input.
   */
  input: z
    .strictObject({
      root: sha256Hex,
      bytes: z
        .number()
        .int()
        .min(1)
        .max(2 ** 50),
    })
    .optional(),
  /** The unit's input pieces, in order, each with its Merkle proof under `input.root`. */
  pieces: z.array(pieceEntrySchema.extend({ proof: z.array(sha256Hex).max(64) })).max(128),
})

/** Host → verifier: the WASM kernel, in the body. */
export const verifyKernelSchema = z.strictObject({
  v: z.literal(VERIFY_PROTOCOL_VERSION),
  type: z.literal('kernel'),
  sha256: sha256Hex,
})

/** Host → verifier: an input piece, in the body. */
export const verifyPieceSchema = z.strictObject({
  v: z.literal(VERIFY_PROTOCOL_VERSION),
  type: z.literal('piece'),
  index: pieceIndexSchema,
  sha256: sha256Hex,
})

/** Host → verifier: that unit cannot be verified here, and why. */
export const verifyUnavailableSchema = z.strictObject({
  v: z.literal(VERIFY_PROTOCOL_VERSION),
  type: z.literal('unavailable'),
  index: unitIndex,
  code: z.enum([
    'unit/unknown',
    'unit/not-accepted',
    'job/no-result-root',
    'job/no-wasm-kernel',
    'host/busy',
  ]),
  message: z.string().max(1000),
})

export const verifyHostMessageSchema = z.discriminatedUnion('type', [
  verifyUnitSchema,
  verifyKernelSchema,
  verifyPieceSchema,
  verifyUnavailableSchema,
])
export type VerifyHostMessage = z.infer<typeof verifyHostMessageSchema>
