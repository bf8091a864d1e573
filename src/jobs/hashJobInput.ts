import { InputPieces } from '../pieces/InputPieces.ts'
import { planUnits } from '../tasks/planUnits.ts'
import type { JobRecord } from './JobRecord.ts'

/**
 * The pieces of a new job's input, hashed, for its funding to commit to (`fundJob`'s `input`);
 * undefined for a job without input. Hand them on to `JobHost.open` so they are not hashed twice.
 *
 * @example
 * const pieces = await hashJobInput(job, input)
 * const rewards = await fundJob({ ...funding, input: pieces && { root: pieces.root, bytes: job.inputBytes } })
 */
export async function hashJobInput(
  job: JobRecord,
  input: Blob | undefined,
): Promise<InputPieces | undefined> {
  if (!input || job.inputBytes === 0) return undefined
  return InputPieces.hash(planUnits(job.manifest, job.inputBytes), input)
}
