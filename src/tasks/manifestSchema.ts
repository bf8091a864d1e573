import { z } from 'zod'
import {
  jobCategorySchema,
  jobDescriptionSchema,
  jobNameSchema,
} from '../../signaling/directory/schemas.ts'
import { taskLimits } from './taskLimits.ts'

/**
 * The job manifest, version 1: what a requester uploads beside the kernel and the input file.
 * Every object is strict (an unknown field is an error, not noise). This is the shape alone;
 * `validateManifest` adds the checks that span fields. Documented in docs/task-api.md.
 */

const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
    'Use an identifier: a letter or "_", then letters, digits or "_" (64 characters at most).',
  )

export const sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'Use the SHA-256 of the kernel file as 64 lowercase hex digits.')

const workgroupSizeSchema = z
  .array(z.int().min(1).max(taskLimits.maxWorkgroupSize[0]))
  .min(1)
  .max(3)
  .transform(([x = 1, y = 1, z = 1]): [number, number, number] => [x, y, z])

export const wgslKernelSchema = z.strictObject({
  kind: z.literal('wgsl'),
  sha256: sha256HexSchema,
  /** The `@compute` function to run. */
  entry: identifier.default('main'),
  /** Must equal the shader's `@workgroup_size`; the dispatch size follows from it. */
  workgroupSize: workgroupSizeSchema,
  /** Output elements (4-byte words) one invocation writes; divides the dispatch size. */
  elementsPerInvocation: z.int().min(1).max(65_536).default(1),
})

export const wasmKernelSchema = z.strictObject({
  kind: z.literal('wasm'),
  sha256: sha256HexSchema,
})

export const kernelSchema = z.discriminatedUnion('kind', [wgslKernelSchema, wasmKernelSchema])

export const splitUnitsSchema = z.strictObject({
  mode: z.literal('split'),
  itemBytes: z.int().min(1).max(taskLimits.maxUnitInputBytes),
  /** Every unit but the last holds exactly this many items; the last may hold fewer. */
  itemsPerUnit: z.int().min(1).max(taskLimits.maxUnitInputBytes),
})

export const countUnitsSchema = z.strictObject({
  mode: z.literal('count'),
  unitCount: z.int().min(1).max(taskLimits.maxUnits),
})

export const unitsSchema = z.discriminatedUnion('mode', [splitUnitsSchema, countUnitsSchema])

const maxF32 = 3.4028234663852886e38

export const paramSchema = z.discriminatedUnion('type', [
  z.strictObject({
    name: identifier,
    type: z.literal('u32'),
    value: z.int().min(0).max(0xffffffff),
  }),
  z.strictObject({
    name: identifier,
    type: z.literal('i32'),
    value: z.int().min(-0x80000000).max(0x7fffffff),
  }),
  z.strictObject({
    name: identifier,
    type: z.literal('f32'),
    value: z
      .number()
      .refine((value) => Number.isFinite(Math.fround(value)), `Must be within ±${maxF32} (f32).`),
  }),
  z.strictObject({ name: identifier, type: z.literal('f64'), value: z.number() }),
])

export const reductionSchema = z.enum([
  'sum-u32',
  'sum-i32',
  'sum-f32',
  'sum-f64',
  'min-u32',
  'min-i32',
  'min-f32',
  'min-f64',
  'max-u32',
  'max-i32',
  'max-f32',
  'max-f64',
])

export const assembleSchema = z.union([
  z.literal('concat'),
  z.strictObject({ reduce: reductionSchema }),
])

const outputBytes = z.int().min(1).max(taskLimits.maxUnitOutputBytes)

/** Exactly one of the three sizes is given (checked by validateManifest). */
export const outputSchema = z.strictObject({
  /** Every unit writes exactly this many bytes. */
  bytesPerUnit: outputBytes.optional(),
  /** Split units only: a unit writes this many bytes per input item (so the last may be short). */
  bytesPerItem: outputBytes.optional(),
  /** Variable size: a u32 byte count, then that many bytes, within this many bytes in all. */
  maxBytesPerUnit: z.int().min(4).max(taskLimits.maxUnitOutputBytes).optional(),
  assemble: assembleSchema.default('concat'),
})

