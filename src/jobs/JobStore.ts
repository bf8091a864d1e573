import type { ReputationEntry, ReputationStore } from '../trust/ReputationBook.ts'
import type { JobRecord } from './JobRecord.ts'
import type { UnitRecord } from './UnitRecord.ts'

/**
 * Where a job host keeps what must survive a reload. A result is acknowledged
 * to its volunteer only after the `saveUnits` that records it has resolved.
 */
export type JobStore = ReputationStore & {
  saveJob(job: JobRecord): Promise<void>
  /** Keeps a job's input file; saved before the job record, so a stored job has its input. */
  saveInput(jobId: string, input: Blob): Promise<void>
  loadInput(jobId: string): Promise<Blob | undefined>
  loadJob(jobId: string): Promise<JobRecord | undefined>
  /** The most recent job, running or complete. */
  latestJob(): Promise<JobRecord | undefined>
  /**
   * Saves unit records and, in the same transaction and in the order given,
   * outputs to keep (the first result with a given hash) and outputs to drop
   * (losing hashes), and the reputation entries the results changed.
   */
  saveUnits(
    jobId: string,
    writes: readonly UnitWrite[],
    reputation?: readonly ReputationEntry[],
  ): Promise<void>
  loadUnits(jobId: string): Promise<UnitRecord[]>
  loadOutput(jobId: string, index: number, sha256: string): Promise<Uint8Array | undefined>
  deleteJob(jobId: string): Promise<void>
}

export type OutputChange = {
  put?: { sha256: string; bytes: Uint8Array }
  /** Hashes of this unit whose outputs are no longer needed. */
  drop?: string[]
}

export type UnitWrite = { unit: UnitRecord; change?: OutputChange | undefined }
