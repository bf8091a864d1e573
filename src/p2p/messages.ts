import { z } from 'zod'
import { pieceEntrySchema, pieceIndexSchema } from '../pieces/pieceEntrySchema.ts'

/**
 * The job protocol between a volunteer and a job host, version 5. Each message
 * is the JSON header of one framed message (see `frameCodec.ts`); the ones that
 * carry bulk data (a kernel, a unit's input, a unit's output) put it in the
 * frame body, never in the JSON. Every header is checked against these schemas
 * on receipt; anything else is a protocol error and ends the connection.
 */
export const JOB_PROTOCOL_VERSION = 5

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/)
const unitIndex = z.number().int().min(0).max(10_000_000)
const errorCode = z
  .string()
  .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/)
  .max(64)
const text = z.string().max(1000)

/** A compute engine a volunteer offers, with what its calibration measured. */
export const engineOfferSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('wasm'),
    /** Units it runs at once (its worker count). */
    slots: z.number().int().min(1).max(64),
    /** Calibration: GFLOPS one worker sustains on an f32 multiply, times the workers; 0: none. */
    gflops: z.number().min(0).max(1e6),
  }),
  z.strictObject({
    kind: z.literal('webgpu'),
    slots: z.number().int().min(1).max(64),
    gflops: z.number().min(0).max(1e6),
    /** A software adapter (SwiftShader): used only for GPU-only jobs, and only if allowed. */
    fallback: z.boolean(),
  }),
])
export type EngineOffer = z.infer<typeof engineOfferSchema>

/**
 * The volunteer's identity: its public key, and its signature proving it holds the private key
 * (`helloProofBytes`: this job, both peer ids and the host's `challenge` nonce).
 */
export const identityProofSchema = z.strictObject({
  /** SPKI DER of an ECDSA P-256 key, base64 (91 bytes). */
  publicKey: z.base64().max(200),
  /** IEEE P1363 (r || s), base64 (64 bytes). */
  signature: z.base64().max(100),
})

/** Sent by a volunteer in answer to the host's `challenge`. */
export const helloSchema = z
  .strictObject({
    v: z.literal(JOB_PROTOCOL_VERSION),
    type: z.literal('hello'),
    jobId: id,
    engines: z.array(engineOfferSchema).min(1).max(2),
    /** The volunteer lets a software WebGPU adapter run jobs that have only a WGSL kernel. */
    allowFallbackGpu: z.boolean(),
    /** The volunteer has a wallet connected and will bind it (`bind-request`) to be paid. */
    wantsRewards: z.boolean(),
    /** The partner site whose embedded widget brought this volunteer: its units count for it. */
    siteKey: id.optional(),
    identity: identityProofSchema,
    /** It serves the job's data pieces it holds to other volunteers (its upload share is on). */
    servesPieces: z.boolean(),
    /**
     * Pieces of the job's content (the listing's `contentRoot`) its cache already holds, as
     * `[start, end)` index ranges in order and apart: the host counts them before it assigns
     * anything, so it neither pushes them nor names other sources for them.
     */
    held: z
      .array(z.tuple([pieceIndexSchema, pieceIndexSchema]).refine(([start, end]) => start < end))
      .max(1024)
      .optional(),
  })
  .refine((hello) => new Set(hello.engines.map((e) => e.kind)).size === hello.engines.length, {
    message: 'Offer each engine once.',
    path: ['engines'],
  })

/** A unit's output, in the body; `sha256` is the hash of that body. */
export const resultSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('result'),
  assignmentId: id,
  index: unitIndex,
  sha256: sha256Hex,
  kernelMs: z.number().min(0).max(86_400_000),
})

/** The volunteer could not run a unit (kernel error, time limit, ...). */
export const unitErrorSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('unit-error'),
  assignmentId: id,
  index: unitIndex,
  code: errorCode,
  message: text,
})

/** The answer to `bind-request`: a SIWE message (EIP-4361) and the wallet's signature of it. */
export const bindSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('bind'),
  message: z.string().min(1).max(2000),
  signature: z.string().regex(/^0x[0-9a-fA-F]{2,2000}$/),
})

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/)
const evmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/)
/** A token amount in base units, as a decimal string (JSON has no 256-bit integers). */
const tokenAmount = z.string().regex(/^(0|[1-9][0-9]{0,77})$/)