export const comparisonSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('exact') }),
  z.strictObject({
    mode: z.literal('float'),
    elementType: z.enum(['f32', 'f64']),
    absolute: z.number().min(0),
    relative: z.number().min(0).max(1),
  }),
])

export const replicationSchema = z
  .strictObject({
    quorum: z.int().min(1).max(taskLimits.maxQuorum).default(taskLimits.defaultQuorum),
    /** Results a unit may collect while looking for a quorum; default quorum + 3. */
    maxResults: z.int().min(1).max(taskLimits.maxResultsPerUnit).optional(),
    maxErrors: z
      .int()
      .min(1)
      .max(taskLimits.maxErrorsPerUnit)
      .default(taskLimits.defaultMaxErrorsPerUnit),
  })
  .transform((replication) => ({
    ...replication,
    maxResults:
      replication.maxResults ?? Math.min(replication.quorum + 3, taskLimits.maxResultsPerUnit),
  }))

/**
 * How results are trusted (docs/task-api.md, "Verification"): BOINC's adaptive replication per
 * volunteer identity and kernel, known-answer canaries, and replicas from distinct networks.
 * `adaptive: false` with `canaryRate: 0` is plain quorum replication.
 */
export const verificationSchema = z.strictObject({
  /** Accept a unit on one result of an identity that has earned trust (BOINC's rule). */
  adaptive: z.boolean().default(true),
  /** Consecutive valid results (per identity and kernel) before single results are accepted. */
  minConsecutiveValid: z.int().min(1).max(10_000).default(10),
  /** Fraction of assignments that re-issue a unit whose answer is known. */
  canaryRate: z.number().min(0).max(0.5).default(0.05),
  /** Replicas of one unit never go to one network (IPv4 /24, IPv6 /48); off for a private pool. */
  distinctOrigins: z.boolean().default(true),
})

export const limitsSchema = z.strictObject({
  timeLimitMs: z
    .int()
    .min(taskLimits.minTimeLimitMs)
    .max(taskLimits.maxTimeLimitMs)
    .default(taskLimits.defaultTimeLimitMs),
  memoryBytes: z
    .int()
    .min(taskLimits.minMemoryBytes)
    .max(taskLimits.maxMemoryBytes)
    .default(taskLimits.defaultMemoryBytes),
})

/**
 * What the job is for, shown to volunteers who choose what they support, and what one unit costs,
 * for credit (docs/task-api.md, "About the job").
 */
export const aboutSchema = z.strictObject({
  category: jobCategorySchema.default('other'),
  description: jobDescriptionSchema.optional(),
  /**
   * Floating-point operations one unit takes. Credit per accepted result follows from it (200
   * cobblestones per GFLOPS-day); without it, from the unit's measured cost.
   */
  flopsPerUnit: z.number().positive().max(1e21).optional(),
})

export const manifestSchema = z.strictObject({
  manifestVersion: z.literal(1),
  name: jobNameSchema,
  /** One kernel, or a WGSL and a WASM implementation of the same computation. */
  kernels: z.array(kernelSchema).min(1).max(2),
  units: unitsSchema,
  params: z.array(paramSchema).max(taskLimits.maxParams).default([]),
  output: outputSchema,
  comparison: comparisonSchema.default({ mode: 'exact' }),
  replication: replicationSchema.prefault({}),
  verification: verificationSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  /** Optional; a job without it is listed as "other", with credit from measured cost. */
  about: aboutSchema.optional(),
})

/** A manifest as written (defaults not yet applied). */
export type ManifestInput = z.input<typeof manifestSchema>
/** A validated manifest, defaults applied. */
export type Manifest = z.output<typeof manifestSchema>
export type KernelRef = Manifest['kernels'][number]
export type WgslKernelRef = z.output<typeof wgslKernelSchema>
export type UnitsSpec = Manifest['units']
export type Param = Manifest['params'][number]
export type ParamType = Param['type']
export type OutputSpec = Manifest['output']
export type Assemble = OutputSpec['assemble']
export type Reduction = z.output<typeof reductionSchema>
export type Comparison = Manifest['comparison']
export type Verification = Manifest['verification']
export type About = NonNullable<Manifest['about']>
