import type { ListingVerification } from '../../signaling/directory/schemas.ts'
import type { HostProgress } from '../jobs/HostProgress.ts'
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
