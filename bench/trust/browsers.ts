import { createHash } from 'node:crypto'
import type { Page } from '@playwright/test'
import { renderMandelbrotTile } from '../../src/kernels/mandelbrot/reference.ts'
import { mandelbrotUnitCount, type MandelbrotParams } from '../../src/kernels/mandelbrot/params.ts'
import type { ManifestInput } from '../../src/tasks/manifestSchema.ts'
import { call, median, openHost, type BenchContext } from '../pipeline/harness.ts'
import { openPage } from '../pipeline/harness.ts'

/**
 * Adaptive replication against fixed quorum 2 in real browsers: the pipeline bench's host tab
 * (JobHost on IndexedDB, its reputation book kept across jobs) and volunteer tabs over real
 * WebRTC, the same volunteers for both policies. Each scenario opens fresh volunteer tabs (fresh
 * identities), runs one warm-up job under the adaptive policy, then BENCH_RUNS pairs of jobs,
 * one per policy, alternating which goes first. Every accepted unit is checked against the
 * TypeScript reference render.
 */

export const trustBrowserSetup = {
  volunteers: 5,
  workersPerVolunteer: 1,
  /** 384 tiles of 32×32 of the demo view. */
  params: {
    width: 768,
    height: 512,
    tileWidth: 32,
    tileHeight: 32,
    centerX: -0.5,
    centerY: 0,
    spanX: 3,
    maxIterations: 8192,
  } satisfies MandelbrotParams,
  /** Share of its units an independent liar answers wrong. */
  lieRate: 0.1,
}

const policies = {
  adaptive: {},
  'quorum 2': { adaptive: false, canaryRate: 0 },
} satisfies Record<string, ManifestInput['verification']>
type Policy = keyof typeof policies

const scenarios = [
  { label: 'all honest', liars: 0, goal: '≤ 1.15' },
  { label: '20% independent liars', liars: 1, goal: '≤ 1.3' },
]

export type TrustJob = {
  policy: Policy
  resultsPerUnit: number
  seconds: number
  wrongAccepted: number
  flagged: number
  canaries: number
  reopened: number
}

export type TrustScenarioMeasurement = {
  label: string
  goal: string
  liars: number
  warmUp: TrustJob
  /** Per run, both policies. */
  runs: Record<Policy, TrustJob>[]
}

let referenceHashes: string[] | undefined

/** The sha256 of every tile as the TypeScript reference renders it. */
function reference(): string[] {
  const { params } = trustBrowserSetup
  referenceHashes ??= Array.from({ length: mandelbrotUnitCount(params) }, (_, index) =>
    createHash('sha256').update(renderMandelbrotTile(params, index)).digest('hex'),
  )
  return referenceHashes
}

async function runJob(
  context: BenchContext,
  volunteers: Page[],
  policy: Policy,
): Promise<TrustJob> {
  const { page } = await openHost(context)
  try {
    const job = await call(page, 'hostStart', [
      context.signalingUrl,
      trustBrowserSetup.params,
      2,
      policies[policy],
    ])
    await Promise.all(volunteers.map((volunteer) => call(volunteer, 'volunteerJoin', [job])))
    const report = await call(page, 'hostDone', [], 600_000)
    await Promise.all(volunteers.map((volunteer) => call(volunteer, 'volunteerLeave', [])))
    await call(page, 'hostWritesDone', [])
    const progress = await call(page, 'hostProgress', [])
    const accepted = await call(page, 'hostAccepted', [])
    await call(page, 'hostClose', [])
    const expected = reference()
    const wrongAccepted = accepted.filter((unit) => unit.sha256 !== expected[unit.index]).length
    return {
      policy,
      resultsPerUnit: report.results / report.unitsTotal,
      seconds: (report.completeAt! - report.firstAssignAt!) / 1000,
      wrongAccepted,
      flagged: progress.flagged.length,
      canaries: progress.verification.canaries,
      reopened: progress.verification.reopened,
    }
  } finally {
    await page.close()
  }
}

async function openVolunteerTabs(context: BenchContext, liars: number): Promise<Page[]> {
  const { volunteers, workersPerVolunteer, lieRate } = trustBrowserSetup
  return Promise.all(
    Array.from({ length: volunteers }, async (_, i) => {
      const page = await openPage(
        await context.browsers.volunteers.newPage(),
        context.siteUrl,
        `volunteer ${i + 1}`,
      )
      const rate = i < liars ? lieRate : 0
      await call(page, 'volunteerOpen', [context.signalingUrl, workersPerVolunteer, rate])
      return page
    }),
  )
}

