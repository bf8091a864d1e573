import { isTrusted, type KernelStanding, type ReputationEntry } from '../../trust/ReputationBook.ts'
import { capRows, type Capped } from '../shared/capRows.ts'

/** One identity's standing on one kernel, as the reputation table shows it. */
export type ReputationRow = KernelStanding & {
  identity: string
  /** The kernel's SHA-256: trust is earned per kernel. */
  kernel: string
  lastSeen: number
  /** Jobs in which the identity was flagged. */
  flaggedJobs: number
  trusted: boolean
}

/**
 * The rows of the requester's reputation table, one per identity and kernel: identities flagged
 * in some job first, then by valid results (most first), then the most recently seen; at most
 * `limit`. `trusted`: the valid results in a row it needs on that kernel (`isTrusted`).
 *
 * @example
 * const { shown, more } = reputationRows(host.reputation(), 10)
 */
export function reputationRows(
  entries: readonly ReputationEntry[],
  minConsecutiveValid: number,
  limit = 50,
): Capped<ReputationRow> {
  const rows = entries.flatMap((entry) =>
    Object.entries(entry.kernels).map(([kernel, standing]): ReputationRow => ({
      ...standing,
      identity: entry.identity,
      kernel,
      lastSeen: entry.lastSeen,
      flaggedJobs: entry.flaggedJobs.length,
      trusted: isTrusted(standing, minConsecutiveValid),
    })),
  )
  rows.sort(
    (a, b) =>
      Number(b.flaggedJobs > 0) - Number(a.flaggedJobs > 0) ||
      b.valid - a.valid ||
      b.lastSeen - a.lastSeen ||
      (a.identity + a.kernel < b.identity + b.kernel ? -1 : 1),
  )
  return capRows(rows, limit)
}
