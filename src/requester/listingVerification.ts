import {
  maxListedResultsPerUnit,
  maxVerificationCount,
  type ListingVerification,
} from '../../signaling/directory/schemas.ts'
import type { VerificationFigures } from '../jobs/HostProgress.ts'

/**
 * The verification figures a job's directory listing publishes, from its host's progress:
 * results per accepted unit to three decimals, every figure within the directory's bounds.
 *
 * @example
 * listingVerification(host.progress.verification)
 * // { resultsPerUnit: 1.125, canaries: 12, flaggedIdentities: 1, reopened: 3 }
 */
export function listingVerification(figures: VerificationFigures): ListingVerification {
  const perUnit = Number.isFinite(figures.resultsPerUnit) ? figures.resultsPerUnit : 0
  return {
    resultsPerUnit: clamp(Math.round(perUnit * 1000) / 1000, maxListedResultsPerUnit),
    canaries: clamp(figures.canaries, maxVerificationCount),
    flaggedIdentities: clamp(figures.flaggedIdentities, maxVerificationCount),
    reopened: clamp(figures.reopened, maxVerificationCount),
  }
}

function clamp(value: number, max: number): number {
  return Math.min(Math.max(value, 0), max)
}
