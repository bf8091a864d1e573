import { InputChangedError } from '../pieces/errors.ts'
import { InputPieces } from '../pieces/InputPieces.ts'
import { planUnits, type UnitPlan } from '../tasks/planUnits.ts'
import type { JobRecord } from './JobRecord.ts'
import type { JobStore } from './JobStore.ts'
import { ReputationBook } from '../trust/ReputationBook.ts'
import { Scheduler } from './Scheduler.ts'

/** A job as the store has it: its record, its units' plan and input file, its Scheduler. */
export type StoredJob = {
  /** The stored record when there is one (a resumed job), else the job given. */
  job: JobRecord
  plan: UnitPlan
  /** The input file (split units); undefined for count units. */
  file: Blob | undefined
  /** The input file's pieces, hashed (split units); undefined for count units. */
  pieces: InputPieces | undefined
  /** Rebuilt from the stored unit records and flagged identities. */
  scheduler: Scheduler
  /** The requester's reputation book, across its jobs: the Scheduler trusts by it. */
  book: ReputationBook
}

/**
 * Saves a new job (its input file first, so a stored job has its input), or finds the stored one
 * after a reload, and rebuilds its Scheduler from its unit records. Hashes the input's pieces,
 * unless `hashed` gives them (the funding hashed them already). Throws `task/input-size` when the
 * input does not fit the job's units, and `pieces/input-changed` when a funded job's stored input
 * is not the one its escrow job commits to.
 *
 * @example
 * const { job, plan, file, scheduler } = await openStoredJob(store, created, input)
 */
export async function openStoredJob(
  store: JobStore,
  job: JobRecord,
  input: Blob | undefined,
  hashed?: InputPieces,
): Promise<StoredJob> {
  const stored = await store.loadJob(job.jobId)
  const current = stored ?? job
  const plan = planUnits(current.manifest, current.inputBytes)
  if (!stored) {
    if (input) await store.saveInput(job.jobId, input)
    await store.saveJob(job)
  }
  const file = current.inputBytes > 0 ? await store.loadInput(job.jobId) : undefined
  const pieces = file ? (hashed ?? (await InputPieces.hash(plan, file))) : undefined
  const committed = current.rewards?.inputRoot
  if (committed && pieces && committed !== pieces.root)
    throw new InputChangedError(committed, pieces.root)
  const units = await store.loadUnits(job.jobId)
  const book = new ReputationBook(await store.loadReputation())
  const { replication, verification } = current.manifest
  const scheduler = new Scheduler(
    {
      jobId: current.jobId,
      unitsTotal: current.unitsTotal,
      quorum: replication.quorum,
      maxResultsPerUnit: replication.maxResults,
      maxErrorsPerUnit: replication.maxErrors,
      deadlineMs: current.deadlineMs,
      verification: current.privatePool
        ? { ...verification, distinctOrigins: false }
        : verification,
    },
    book,
    { units, flagged: current.flagged },
  )
  return { job: current, plan, file, pieces, scheduler, book }
}
