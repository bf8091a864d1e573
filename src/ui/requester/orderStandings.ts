import type { StandingRow } from '../../jobs/HostProgress.ts'
import { capRows, type Capped } from '../shared/capRows.ts'

/**
 * The rows of the job's identity table: flagged identities first, then by valid results (most
 * first), then by identity so that rows stay put between progress events; at most `limit`.
 *
 * @example
 * const { shown, more } = orderStandings(progress.standings)
 */
export function orderStandings(rows: readonly StandingRow[], limit = 50): Capped<StandingRow> {
  const sorted = [...rows].sort(
    (a, b) =>
      Number(b.flagged) - Number(a.flagged) ||
      b.valid - a.valid ||
      (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0),
  )
  return capRows(sorted, limit)
}