/** The volunteer stored a voucher (in IndexedDB) and may be sent the next one. */
export const voucherAckSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('voucher-ack'),
  jobId: bytes32,
  cumulativeAmount: tokenAmount,
})

const pieceIndex = pieceIndexSchema

/**
 * Asks the host for a piece of a unit this volunteer holds, after the peers in `tried` failed it
 * (or none was named). The host sends the piece, or names peers not yet tried (`piece-sources`).
 */
export const pieceRequestSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('piece-request'),
  index: pieceIndex,
  tried: z.array(id).max(16),
})

/** Pieces of the job's input this volunteer holds, checked, and will serve to others. */
export const haveSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('have'),
  indices: z.array(pieceIndex).min(1).max(1000),
})

/** A peer the host named served bytes that are not the piece's: this side dropped it. */
export const badPieceSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('bad-piece'),
  peerId: id,
  index: pieceIndex,
})

export const volunteerMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  pieceRequestSchema,
  haveSchema,
  badPieceSchema,
  resultSchema,
  unitErrorSchema,
  bindSchema,
  voucherAckSchema,
])
export type VolunteerMessage = z.infer<typeof volunteerMessageSchema>

/** The host's first message: a fresh nonce the volunteer's identity key signs in its `hello`. */
export const challengeSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('challenge'),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/),
})

/** The kernel the host chose for this volunteer (see `chooseKernel`), as the manifest names it. */
export const welcomeKernelSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('wasm'), sha256: sha256Hex }),
  z.strictObject({
    kind: z.literal('wgsl'),
    sha256: sha256Hex,
    entry: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
    workgroupSize: z.tuple([
      z.number().int().min(1).max(1024),
      z.number().int().min(1).max(1024),
      z.number().int().min(1).max(64),
    ]),
    elementsPerInvocation: z.number().int().min(1).max(65_536),
  }),
])
export type WelcomeKernel = z.infer<typeof welcomeKernelSchema>

/** A piece a unit (or the kernel) needs, and where to fetch it. */
export const unitPieceSchema = pieceEntrySchema.extend({
  /** Volunteers that hold it (or are fetching it), to ask first, in order. */
  peers: z.array(id).max(4),
  /** The host sends it right after this message, unasked: nobody else has it. */
  pushed: z.boolean(),
})
export type UnitPiece = z.infer<typeof unitPieceSchema>

/**
 * The host's answer to `hello`; the body is the kernel file, checked by `kernel.sha256`, unless
 * `kernelPieces` names its pieces.
 */
export const welcomeSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('welcome'),
  jobId: id,
  name: z.string().min(1).max(120),
  kernel: welcomeKernelSchema,
  /** The job's parameters, packed (docs/task-api.md), base64; the same bytes for every unit. */
  params: z.base64().max(87_384),
  unitsTotal: z.number().int().min(1).max(10_000_000),
  /** A unit's time limit on the volunteer's device. */
  timeLimitMs: z.number().int().min(100).max(3_600_000),
  /** A WASM kernel's linear memory may not grow past this. */
  memoryBytes: z
    .number()
    .int()
    .min(65_536)
    .max(4 * 1024 * 1024 * 1024),
  /** The output starts with a u32 byte count; the result is that many bytes after it. */
  variableOutput: z.boolean(),
  /**
   * The job's content, addressed under one root (`JobContent`): the input's pieces, then the
   * kernel files'. Units and the kernel name the pieces they need by index, and the volunteer
   * fetches them from other volunteers or the host. Absent when the host sends everything itself
   * (the star: inputs in `assign`, the kernel in this message's body).
   */
  content: z
    .strictObject({
      /** The Merkle root over the pieces' SHA-256 hashes, in index order. */
      root: sha256Hex,
      pieces: z.number().int().min(1).max(100_000_000),
    })
    .optional(),
  /**
   * The kernel file's pieces, in order, with `content`: the body is then empty, and the kernel
   * is their concatenation (checked against `kernel.sha256` before it loads).
   */
  kernelPieces: z.array(unitPieceSchema).min(1).max(256).optional(),
})

