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

/** The `rewards` option cannot fund a job: a reward that is not positive, no domains, a bad duration. */
export class RewardsOptionError extends BaseError {
  override readonly code = 'sdk/rewards-option'
}

/** The chain's RPC endpoint did not answer, or the escrow there is not a JobEscrow. */
export class ChainUnavailableError extends BaseError {
  override readonly code = 'sdk/chain-unavailable'

  constructor(rpcUrl: string, cause: unknown) {
    super(`The chain at ${rpcUrl} cannot be used for rewards.`, {
      details: describeCause(cause),
      cause,
    })
  }
}

/** The RPC endpoint serves another chain than the configuration names. Nothing is funded. */
export class WrongChainError extends BaseError {
  override readonly code = 'sdk/wrong-chain'

  constructor({ rpcUrl, expected, actual }: { rpcUrl: string; expected: number; actual: number }) {
    super(
      `The RPC endpoint ${rpcUrl} serves chain ${actual}, not chain ${expected} as configured: nothing was funded.`,
    )
  }
}

/** The requester's wallet lacks the tokens for the job's budget, or the gas to send it. */
export class InsufficientFundsError extends BaseError {
  override readonly code = 'sdk/insufficient-funds'
}

/** The funding transaction was refused or failed; the job was neither funded nor listed. */
export class FundingFailedError extends BaseError {
  override readonly code = 'sdk/funding-failed'

  constructor(cause: unknown) {
    super('The job was not funded, and not listed.', { details: describeCause(cause), cause })
  }
}

/**
 * The stored job does not match the `rewards` option: it was funded and the option is missing,
 * or it was funded on another chain or escrow. Resume it with the wallet and chain that funded it.
 */
export class FundingMismatchError extends BaseError {
  override readonly code = 'sdk/funding-mismatch'
}

function describeCause(cause: unknown): string {
  if (cause && typeof cause === 'object' && 'shortMessage' in cause)
    return String(cause.shortMessage)
  return cause instanceof Error ? cause.message : String(cause)
}
