import type { HostProgress } from '../jobs/HostProgress.ts'

/**
 * One line of a headless host's progress: a bar, validated of total, volunteers, units per
 * second, the time left at that rate, and identities flagged. `width` is the bar's, in cells.
 *
 * @example
 * formatProgress(host.progress) // '[######··········] 24/64 validated · 3 volunteers · 4.0 units/s · ETA 10 s · 0 flagged'
 * // a job with an input adds what the host sent: '… · 0 flagged · 80.3 MiB sent (1.25× the input)'
 */
export function formatProgress(progress: HostProgress, width = 16): string {
  const { unitsTotal, validated, provisional, failed, volunteers, unitsPerSecond } = progress
  const done = unitsTotal ? validated / unitsTotal : 1
  const filled = Math.round(done * width)
  const bar = `[${'#'.repeat(filled)}${'·'.repeat(width - filled)}]`
  const left = unitsTotal - validated - failed
  const eta = progress.complete
    ? 'done'
    : unitsPerSecond > 0
      ? `ETA ${formatSeconds(left / unitsPerSecond)}`
      : 'ETA –'
  return [
    `${bar} ${validated}/${unitsTotal} validated`,
    ...(provisional ? [`${provisional} awaiting a check`] : []),
    ...(failed ? [`${failed} failed`] : []),
    `${volunteers} volunteer${volunteers === 1 ? '' : 's'}`,
    `${unitsPerSecond.toFixed(1)} units/s`,
    eta,
    `${progress.flagged.length} flagged`,
    ...(progress.data.inputBytes > 0 ? [formatSent(progress.data)] : []),
  ].join(' · ')
}

/** What the job's data cost this host's uplink: 2× the input for two replicas without the swarm. */
function formatSent({ sentBytes, inputBytes }: HostProgress['data']): string {
  return `${(sentBytes / 1024 / 1024).toFixed(1)} MiB sent (${(sentBytes / inputBytes).toFixed(2)}× the input)`
}

function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}