export async function measureTrustInBrowsers(
  context: BenchContext,
): Promise<TrustScenarioMeasurement[]> {
  const measurements: TrustScenarioMeasurement[] = []
  for (const scenario of scenarios) {
    const volunteers = await openVolunteerTabs(context, scenario.liars)
    try {
      const warmUp = await runJob(context, volunteers, 'adaptive')
      console.error(`trust (browsers) ${scenario.label}: warm-up ${describe(warmUp)}`)
      const runs: Record<Policy, TrustJob>[] = []
      for (let run = 0; run < context.runs; run++) {
        const order: Policy[] = run % 2 ? ['quorum 2', 'adaptive'] : ['adaptive', 'quorum 2']
        const jobs = {} as Record<Policy, TrustJob>
        for (const policy of order) {
          jobs[policy] = await runJob(context, volunteers, policy)
          console.error(
            `trust (browsers) ${scenario.label}: run ${run + 1}/${context.runs} ${describe(jobs[policy])}`,
          )
        }
        runs.push(jobs)
      }
      measurements.push({ ...scenario, warmUp, runs })
    } finally {
      await Promise.all(volunteers.map((page) => page.close()))
    }
  }
  return measurements
}

function describe(job: TrustJob): string {
  return `${job.policy}: ${job.resultsPerUnit.toFixed(3)} results/unit, ${job.seconds.toFixed(1)} s, ${job.wrongAccepted} wrong, ${job.flagged} flagged`
}

export function reportTrustInBrowsers(measurements: TrustScenarioMeasurement[]): string[] {
  const { volunteers, workersPerVolunteer, params, lieRate } = trustBrowserSetup
  const units = mandelbrotUnitCount(params)
  const rows = measurements.flatMap(({ label, goal, liars, warmUp, runs }) => {
    const of = (policy: Policy, pick: (job: TrustJob) => number) =>
      median(runs.map((jobs) => pick(jobs[policy])))
    const total = (policy: Policy, pick: (job: TrustJob) => number) =>
      runs.reduce((sum, jobs) => sum + pick(jobs[policy]), 0)
    const wallRatio = median(runs.map((jobs) => jobs.adaptive.seconds / jobs['quorum 2'].seconds))
    const resultRatio = median(
      runs.map((jobs) => jobs.adaptive.resultsPerUnit / jobs['quorum 2'].resultsPerUnit),
    )
    const row = (policy: Policy, extra: string[]) =>
      `| ${label}${liars ? ` (${liars} of ${volunteers} tabs, each lying on ${lieRate * 100}% of its units)` : ''} | ${policy} | ${of(policy, (j) => j.resultsPerUnit).toFixed(3)} | ${of(policy, (j) => j.seconds).toFixed(1)} | ${total(policy, (j) => j.wrongAccepted)} | ${of(policy, (j) => j.flagged)} | ${of(policy, (j) => j.canaries)} | ${of(policy, (j) => j.reopened)} | ${extra.join(' | ')} |`
    return [
      row('adaptive', [
        goal,
        `${resultRatio.toFixed(3)}`,
        `${wallRatio.toFixed(3)}`,
        `${warmUp.resultsPerUnit.toFixed(3)} / ${warmUp.seconds.toFixed(1)} s`,
      ]),
      row('quorum 2', ['', '', '', '']),
    ]
  })
  return [
    `### In browsers: adaptive (q = 5%, N = 10) against fixed quorum 2, median of ${measurements[0]?.runs.length ?? 0} runs`,
    '',
    `- job: ${units} Mandelbrot tiles of ${params.tileWidth}×${params.tileHeight} px (the demo view at ${params.width}×${params.height}, maxIterations ${params.maxIterations}), exact comparison; ${volunteers} volunteer tabs × WorkerPool size ${workersPerVolunteer}, one network origin (private pool), the same tabs and identities for both policies`,
    '- each scenario: fresh identities, one warm-up job under the adaptive policy, then pairs of jobs (adaptive, quorum 2), alternating which runs first; the host keeps its reputation book in IndexedDB across jobs',
    '- results per accepted unit = result messages received before completion (canaries included) / units; wall = first assignment to completion; wrong accepted = accepted units whose hash differs from the TypeScript reference render, summed over runs',
    '',
    '| volunteers | policy | results per accepted unit | wall s | wrong accepted | flagged | canaries | reopened | goal | results ratio adaptive / quorum 2 | wall ratio adaptive / quorum 2 | warm-up job (adaptive) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ...rows,
  ]
}
