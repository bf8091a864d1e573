import type { OutputChange } from './JobStore.ts'
import type { ResultOutcome } from './Scheduler.ts'

/**
 * Which outputs to keep after a result: the first output of each hash while a
 * unit is open (a later quorum may pick any of them), only the accepted one
 * once it is decided, none if it failed.
 */
export function outputChangeFor(
  outcome: Exclude<ResultOutcome, { kind: 'unknown-assignment' }>,
  result: { sha256: string; bytes: Uint8Array },
  knownHashes: ReadonlySet<string>,
): OutputChange {
  const isNew = !knownHashes.has(result.sha256)
  switch (outcome.kind) {
    case 'accepted':
      return {
        ...(isNew ? { put: result } : {}),
        drop: [...knownHashes].filter((h) => h !== result.sha256),
      }
    case 'pending':
      return isNew ? { put: result } : {}
    case 'failed':
      return { drop: [...knownHashes] }
    case 'late':
      return {}
  }
}
