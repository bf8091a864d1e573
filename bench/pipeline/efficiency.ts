import type { Page } from '@playwright/test'
import type { MandelbrotParams } from '../../src/kernels/mandelbrot/params.ts'
import { call, median, openHost, openVolunteers, type BenchContext } from './harness.ts'

/**
 * How much of the workers' time goes into kernels when units are about a second long: two
 * volunteer tabs of one worker each, every unit run by both (quorum 2). Efficiency = Σ kernel
 * time / (workers × wall from first assign to complete).
 */

export const efficiencySetup = {
  volunteers: 2,
  workersPerVolunteer: 1,
  quorum: 2,
  units: Number(process.env.BENCH_EFFICIENCY_UNITS ?? 12),
  targetKernelMs: 1000,
  tile: 32,
}

/** Tiles that lie wholly inside the set: every pixel costs maxIterations. */
export function insideParams(units: number, maxIterations: number): MandelbrotParams {
  const { tile } = efficiencySetup
  return {
    width: tile * units,
    height: tile,
    tileWidth: tile,
    tileHeight: tile,
    centerX: -0.1,
    centerY: 0,
    spanX: 0.01,
    maxIterations,
  }
}

export type EfficiencySample = {
  efficiency: number
  seconds: number
  kernelMsPerResult: number
  results: number
}

export type EfficiencyMeasurement = {
  maxIterations: number
  samples: EfficiencySample[]
}

export async function measureEfficiency(context: BenchContext): Promise<EfficiencyMeasurement> {
  const { volunteers: count, workersPerVolunteer, units } = efficiencySetup
  const volunteers = await openVolunteers(context, count, workersPerVolunteer)
  try {
    const maxIterations = await calibrate(volunteers)
    console.error(`efficiency: maxIterations ${maxIterations}`)
    const samples: EfficiencySample[] = []
    for (let run = 0; run < context.runs; run++) {
      const sample = await efficiencyRun(context, volunteers, insideParams(units, maxIterations))
      samples.push(sample)
      console.error(
        `efficiency run ${run + 1}/${context.runs}: ${sample.efficiency.toFixed(3)} over ${sample.seconds.toFixed(1)} s`,
      )
    }
    return { maxIterations, samples }
  } finally {
    await Promise.all(volunteers.map((page) => page.close()))
  }
}

/**
 * maxIterations for a ~1 s unit: scaled from a short probe, then once more from a run at that
 * size, on every volunteer tab at once (the load of the real run). The fastest of a few runs
 * per tab counts, since wasm starts in its baseline tier.
 */
async function calibrate(volunteers: Page[]): Promise<number> {
  const { targetKernelMs } = efficiencySetup
  let maxIterations = 100_000
  for (const times of [3, 2]) {
    const params = insideParams(1, maxIterations)
    const runs = await Promise.all(
      volunteers.map((page) => call(page, 'calibrate', [params, times])),
    )
    const kernelMs = median(runs.map((ms) => Math.min(...ms)))
    maxIterations = Math.round((maxIterations * targetKernelMs) / kernelMs)
  }
  return maxIterations
}

async function efficiencyRun(
  context: BenchContext,
  volunteers: Page[],
  params: MandelbrotParams,
): Promise<EfficiencySample> {
  const { page } = await openHost(context)
  try {
    const job = await call(page, 'hostStart', [
      context.signalingUrl,
      params,
      efficiencySetup.quorum,
    ])
    await Promise.all(volunteers.map((volunteer) => call(volunteer, 'volunteerJoin', [job])))
    const report = await call(page, 'hostDone', [], 300_000)
    await Promise.all(volunteers.map((volunteer) => call(volunteer, 'volunteerLeave', [])))
    await call(page, 'hostClose', [])
    const wallMs = report.completeAt! - report.firstAssignAt!
    const workers = efficiencySetup.volunteers * efficiencySetup.workersPerVolunteer
    return {
      efficiency: report.kernelMs / (workers * wallMs),
      seconds: wallMs / 1000,
      kernelMsPerResult: report.kernelMs / report.results,
      results: report.results,
    }
  } finally {
    await page.close()
  }
}

export function reportEfficiency({ maxIterations, samples }: EfficiencyMeasurement): string[] {
  const { volunteers, workersPerVolunteer, quorum, units, tile } = efficiencySetup
  const of = (key: keyof EfficiencySample) => median(samples.map((sample) => sample[key]))
  const values = samples.map((sample) => sample.efficiency)
  return [
    `### Efficiency: ${units} units of ~${efficiencySetup.targetKernelMs / 1000} s, median of ${samples.length} runs`,
    '',
    `- sizes: ${units} tiles of ${tile}×${tile} px wholly inside the set (centre −0.1+0i, span 0.01), maxIterations ${maxIterations} (calibrated before the runs to ~${efficiencySetup.targetKernelMs} ms per unit with both tabs computing), quorum ${quorum} (${units * quorum} results); ${volunteers} volunteer tabs × WorkerPool size ${workersPerVolunteer}, cpuShare 1`,
    `- efficiency = Σ kernelMs reported in results / (${volunteers * workersPerVolunteer} workers × wall from first assign sent to complete); goal ≥ 0.9`,
    '',
    '| efficiency (median) | efficiency (min–max) | wall s | kernel ms per result | results |',
    '| ---: | ---: | ---: | ---: | ---: |',
    `| ${of('efficiency').toFixed(3)} | ${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)} | ${of('seconds').toFixed(1)} | ${of('kernelMsPerResult').toFixed(0)} | ${of('results')} |`,
  ]
}
