import { z } from 'zod'

/** Wire schemas of the job directory. Requests are strict: an unknown field is an error, not noise. */

export const maxUnits = 10_000_000

const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]*$/, 'Use only letters, digits, "_" and "-".')

export const jobIdSchema = idSchema

/** PeerJS ids are free-form, but the ones worth listing fit in a URL path without escaping. */
export const peerIdSchema = idSchema

/**
 * The token the host's PeerJS client registered its peer id with (peerjs's `token` option), sent
 * when listing as proof that the lister controls the host's signaling session.
 */
export const hostTokenSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.~-]+$/, 'Use only letters, digits, "_", ".", "~" and "-".')

export const kernelKindSchema = z.enum(['wasm', 'wgsl'])

/** The kinds of kernel a job has (one of each at most): which volunteers can serve it. */
export const kernelKindsSchema = z
  .array(kernelKindSchema)
  .min(1)
  .max(2)
  .refine((kinds) => new Set(kinds).size === kinds.length, 'List each kind once.')

export const unitsTotalSchema = z.int().min(1).max(maxUnits)

export const unitsDoneSchema = z.int().min(0).max(maxUnits)

const baseUnits = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, 'A whole number of base units, in decimal.')

/** What a funded job pays: per accepted unit, and what is left to earn in its escrow. */
export const rewardSchema = z.strictObject({
  chainId: z.int().min(1),
  tokenSymbol: z.string().min(1).max(12),
  tokenDecimals: z.int().min(0).max(36),
  perUnit: baseUnits,
  /** The escrow's budget not yet promised to volunteers. */
  remaining: baseUnits,
})
export type Reward = z.infer<typeof rewardSchema>

/** The most partner sites one listing credits. */
export const maxSitesPerListing = 100

/** A partner site's key: names the site whose embedded widget brought volunteers. */
export const siteKeySchema = idSchema

/** Accepted units per partner site key, as the job's host counted them. */
export const siteCreditsSchema = z
  .record(siteKeySchema, unitsDoneSchema)
  .refine(
    (sites) => Object.keys(sites).length <= maxSitesPerListing,
    `At most ${maxSitesPerListing} sites.`,
  )
export type SiteCredits = z.infer<typeof siteCreditsSchema>

/** The largest count a listing's verification figures carry. */
export const maxVerificationCount = 1_000_000_000

/** The largest results-per-unit figure a listing carries (its host rounds and clamps to it). */
export const maxListedResultsPerUnit = 1000

const verificationCount = z.int().min(0).max(maxVerificationCount)

/**
 * What verifying the job's results has cost and caught so far, as its host counted it: results
 * computed per accepted unit (2 for plain quorum 2, near 1.1 once volunteers are trusted),
 * known-answer canaries issued, identities flagged, and accepted units reopened because the
 * identity they were accepted on was flagged.
 */
export const listingVerificationSchema = z.strictObject({
  resultsPerUnit: z.number().min(0).max(maxListedResultsPerUnit),
  canaries: verificationCount,
  flaggedIdentities: verificationCount,
  reopened: verificationCount,
})
export type ListingVerification = z.infer<typeof listingVerificationSchema>

export const ownerTokenSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{32,128}$/, 'Use 32 to 128 hexadecimal characters.')

export const jobNameSchema = z
  .string()
  .min(1)
  .max(120)
  // Names end up in other people's pages and terminals; control characters only serve spoofing.
  .regex(/^[^\p{Cc}]*$/u, 'Control characters are not allowed.')

/**
 * The Merkle root of the job's content (its input's and kernel's pieces), as the job protocol's
 * `welcome.content` names it: a volunteer that holds pieces of it says so in its hello.
 */
export const contentRootSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'Use a lowercase SHA-256 in hex.')

/**
 * What a job is for, so that volunteers can choose what they support (as Folding@home's cause
 * preference does). The list is closed so that a choice made today still means something tomorrow.
 */
export const jobCategories = [
  'life-sciences',
  'mathematics',
  'physics',
  'climate',
  'machine-learning',
  'graphics',
  'other',
] as const
export const jobCategorySchema = z.enum(jobCategories)
export type JobCategory = z.infer<typeof jobCategorySchema>

export const jobDescriptionSchema = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^\p{Cc}]*$/u, 'Control characters are not allowed.')

/** A job's category and description, from its manifest's `about`. */
export const jobAboutSchema = z.strictObject({
  category: jobCategorySchema,
  description: jobDescriptionSchema.optional(),
})
export type JobAbout = z.infer<typeof jobAboutSchema>

/** How the job's results are checked (its manifest's replication and verification). */
export const listingPolicySchema = z.strictObject({
  quorum: z.int().min(1).max(10),
  adaptive: z.boolean(),
  canaryRate: z.number().min(0).max(0.5),
  distinctOrigins: z.boolean(),
})
export type ListingPolicy = z.infer<typeof listingPolicySchema>

