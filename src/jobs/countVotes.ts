import type { UnitResult } from './UnitRecord.ts'

export type VoteCount = {
  /** The answer with the most votes (the first to reach it on a tie); undefined with none. */
  leader: string | undefined
  leaderVotes: number
  /** Votes for any other answer. */
  dissent: number
  /** Votes for the strongest other answer. */
  runnerUp: number
}

/**
 * Counts a unit's results as votes, leaving out those of flagged identities: a liar's word,
 * once it is caught, counts for nothing anywhere.
 *
 * @example
 * const count = countVotes(unit.results, (id) => flagged.has(id))
 * if (count.leaderVotes >= votesToAccept(count, quorum)) accept(count.leader)
 */
export function countVotes(
  results: readonly UnitResult[],
  isFlagged: (volunteerId: string) => boolean,
): VoteCount {
  const counts = new Map<string, number>()
  let leader: string | undefined
  let leaderVotes = 0
  let total = 0
  for (const result of results) {
    if (isFlagged(result.volunteerId)) continue
    total++
    const votes = (counts.get(result.sha256) ?? 0) + 1
    counts.set(result.sha256, votes)
    if (votes > leaderVotes) {
      leader = result.sha256
      leaderVotes = votes
    }
  }
  let runnerUp = 0
  for (const [answer, votes] of counts) if (answer !== leader) runnerUp = Math.max(runnerUp, votes)
  return { leader, leaderVotes, dissent: total - leaderVotes, runnerUp }
}

/**
 * Votes the leading answer needs to be accepted: the quorum, plus the votes of the strongest
 * other answer. Without dissent that is BOINC's quorum; with it, two colluders who outvote one
 * honest volunteer do not win: the unit goes to more volunteers, chosen at random, until one
 * answer leads the next by a quorum. Answers that agree with nothing (independent errors or
 * lies) each add one vote to beat, not one per answer.
 */
export function votesToAccept(count: VoteCount, quorum: number): number {
  return quorum + count.runnerUp
}