/**
 * One unit to run. Its input is the body (possibly empty), or, for a job whose welcome named its
 * content, the concatenation of `pieces`, and the body is empty.
 */
export const assignSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('assign'),
  assignmentId: id,
  index: unitIndex,
  outputBytes: z
    .number()
    .int()
    .min(0)
    .max(64 * 1024 * 1024),
  pieces: z.array(unitPieceSchema).min(1).max(128).optional(),
})

/** A piece of the job's input, in the body: asked for, or pushed with an `assign`. */
export const pieceSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('piece'),
  index: pieceIndex,
  sha256: sha256Hex,
})

/** The answer to a `piece-request` when other volunteers hold the piece: ask them first. */
export const pieceSourcesSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('piece-sources'),
  index: pieceIndex,
  peers: z.array(id).min(1).max(4),
})

/** Sent only after the host persisted the result it acknowledges. */
export const ackSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('ack'),
  assignmentId: id,
})

/** A unit this volunteer computed was accepted by quorum. */
export const creditSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('credit'),
  index: unitIndex,
  /** Units of this job accepted with this volunteer's result, so far. */
  acceptedUnits: z.number().int().min(0),
})

/** The host will send no (more) units; the connection is closed after it. */
export const refuseSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('refuse'),
  code: z.enum([
    'job/unknown',
    'job/complete',
    'volunteer/flagged',
    'volunteer/no-engine',
    'volunteer/unreliable',
    'volunteer/identity',
    'host/stopping',
  ]),
  message: text,
})

/** Asks a volunteer that wants rewards to bind its wallet: sign a SIWE message with this nonce. */
export const bindRequestSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('bind-request'),
  nonce: z.string().regex(/^[A-Za-z0-9]{8,128}$/),
  /** The chain the job pays on. */
  chainId: z.number().int().min(1),
})

/** The binding was accepted: vouchers of this job go to `address` only. */
export const boundSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('bound'),
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
})

/** The binding was refused; the volunteer keeps computing, unpaid, for this connection. */
export const bindRefusedSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('bind-refused'),
  code: z.string().regex(/^bind\/[a-z-]+$/),
  reason: text,
})

/**
 * A reward voucher for JobEscrow (EIP-712 `Voucher(jobId, volunteer, cumulativeAmount,
 * deadline)`), signed by the job's voucher signer: everything this volunteer's bound address has
 * earned in the job so far. The next one replaces it.
 */
export const voucherSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('voucher'),
  chainId: z.number().int().min(1),
  escrow: evmAddress,
  jobId: bytes32,
  volunteer: evmAddress,
  cumulativeAmount: tokenAmount,
  /** Unix seconds after which the escrow refuses it. */
  deadline: z.number().int().min(0),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
})

const count = z.number().int().min(0)

/**
 * The volunteer's standing with this host (its reputation book): sent after its results are
 * checked. Trust is earned per identity and kernel, and lost with one wrong result.
 */
export const standingSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('standing'),
  /** The identity id the host knows this volunteer by. */
  identity: id,
  valid: count,
  invalid: count,
  /** Checked results in a row on this job's kernel. */
  cv: count,
  /** `cv` reached `minConsecutiveValid`: its units may be accepted on its result alone. */
  trusted: z.boolean(),
  /**
   * The checked results in a row it needs: the job's `minConsecutiveValid`, doubled for each
   * invalid result it has had on this kernel (`consecutiveValidNeeded`).
   */
  minConsecutiveValid: count,
  canariesPassed: count,
  errors: count,
  missed: count,
  /** Units accepted on its word that await its next check. */
  provisional: count,
})

export const hostMessageSchema = z.discriminatedUnion('type', [
  challengeSchema,
  standingSchema,
  welcomeSchema,
  assignSchema,
  pieceSchema,
  pieceSourcesSchema,
  ackSchema,
  creditSchema,
  refuseSchema,
  bindRequestSchema,
  boundSchema,
  bindRefusedSchema,
  voucherSchema,
])
export type HostMessage = z.infer<typeof hostMessageSchema>
