import { describe, expect, it } from 'vitest'
import { simulateJob, type SimulationReport } from './testing/simulateJob.ts'
import { defaultVerification, trustScenario } from './testing/trustScenarios.ts'

// The simulation: 10,000 units, 100 identities, 20 of them adversaries, the default
// policy (quorum 2, q = 5%, N = 10, distinct origins). One seeded job per scenario, about a
// second each. Where a bound is not 0, it is the worst of seeds 1 to 20 with a margin, measured
// with `bench/trust/run.ts`'s scenarios (docs/benchmarks.md has the table).

const unitsTotal = 10_000
const timeout = 60_000

function simulate(key: string): SimulationReport {
  const report = simulateJob({
    seed: 1,
    unitsTotal,
    identities: trustScenario(key).identities,
    verification: defaultVerification,
  })
  expect(report.completed).toBe(true)
  return report
}

/**
 * Liars whose votes are counted until they are caught can leave a unit at its results cap (5)
 * with no answer leading by the quorum: it fails, nothing wrong is accepted, and the requester
 * may retry it. Measured: at most 3 such units in 10,000.
 */
const maxFailedByLies = 5

describe('Scheduler simulation: 20 adversaries among 100 identities, 10,000 units', () => {
  it(
    'always lie: no wrong result accepted, every liar flagged',
    () => {
      const r = simulate('always-lie')
      expect(r).toMatchObject({ wrongAccepted: 0, honestFlagged: 0, adversariesFlagged: 20 })
      expect(r.failed).toBeLessThanOrEqual(maxFailedByLies)
    },
    timeout,
  )

  it(
    'lie on 1% of units: the single results of liars never caught stay, within the measured bound',
    () => {
      const r = simulate('lie-1')
      // Not 0: a trusted identity's unit accepted alone is checked only through its later
      // checks, which a 1% liar passes 99 times in 100 (BOINC's adaptive replication trades
      // this for overhead; the q and N curve in docs/benchmarks.md shows the trade). Measured
      // 7 to 19 wrong units in 10,000 over 20 seeds.
      expect(r.wrongAccepted / unitsTotal).toBeLessThanOrEqual(3e-3)
      expect(r).toMatchObject({ failed: 0, honestFlagged: 0 })
      expect(r.adversariesFlagged).toBeGreaterThan(0)
    },
    timeout,
  )

  it(
    'lie on 10% of units: most liars are caught and their units reopened',
    () => {
      const r = simulate('lie-10')
      // Not 0 either: a liar that escapes every canary keeps its single units. Measured 0 to 28
      // in 10,000 over 20 seeds, with 17 to 20 of the 20 liars flagged.
      expect(r.wrongAccepted / unitsTotal).toBeLessThanOrEqual(4e-3)
      expect(r.adversariesFlagged).toBeGreaterThanOrEqual(15)
      expect(r.reopened).toBeGreaterThan(0)
      expect(r).toMatchObject({ failed: 0, honestFlagged: 0 })
    },
    timeout,
  )

  it(
    'earn trust, then lie: caught, and every unit accepted on its word recomputed',
    () => {
      const r = simulate('earn-then-lie')
      expect(r).toMatchObject({ wrongAccepted: 0, honestFlagged: 0, adversariesFlagged: 20 })
      expect(r.reopened).toBeGreaterThan(0)
      expect(r.failed).toBeLessThanOrEqual(maxFailedByLies)
    },
    timeout,
  )

  for (const size of [2, 5, 10])
    it(
      `colluding groups of ${size} on one origin per group: never two replicas of a unit, all flagged`,
      () => {
        const r = simulate(`collude-${size}-one-origin`)
        expect(r).toMatchObject({ wrongAccepted: 0, honestFlagged: 0, adversariesFlagged: 20 })
        expect(r.failed).toBeLessThanOrEqual(maxFailedByLies)
      },
      timeout,
    )

  for (const size of [2, 5, 10])
    it(
      `colluding groups of ${size} from distinct origins: outvoted or reopened, all flagged`,
      () => {
        const r = simulate(`collude-${size}-distinct-origins`)
        expect(r).toMatchObject({ wrongAccepted: 0, adversariesFlagged: 20 })
        expect(r.failed).toBeLessThanOrEqual(maxFailedByLies)
        // Three members of one group of 5 or 10, from distinct origins, can outvote an honest
        // identity 3 to 1 before any of them is caught: the unit is reopened and recomputed
        // when they are, but the honest identity's flag stands. Measured over seeds 1 to 30: once
        // with groups of 10 (seed 15), never with groups of 2 or 5.
        expect(r.honestFlagged).toBeLessThanOrEqual(size >= 5 ? 1 : 0)
      },
      timeout,
    )

  it(
    'a Sybil farm of 20 identities on one origin: no two of them on one unit, all flagged',
    () => {
      const r = simulate('sybil-farm')
      expect(r).toMatchObject({
        wrongAccepted: 0,
        failed: 0,
        honestFlagged: 0,
        adversariesFlagged: 20,
      })
    },
    timeout,
  )

  it(
    'colluders lying only on units their whole group holds: within the measured bound',
    () => {
      const r = simulate('collude-on-shared')
      // Pairs on distinct origins that agree on a wrong answer only when both hold a unit are
      // a quorum no check contradicts: only the random choice among many units keeps them
      // apart. Measured 0 to 5 wrong units in 10,000 over 20 seeds (mean 0.9, 9e-5 per unit),
      // none of them caught.
      expect(r.wrongAccepted / unitsTotal).toBeLessThanOrEqual(8e-4)
      expect(r).toMatchObject({ failed: 0, honestFlagged: 0 })
    },
    timeout,
  )

  it(
    'griefers erroring on every unit: benched, and no unit fails because of them',
    () => {
      const r = simulate('grief')
      expect(r).toMatchObject({ wrongAccepted: 0, failed: 0, honestFlagged: 0, benched: 20 })
    },
    timeout,
  )

  it(
    'hoarders that never answer: benched, and their units reissued',
    () => {
      const r = simulate('hoard')
      expect(r).toMatchObject({ wrongAccepted: 0, failed: 0, honestFlagged: 0, benched: 20 })
    },
    timeout,
  )
})
