import { bytesToHex } from '../encoding/bytesToHex.ts'
import type { JobPackage } from '../tasks/JobPackage.ts'
import { packParams } from '../tasks/packParams.ts'
import { planUnits } from '../tasks/planUnits.ts'
import type { JobRecord } from './JobRecord.ts'

export type CreateJobRecordParameters = {
  /** The catalogue entry the package came from. */
  catalogueId?: string
  /** SHA-256 of the input file, hashed by the caller (off the main thread for large files). */
  inputSha256?: string
  now?: number
}

/** Allowance on top of the time limit for sending the input and the result. */
const transferAllowanceMs = 30_000

/**
 * A new job from a validated package: units planned over the input (throws `task/input-size`),
 * params packed, a fresh id and directory owner token.
 *
 * @example
 * const job = createJobRecord(await entry.createPackage(), { catalogueId: entry.id })
 */
export function createJobRecord(
  pkg: JobPackage,
  parameters: CreateJobRecordParameters = {},
): JobRecord {
  const { manifest } = pkg
  const plan = planUnits(manifest, pkg.input?.size ?? 0)
  const random = bytesToHex(crypto.getRandomValues(new Uint8Array(24)))
  const slug = manifest.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40)
  return {
    jobId: `${slug || 'job'}-${random.slice(0, 12)}`,
    name: manifest.name,
    manifest,
    ...(pkg.wgsl !== undefined && { wgsl: pkg.wgsl }),
    ...(pkg.wasm && { wasm: pkg.wasm }),
    params: packParams(manifest.params),
    unitsTotal: plan.unitCount,
    inputBytes: plan.inputBytes,
    ...(parameters.inputSha256 && { inputSha256: parameters.inputSha256 }),
    ...(parameters.catalogueId && { catalogueId: parameters.catalogueId }),
    deadlineMs: manifest.limits.timeLimitMs * 2 + transferAllowanceMs,
    ownerToken: random + random.slice(0, 16),
    status: 'running',
    createdAt: parameters.now ?? Date.now(),
    flagged: [],
  }
}
