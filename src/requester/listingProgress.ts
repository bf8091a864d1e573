import type { ListingVerification, Reward } from '../../signaling/directory/schemas.ts'
import type { HostProgress } from '../jobs/HostProgress.ts'
import type { JobRewards } from '../jobs/JobRecord.ts'
import { listingVerification } from './listingVerification.ts'

export type ListingProgress = {
  unitsDone: number
  verification: ListingVerification
  /** Accepted units per partner site, when any site's visitors computed some. */
  sites?: Record<string, number>
}

/**
 * What a job's directory listing says of its progress, at registration and in every update,
 * whoever hosts it (a tab or a headless node): units done, verification figures, and the
 * partner sites whose visitors computed accepted units.
 *
 * @example
 * await directory.update(job.jobId, job.ownerToken, listingProgress(host.progress))
 */
export function listingProgress(progress: HostProgress): ListingProgress {
  return {
    unitsDone: progress.validated + progress.failed,
    verification: listingVerification(progress.verification),
    ...(Object.keys(progress.sites).length > 0 && { sites: { ...progress.sites } }),
  }
}

/**
 * What a funded job's listing says of its reward, whoever hosts it: what a unit pays and what is
 * left to earn (the budget less every voucher promised). Nothing for an unfunded job.
 *
 * @example
 * await directory.update(job.jobId, job.ownerToken, { ...listingReward(job.rewards, chain), ...listingProgress(progress) })
 */
export function listingReward(
  rewards: JobRewards | undefined,
  token: { tokenSymbol: string; tokenDecimals: number } | undefined,
): { reward: Reward } | Record<string, never> {
  if (!rewards || !token) return {}
  const promised = Object.values(rewards.earned).reduce((sum, a) => sum + BigInt(a), 0n)
  return {
    reward: {
      chainId: rewards.chainId,
      tokenSymbol: token.tokenSymbol,
      tokenDecimals: token.tokenDecimals,
      perUnit: rewards.rewardPerUnit,
      remaining: String(BigInt(rewards.budget) - promised),
    },
  }
}
