/**
 * Trust, in two parts.
 *
 * First by simulation: the Scheduler driven by `simulateJob` (src/jobs/testing/simulateJob.ts), a
 * seeded discrete-event simulation with no network, no browser and no timers. Prints, as
 * markdown on stdout (progress on stderr):
 * - the issue's attack table under the default policy (q = 5%, N = 10);
 * - wrong results per unit against results per unit over q and N (Sarmenta's error-rate against
 *   overhead curve) for the 1% liars and the colluders that lie only on units they share;
 * - results per accepted unit after a warm-up job, adaptive against fixed quorum 2.
 * Each figure is over BENCH_RUNS (default 3) seeds, 1 to BENCH_RUNS.
 *
 * Then in real browsers over real WebRTC (browsers.ts), inside the private network only:
 * results per accepted unit and wall time, adaptive against fixed quorum 2, the same job and
 * volunteer tabs in one run. BENCH_TRUST_ONLY=simulation or =browsers runs one part.
 *
 *   ../shared/bin/private-net npx tsx bench/trust/run.ts
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import { launchBrowsers } from '../pipeline/harness.ts'
import { serveBenchPage } from '../support/serveBenchPage.ts'
import { measureTrustInBrowsers, reportTrustInBrowsers } from './browsers.ts'
import { machine } from '../pipeline/harness.ts'
import type { Verification } from '../../src/tasks/manifestSchema.ts'
import { ReputationBook } from '../../src/trust/ReputationBook.ts'
import {
  population,
  simulateJob,
  type SimulatedIdentity,
  type SimulationReport,
} from '../../src/jobs/testing/simulateJob.ts'
import {
  defaultVerification,
  trustScenario,
  trustScenarios,
} from '../../src/jobs/testing/trustScenarios.ts'

const unitsTotal = 10_000
const runs = positiveInteger('BENCH_RUNS', 3)
const seeds = Array.from({ length: runs }, (_, i) => i + 1)

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer.`)
  return value
}

type Run = SimulationReport & { hostMs: number }

function simulate(
  identities: SimulatedIdentity[],
  verification: Verification,
  seed: number,
  book?: ReputationBook,
): Run {
  const started = performance.now()
  const report = simulateJob({
    seed,
    unitsTotal,
    identities,
    verification,
    ...(book && { book }),
  })
  if (!report.completed) throw new Error(`trust bench: a job did not complete (seed ${seed})`)
  return { ...report, hostMs: performance.now() - started }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
const mean = (values: number[]) => sum(values) / Math.max(1, values.length)
const perUnit = (wrong: number, jobs: number) => {
  const rate = wrong / (jobs * unitsTotal)
  return rate === 0 ? '0' : rate.toExponential(1)
}
/** A total, with each run's figure when they are not all zero. */
const totalOf = (values: number[]) =>
  sum(values) === 0 ? '0' : `${sum(values)} (${values.join(', ')})`