/**
 * The address of the job's credit key (secp256k1, as Ethereum writes it): the directory accepts
 * credit reports for the job only when this key signed them. The first listing of a job id pins it.
 */
export const creditKeySchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'Use an address: 0x and 40 hexadecimal digits.')

export const registerJobRequestSchema = z
  .strictObject({
    v: z.literal(1),
    jobId: jobIdSchema,
    name: jobNameSchema,
    hostPeerId: peerIdSchema,
    hostToken: hostTokenSchema,
    kernelKinds: kernelKindsSchema,
    contentRoot: contentRootSchema.optional(),
    about: jobAboutSchema.optional(),
    policy: listingPolicySchema.optional(),
    creditKey: creditKeySchema.optional(),
    unitsTotal: unitsTotalSchema,
    unitsDone: unitsDoneSchema,
    ownerToken: ownerTokenSchema,
    reward: rewardSchema.optional(),
    sites: siteCreditsSchema.optional(),
    verification: listingVerificationSchema.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.unitsDone > body.unitsTotal)
      ctx.addIssue({ code: 'custom', path: ['unitsDone'], message: 'Must not exceed unitsTotal.' })
  })
export type RegisterJobRequest = z.infer<typeof registerJobRequestSchema>

/** `unitsDone <= unitsTotal` is checked against the stored listing when `unitsTotal` is left out. */
export const updateJobRequestSchema = z.strictObject({
  v: z.literal(1),
  unitsDone: unitsDoneSchema,
  unitsTotal: unitsTotalSchema.optional(),
  reward: rewardSchema.optional(),
  sites: siteCreditsSchema.optional(),
  verification: listingVerificationSchema.optional(),
})
export type UpdateJobRequest = z.infer<typeof updateJobRequestSchema>

export const listingSchema = z.object({
  jobId: jobIdSchema,
  name: jobNameSchema,
  hostPeerId: peerIdSchema,
  kernelKinds: kernelKindsSchema,
  contentRoot: contentRootSchema.optional(),
  about: jobAboutSchema.optional(),
  policy: listingPolicySchema.optional(),
  creditKey: creditKeySchema.optional(),
  unitsTotal: unitsTotalSchema,
  unitsDone: unitsDoneSchema,
  reward: rewardSchema.optional(),
  sites: siteCreditsSchema.optional(),
  verification: listingVerificationSchema.optional(),
  listedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})
export type Listing = z.infer<typeof listingSchema>

export const listingResponseSchema = z.object({ v: z.literal(1), listing: listingSchema })
export type ListingResponse = z.infer<typeof listingResponseSchema>

/** One page of listings in job id order; `next`, when there, is the `after` of the next page. */
export const jobListResponseSchema = z.object({
  v: z.literal(1),
  jobs: z.array(listingSchema),
  next: jobIdSchema.optional(),
})
export type JobListResponse = z.infer<typeof jobListResponseSchema>

/** What a partner site's visitors contributed: accepted units per job this server has seen. */
export const siteContributionResponseSchema = z.object({
  v: z.literal(1),
  siteKey: siteKeySchema,
  units: z.int().min(0),
  jobs: z.array(
    z.object({
      jobId: jobIdSchema,
      name: jobNameSchema,
      units: unitsDoneSchema,
      open: z.boolean(),
    }),
  ),
})
export type SiteContributionResponse = z.infer<typeof siteContributionResponseSchema>

export const healthResponseSchema = z.object({
  v: z.literal(1),
  /**
   * `unavailable` (with status 503) while the directory's Redis does not answer; `draining` (503)
   * while the node shuts down after SIGTERM.
   */
  status: z.enum(['ok', 'unavailable', 'draining']),
  peers: z.int().min(0),
  listings: z.int().min(0),
  /** What this node's peer sockets did since it started (see `PeerSocketStats`). */
  frames: z.object({
    relayed: z.int().min(0),
    queued: z.int().min(0),
    expired: z.int().min(0),
    rateLimited: z.int().min(0),
    rejected: z.int().min(0),
    timedOut: z.int().min(0),
  }),
  uptimeS: z.number().min(0),
  /** Where the directory is kept: this process, or a Redis that several nodes share. */
  store: z
    .object({
      kind: z.enum(['memory', 'redis']),
      reachable: z.boolean(),
      /** One PING to the store, timed for this answer (ms); absent when it did not answer. */
      roundTripMs: z.number().min(0).optional(),
    })
    .optional(),
})
export type HealthResponse = z.infer<typeof healthResponseSchema>

export const errorResponseSchema = z.object({
  v: z.literal(1),
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z
      .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
      .optional(),
  }),
})
export type ErrorResponse = z.infer<typeof errorResponseSchema>
