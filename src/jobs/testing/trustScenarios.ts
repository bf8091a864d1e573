import type { Verification } from '../../tasks/manifestSchema.ts'
import { population, type SimulatedIdentity, type Strategy } from './simulateJob.ts'

/** The manifest's defaults: adaptive replication from N = 10, canaries at q = 5%, distinct origins. */
export const defaultVerification: Verification = {
  adaptive: true,
  minConsecutiveValid: 10,
  canaryRate: 0.05,
  distinctOrigins: true,
}

export type TrustScenario = {
  key: string
  /** What the adversaries do, as the simulation table says it. */
  name: string
  identities: SimulatedIdentity[]
}

const adversaries = 20

const scenario = (
  key: string,
  name: string,
  strategy: (n: number) => Strategy,
  origin?: (n: number) => string,
): TrustScenario => ({
  key,
  name,
  identities: population({ adversaries, strategy, ...(origin && { origin }) }),
})

/** Groups of `size` that return their group's wrong answer, on one origin per group or each on its own. */
const colluders = (size: number, oneOrigin: boolean): TrustScenario => {
  const group = (n: number) => `g${Math.floor(n / size)}`
  return scenario(
    `collude-${size}-${oneOrigin ? 'one-origin' : 'distinct-origins'}`,
    `colluding groups of ${size}, ${oneOrigin ? 'one origin per group' : 'distinct origins'}`,
    (n) => ({ kind: 'collude', group: group(n) }),
    oneOrigin ? (n) => `origin-of-${group(n)}` : undefined,
  )
}

/**
 * The simulation: 100 identities, 20 of them adversaries with one strategy each, the
 * honest ones and each adversary on an origin of its own unless the strategy shares one.
 */
export const trustScenarios: readonly TrustScenario[] = [
  scenario('always-lie', 'always lie', () => ({ kind: 'lie', rate: 1 })),
  scenario('lie-1', 'lie on 1% of units', () => ({ kind: 'lie', rate: 0.01 })),
  scenario('lie-10', 'lie on 10% of units', () => ({ kind: 'lie', rate: 0.1 })),
  scenario('earn-then-lie', 'honest for 50 results, then always lie', () => ({
    kind: 'earn-then-lie',
    honestResults: 50,
  })),
  colluders(2, true),
  colluders(5, true),
  colluders(10, true),
  colluders(2, false),
  colluders(5, false),
  colluders(10, false),
  scenario(
    'sybil-farm',
    'Sybil farm: 20 identities on one origin',
    () => ({ kind: 'collude', group: 'farm' }),
    () => 'farm',
  ),
  scenario(
    'collude-on-shared',
    'lie only on units the whole group holds (groups of 2, distinct origins)',
    (n) => ({ kind: 'collude-on-shared', group: `g${Math.floor(n / 2)}` }),
  ),
  scenario('grief', 'griefers: an error on every unit', () => ({ kind: 'grief' })),
  scenario('hoard', 'hoarders: take units, never answer', () => ({ kind: 'hoard' })),
]

export function trustScenario(key: string): TrustScenario {
  const found = trustScenarios.find((s) => s.key === key)
  if (!found) throw new Error(`no trust scenario ${key}`)
  return found
}