function attackTable(): string[] {
  const rows = trustScenarios.map((scenario) => {
    console.error(`trust: ${scenario.key}`)
    const reports = seeds.map((seed) => simulate(scenario.identities, defaultVerification, seed))
    const of = (pick: (r: Run) => number) => reports.map(pick)
    const flaggedAfter = reports.flatMap((r) =>
      r.resultsBeforeFlag === undefined ? [] : [r.resultsBeforeFlag],
    )
    const wrong = of((r) => r.wrongAccepted)
    return [
      scenario.name,
      totalOf(wrong),
      perUnit(sum(wrong), reports.length),
      totalOf(of((r) => r.failed)),
      mean(of((r) => r.reopened)).toFixed(0),
      mean(of((r) => r.resultsPerUnit)).toFixed(3),
      `${mean(of((r) => r.adversariesFlagged)).toFixed(1)} / ${reports[0]!.adversaries}`,
      flaggedAfter.length ? mean(flaggedAfter).toFixed(1) : '–',
      `${mean(of((r) => r.benched)).toFixed(1)} / ${reports[0]!.adversaries}`,
      totalOf(of((r) => r.honestFlagged)),
    ]
  })
  return [
    '| adversaries (20 of 100) | wrong accepted | wrong per unit | failed | reopened | results per accepted unit | adversaries flagged | mean results before flag | benched | honest flagged |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ]
}

const canaryRates = [0, 0.02, 0.05, 0.1, 0.2]
const minConsecutive = [5, 10, 20]

function curve(key: string): string[] {
  const { identities, name } = trustScenario(key)
  const rows = minConsecutive.map((n) => {
    const cells = canaryRates.map((q) => {
      console.error(`trust: curve ${key} N = ${n}, q = ${q}`)
      const verification = { ...defaultVerification, minConsecutiveValid: n, canaryRate: q }
      const reports = seeds.map((seed) => simulate(identities, verification, seed))
      const wrong = sum(reports.map((r) => r.wrongAccepted))
      const overhead = mean(reports.map((r) => r.resultsPerUnit))
      return `${perUnit(wrong, reports.length)} @ ${overhead.toFixed(3)}`
    })
    return `| N = ${n} | ${cells.join(' | ')} |`
  })
  return [
    `**${name}**: wrong per unit @ results per accepted unit`,
    '',
    `| | ${canaryRates.map((q) => `q = ${q * 100}%`).join(' | ')} |`,
    `| --- | ${canaryRates.map(() => '---:').join(' | ')} |`,
    ...rows,
  ]
}

const fixedQuorum: Verification = { ...defaultVerification, adaptive: false, canaryRate: 0 }

/** A first job warms the book; the second, with the same identities and book, is measured. */
function afterWarmUp(identities: SimulatedIdentity[], verification: Verification): Run[] {
  return seeds.map((seed) => {
    const book = new ReputationBook()
    simulate(identities, verification, seed, book)
    return simulate(identities, verification, seed + 1000, book)
  })
}

function warmUpTable(): string[] {
  const liars = (rate: number) =>
    population({ adversaries: 20, strategy: () => ({ kind: 'lie', rate }) })
  const cases = [
    {
      label: 'all honest',
      goal: '≤ 1.15',
      identities: population({ adversaries: 0, strategy: () => ({ kind: 'honest' }) }),
    },
    {
      label: '20% independent liars, each lying on 10% of units',
      goal: '≤ 1.3',
      identities: liars(0.1),
    },
    {
      label: '20% independent liars, each lying on 1% of units',
      goal: '',
      identities: liars(0.01),
    },
    { label: '20% independent liars, always lying', goal: '', identities: liars(1) },
  ]
  const rows = cases.map(({ label, goal, identities }) => {
    console.error(`trust: after warm-up, ${label}`)
    const adaptive = afterWarmUp(identities, defaultVerification)
    const fixed = afterWarmUp(identities, fixedQuorum)
    const rpu = (rs: Run[]) => mean(rs.map((r) => r.resultsPerUnit)).toFixed(3)
    const wrong = (rs: Run[]) => perUnit(sum(rs.map((r) => r.wrongAccepted)), rs.length)
    const time = (rs: Run[]) => mean(rs.map((r) => r.time)).toFixed(0)
    const host = (rs: Run[]) => mean(rs.map((r) => r.hostMs)).toFixed(0)
    return `| ${label} | ${goal} | ${rpu(adaptive)} | ${rpu(fixed)} | ${wrong(adaptive)} | ${wrong(fixed)} | ${time(adaptive)} | ${time(fixed)} | ${host(adaptive)} | ${host(fixed)} |`
  })
  return [
    '| second job, same identities and book | goal | results per accepted unit, adaptive | results per accepted unit, fixed quorum 2 | wrong per unit, adaptive | wrong per unit, fixed | simulated time, adaptive | simulated time, fixed | host ms, adaptive | host ms, fixed |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ]
}

function simulation(): string[] {
  const started = performance.now()
  const attack = attackTable()
  const liarCurve = curve('lie-1')
  const sharedCurve = curve('collude-on-shared')
  const warmUp = warmUpTable()
  const minutes = ((performance.now() - started) / 60_000).toFixed(1)
  return [
    '## Trust: adaptive replication and canaries (simulation)',
    '',
    '`bench/trust/run.ts` (also a step of `npm run bench`; alone: `npx tsx bench/trust/run.ts`)',
    '',
    `- machine: ${machine()}; node ${process.version}; ${new Date().toISOString()}; ${minutes} min`,
    `- \`simulateJob\`: ${unitsTotal.toLocaleString('en-US')} units, 100 identities with 2 slots each, 20 adversaries, quorum 2, at most 5 results and 4 errors per unit; seeds ${seeds.join(', ')} (a job each); totals and means over them`,
    "- a unit takes 1 to 3 time units to compute, a deadline is 60; simulated time is the job's makespan in those units, host ms the Scheduler's own CPU time for the job",
    '',
    '### Attacks, default policy (q = 5%, N = 10)',
    '',
    ...attack,
    '',
    '### Wrong per unit against overhead, over q (canary rate) and N (minConsecutiveValid)',
    '',
    ...liarCurve,
    '',
    ...sharedCurve,
    '',
    '### After a warm-up job: adaptive (q = 5%, N = 10) against fixed quorum 2',
    '',
    ...warmUp,
  ]
}

async function inBrowsers(): Promise<string[]> {
  if (process.env.PRIVATE_NET !== '1')
    throw new Error(
      'The browser part opens WebRTC connections: run it inside ../shared/bin/private-net (or set BENCH_TRUST_ONLY=simulation).',
    )
  const pipeline = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'pipeline')
  const site = await serveBenchPage(pipeline)
  const signaling = await createSignalingServer({ host: '127.0.0.1', port: 0 })
  const browsers = await launchBrowsers()
  try {
    const measurements = await measureTrustInBrowsers({
      siteUrl: site.url,
      signalingUrl: signaling.url,
      browsers,
      runs,
    })
    return [
      '## Trust: adaptive replication against quorum 2 in browsers',
      '',
      `- machine: ${machine()}; chromium ${browsers.version}, node ${process.version}; ${new Date().toISOString()}`,
      '',
      ...reportTrustInBrowsers(measurements),
    ]
  } finally {
    await browsers.close()
    site.server.close()
    await signaling.close()
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_TRUST_ONLY
  const sections: string[][] = []
  if (only !== 'browsers') sections.push(simulation())
  if (only !== 'simulation') sections.push(await inBrowsers())
  console.log(sections.map((lines) => lines.join('\n')).join('\n\n'))
}

// Exit explicitly: the browsers' and peers' handles may hold the process open.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
