import type { OutputChange } from './JobStore.ts'
import type { ResultOutcome } from './Scheduler.ts'

/**
 * Which outputs to keep after a result: the first output of each answer while a unit is open (a
 * later quorum may pick any of them), only the accepted one once it is decided (written again,
 * since a unit reopened after a flag may be won by an answer dropped before), none if it failed.
 */
export function outputChangeFor(
  outcome: Extract<ResultOutcome, { kind: 'recorded' }>,
  /** `sha256` is the result's vote: its own hash, or its float group's key. */
  result: { sha256: string; bytes: Uint8Array },
  knownHashes: ReadonlySet<string>,
  /** The bytes hash to the vote itself (not only within tolerance of its group's reference). */
  own = true,
): OutputChange {
  const isNew = !knownHashes.has(result.sha256)
  switch (outcome.unit) {
    case 'accepted':
    case 'provisional':
      return {
        ...(outcome.sha256 === result.sha256 && (isNew || own) ? { put: result } : {}),
        drop: [...knownHashes].filter((h) => h !== outcome.sha256),
      }
    case 'pending':
    case 'disputed':
      return isNew ? { put: result } : {}
    case 'failed':
      return { drop: [...knownHashes] }
    case 'checked':
    case 'late':
      return {}
  }
}
