import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import type { HostProgress } from '../jobs/HostProgress.ts'

/**
 * The status file a running `volunteer` or `host` process keeps in the status directory, one per
 * process (`publishStatus` writes it, `readStatusBoard` reads them all for `volunteer-compute
 * status`). Version 1.
 */

export const STATUS_FILE_VERSION = 1

const jobSchema = z.strictObject({ jobId: z.string(), name: z.string() })

/** What a headless volunteer is doing (`VolunteerClient`'s state, and its engines). */
export const volunteerSnapshotSchema = z.strictObject({
  kind: z.literal('volunteer'),
  /** `VolunteerState['status']`: idle, searching, connecting, running, waiting, stopped. */
  state: z.string(),
  job: jobSchema.optional(),
  unitsDone: z.number(),
  credit: z.number(),
  threads: z.number(),
  cpuShare: z.number(),
  /** The engines it offers hosts, `wasm` and/or `webgpu`. */
  engines: z.array(z.string()),
  /** The wallet address its rewards go to, when it has one. */
  wallet: z.string().optional(),
})

/** What a headless host is doing (its progress line, `formatProgress`). */
export const hostSnapshotSchema = z.strictObject({
  kind: z.literal('host'),
  /** For example `hosting`, `assembling`, `complete`. */
  state: z.string(),
  job: jobSchema,
  validated: z.number(),
  total: z.number(),
  volunteers: z.number(),
  unitsPerSecond: z.number(),
  flagged: z.number(),
})

export type VolunteerSnapshot = z.infer<typeof volunteerSnapshotSchema>
export type HostSnapshot = z.infer<typeof hostSnapshotSchema>
export type StatusSnapshot = VolunteerSnapshot | HostSnapshot

export const statusFileSchema = z.strictObject({
  v: z.literal(STATUS_FILE_VERSION),
  pid: z.number().int().positive(),
  hostname: z.string(),
  /** Milliseconds since the epoch. */
  startedAt: z.number(),
  updatedAt: z.number(),
  /** How often the process rewrites the file: an older `updatedAt` means it is stuck. */
  refreshMs: z.number().positive(),
  status: z.discriminatedUnion('kind', [volunteerSnapshotSchema, hostSnapshotSchema]),
})

/**
 * A host's snapshot from its job and progress: `hosting` until the job completes.
 *
 * @example
 * publishStatus({ dir, snapshot: () => hostSnapshotOf(job, host.progress) })
 */
export function hostSnapshotOf(
  job: { jobId: string; name: string },
  progress: HostProgress,
  state = progress.complete ? 'complete' : 'hosting',
): HostSnapshot {
  return {
    kind: 'host',
    state,
    job: { jobId: job.jobId, name: job.name },
    validated: progress.validated,
    total: progress.unitsTotal,
    volunteers: progress.volunteers,
    unitsPerSecond: progress.unitsPerSecond,
    flagged: progress.flagged.length,
  }
}

export type StatusFile = z.infer<typeof statusFileSchema>

/** `~/.volunteer-compute/run`. */
export const defaultStatusDir = path.join(os.homedir(), '.volunteer-compute', 'run')

/** The status directory: `--status-dir`, else `$VOLUNTEER_COMPUTE_STATUS_DIR`, else the default. */
export function statusDirOf(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env.VOLUNTEER_COMPUTE_STATUS_DIR ?? defaultStatusDir
}

/** A process's file: by host name and pid, so that machines sharing a home folder do not clash. */
export function statusFileName(hostname: string, pid: number): string {
  return `${hostname.replace(/[^A-Za-z0-9.-]/g, '_')}.${pid}.json`
}
