import { compareResults } from './compareResults.ts'
import type { Comparison } from './manifestSchema.ts'

/**
 * Sorts a unit's results, in the order they arrived, into classes that agree: each result
 * joins the first group whose first result it matches (`compareResults(result, first)`), or
 * starts a new group. Tolerance is not transitive (a may match b, b match c, and a not c), so
 * the first result of a group is its reference and the output accepted when the group reaches
 * the quorum. With `exact` this is grouping by hash.
 *
 * @example
 * groupResults([r0, r1, r2], manifest.comparison) // [[0, 2], [1]]
 */
export function groupResults(results: readonly Uint8Array[], comparison: Comparison): number[][] {
  const groups: { reference: Uint8Array; members: number[] }[] = []
  results.forEach((result, index) => {
    const group = groups.find(
      ({ reference }) => compareResults(result, reference, comparison).equal,
    )
    if (group) group.members.push(index)
    else groups.push({ reference: result, members: [index] })
  })
  return groups.map(({ members }) => members)
}
