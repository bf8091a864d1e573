import { BaseError } from '../errors/BaseError.ts'
import type { UploadProblems } from '../requester/checkUpload.ts'
import { formatUploadProblems } from '../requester/formatUploadProblems.ts'

/** The package fails the upload page's checks; `problems` has its messages, by part. */
export class InvalidPackageError extends BaseError {
  override readonly code = 'sdk/invalid-package'
  readonly problems: UploadProblems

  constructor(problems: UploadProblems) {
    super('The job package has problems.', { details: formatUploadProblems(problems) })
    this.problems = problems
  }
}

/** Every unit is decided, but some failed: no output. The job stays in its store. */
export class UnitsFailedError extends BaseError {
  override readonly code = 'sdk/units-failed'
  readonly failures: { index: number; reason: string }[]

  constructor(failures: { index: number; reason: string }[]) {
    const shown = failures
      .slice(0, 5)
      .map((f) => `unit ${f.index}: ${f.reason}`)
      .join('; ')
    super(`${failures.length} unit${failures.length === 1 ? '' : 's'} failed.`, {
      details: failures.length > 5 ? `${shown}; …` : shown,
    })
    this.failures = failures
  }
}

/** `job.stop()` ended the job before it completed; the same package and store resume it. */
export class JobStoppedError extends BaseError {
  override readonly code = 'sdk/job-stopped'

  constructor(storeFile: string) {
    super('The job was stopped before it completed.', {
      details: `Its state is kept in ${storeFile}: create the same job with this store to resume.`,
    })
  }
}
