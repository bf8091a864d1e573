/**
 * The SDK of a headless requester: host a job from a Node script and get its verified results.
 * `docs/sdk.md` documents it; `examples/parameter-sweep/` uses it.
 *
 * @example
 * import { createJob } from 'volunteer-compute/sdk'
 * const job = await createJob({ package: 'examples/monte-carlo-pi', signaling: 'http://127.0.0.1:9000' })
 * const { bytes } = await job.done()
 */
export { createJob, type CreateJobOptions, type JobPackageSource } from './createJob.ts'
export { Job, type JobEvents, type JobOutput, type SignalingEvent, type UnitResult } from './Job.ts'
export {
  ChainUnavailableError,
  FundingFailedError,
  FundingMismatchError,
  InsufficientFundsError,
  InvalidPackageError,
  JobStoppedError,
  RewardsOptionError,
  UnitsFailedError,
  WrongChainError,
} from './errors.ts'
export type { JobFundingState, JobRewardsOption } from './JobFunding.ts'
export type { ChainConfig } from '../chain/chainConfig.ts'
export { WalletKeyError } from '../node/accountOfKey.ts'
export type { HostProgress, VerificationFigures } from '../jobs/HostProgress.ts'
export type { UploadProblems } from '../requester/checkUpload.ts'
export type { Manifest } from '../tasks/manifestSchema.ts'
