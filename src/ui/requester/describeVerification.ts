import type { Manifest, Verification } from '../../tasks/manifestSchema.ts'

/**
 * What the requester page says of a job's verification policy: one sentence each for its quorum,
 * adaptive replication, canaries, networks and when a unit fails, from the manifest as the host
 * runs it (a private pool's `distinctOrigins` already off).
 *
 * @example
 * const lines = describeVerification(manifest.replication, manifest.verification)
 */
export function describeVerification(
  replication: Manifest['replication'],
  verification: Verification,
): string[] {
  const { quorum, maxResults, maxErrors } = replication
  const { adaptive, minConsecutiveValid, canaryRate, distinctOrigins } = verification
  return [
    quorum === 1
      ? 'Quorum 1: a unit is accepted on one volunteer’s result.'
      : `Quorum ${quorum}: a unit is accepted when ${quorum} volunteers’ results agree (one answer ahead of any other by ${quorum}).`,
    adaptive
      ? `Adaptive replication: a volunteer with ${plural(minConsecutiveValid, 'checked result')} in a row on this kernel may compute a unit alone; that unit is provisional until the volunteer’s next check.`
      : `No adaptive replication: every unit is computed by at least ${plural(quorum, 'volunteer')}.`,
    canaryRate > 0
      ? `${formatPercent(canaryRate)} of assignments are canaries, units whose answer is known.`
      : 'No canaries.',
    distinctOrigins
      ? 'Results for one unit come from volunteers on different networks.'
      : 'Private pool: results for one unit may come from one network.',
    `A unit fails after ${plural(maxResults, 'result')} without an accepted answer, or ${plural(maxErrors, 'error')}.`,
  ]
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`
}
