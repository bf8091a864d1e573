import { z } from 'zod'

/**
 * The job protocol between a volunteer and a job host, version 1. Each message
 * is the JSON header of one framed message (see `frameCodec.ts`); the ones that
 * carry bulk data (a kernel, a unit's input, a unit's output) put it in the
 * frame body, never in the JSON. Every header is checked against these schemas
 * on receipt; anything else is a protocol error and ends the connection.
 */
export const JOB_PROTOCOL_VERSION = 1

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/)
const unitIndex = z.number().int().min(0).max(10_000_000)
const errorCode = z
  .string()
  .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/)
  .max(64)
const text = z.string().max(1000)

/** Sent by a volunteer once the connection opens. */
export const helloSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('hello'),
  jobId: id,
  /** How many units it runs at once (its worker count). */
  slots: z.number().int().min(1).max(64),
  engines: z
    .array(z.enum(['wasm', 'webgpu']))
    .min(1)
    .max(4),
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

export const volunteerMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  resultSchema,
  unitErrorSchema,
])
export type VolunteerMessage = z.infer<typeof volunteerMessageSchema>

/** The host's answer to `hello`; the body is the kernel, checked by `kernelSha256`. */
export const welcomeSchema = z.strictObject({
  v: z.literal(JOB_PROTOCOL_VERSION),
  type: z.literal('welcome'),
  jobId: id,
  name: z.string().min(1).max(120),
  kernelKind: z.literal('wasm'),
  kernelSha256: sha256Hex,
  /** The job's parameters, base64; the same bytes for every unit. */
  params: z.base64().max(87_384),
  unitsTotal: z.number().int().min(1).max(10_000_000),
  /** A unit's time limit on the volunteer's device. */
  timeLimitMs: z.number().int().min(100).max(3_600_000),
})

/** One unit to run; the body is its input slice (possibly empty). */
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
  code: z.enum(['job/unknown', 'job/complete', 'volunteer/flagged', 'host/stopping']),
  message: text,
})

export const hostMessageSchema = z.discriminatedUnion('type', [
  welcomeSchema,
  assignSchema,
  ackSchema,
  creditSchema,
  refuseSchema,
])
export type HostMessage = z.infer<typeof hostMessageSchema>
