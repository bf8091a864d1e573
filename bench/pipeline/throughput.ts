import type { Page } from '@playwright/test'
import type { MandelbrotParams } from '../../src/kernels/mandelbrot/params.ts'
import { call, median, metrics, openHost, openVolunteers, type BenchContext } from './harness.ts'

/**
 * Units per second through one host with a kernel that does next to nothing (one pixel, one
 * iteration: 4 bytes of output), and what the host's main thread spends per unit.
 */

export const throughputSetup = {
  volunteers: 4,
  workersPerVolunteer: 2,
  quorum: 2,
  units: Number(process.env.BENCH_PIPELINE_UNITS ?? 1500),
}

const columns = 100

export function trivialParams(units: number): MandelbrotParams {
  if (units % columns) throw new Error(`unit count must be a multiple of ${columns}`)
  return {
    width: columns,
    height: units / columns,
    tileWidth: 1,
    tileHeight: 1,
    centerX: -0.5,
    centerY: 0,
    spanX: 3,
    maxIterations: 1,
  }
}

export type ThroughputSample = {
  unitsPerSecond: number
  resultsPerSecond: number
  /** Host main-thread task time (CDP TaskDuration) over the job, per accepted unit. */
  taskMsPerUnit: number
  /** Host renderer main-thread CPU time (CDP ThreadTime) per accepted unit. */
  cpuMsPerUnit: number
  /** Time inside JobHost's message handler (synchronous part) per accepted unit. */
  handlerMsPerUnit: number
  /** Units per second counting until the host's last unit write finished. */
  storedUnitsPerSecond: number
  /** Most JobStore.saveUnits transactions in flight at once, and how many were when the job completed. */
  savesPendingMax: number
  savesPendingAtComplete: number
  seconds: number
}

export async function measureThroughput(context: BenchContext): Promise<ThroughputSample[]> {
  const { volunteers: count, workersPerVolunteer, units } = throughputSetup
  const volunteers = await openVolunteers(context, count, workersPerVolunteer)
  try {
    const samples: ThroughputSample[] = []
    for (let run = 0; run < context.runs; run++) {
      const sample = await throughputRun(context, volunteers, trivialParams(units))
      samples.push(sample)
      console.error(
        `pipeline run ${run + 1}/${context.runs}: ${sample.unitsPerSecond.toFixed(0)} units/s, host ${sample.taskMsPerUnit.toFixed(3)} ms/unit`,
      )
    }
    return samples
  } finally {
    await Promise.all(volunteers.map((page) => page.close()))
  }
}

async function throughputRun(
  context: BenchContext,
  volunteers: Page[],
  params: MandelbrotParams,
): Promise<ThroughputSample> {
  const { page, cdp } = await openHost(context)
  try {
    const job = await call(page, 'hostStart', [
      context.signalingUrl,
      params,
      throughputSetup.quorum,
    ])
    const before = await metrics(cdp)
    await Promise.all(volunteers.map((volunteer) => call(volunteer, 'volunteerJoin', [job])))
    const report = await call(page, 'hostWritesDone', [], 300_000)
    const after = await metrics(cdp)
    await Promise.all(volunteers.map((volunteer) => call(volunteer, 'volunteerLeave', [])))
    await call(page, 'hostClose', [])
    const seconds = (report.completeAt! - report.firstAssignAt!) / 1000
    const delta = (name: string) => (after[name]! - before[name]!) * 1000
    return {
      unitsPerSecond: report.accepted / seconds,
      resultsPerSecond: report.results / seconds,
      taskMsPerUnit: delta('TaskDuration') / report.accepted,
      cpuMsPerUnit: delta('ThreadTime') / report.accepted,
      handlerMsPerUnit: report.handlerMs / report.accepted,
      storedUnitsPerSecond:
        report.accepted / ((report.writesDoneAt! - report.firstAssignAt!) / 1000),
      savesPendingMax: report.savesPendingMax,
      savesPendingAtComplete: report.savesPendingAtComplete!,
      seconds,
    }
  } finally {
    await page.close()
  }
}

export function reportThroughput(samples: ThroughputSample[]): string[] {
  const { volunteers, workersPerVolunteer, quorum, units } = throughputSetup
  const of = (key: keyof ThroughputSample) => median(samples.map((sample) => sample[key]))
  const rates = samples.map((sample) => sample.unitsPerSecond)
  const ms = (value: number) => value.toFixed(3)
  return [
    `### Pipeline: ${units} trivial units through one host, median of ${samples.length} runs`,
    '',
    `- sizes: ${units} units of 1×1 px, maxIterations 1 (4 B output each), quorum ${quorum} (${units * quorum} results); ${volunteers} volunteer tabs × WorkerPool size ${workersPerVolunteer}, cpuShare 1; host on IndexedDB (on disk)`,
    '- wall: first assign sent → progress event saying complete (host tab clock)',
    '- host overhead: Δ of CDP `Performance.getMetrics` on the host tab from job opened until its last unit write finished (setup of 4 connections included), per accepted unit: TaskDuration = main-thread task time, ThreadTime = main-thread CPU time; handler = Σ time inside JobHost’s `onMessage` handler (its synchronous part, after the schema check), wrapped around it in the bench page; store writes pending = JobStore.saveUnits transactions begun and not committed (the bench wraps the store); units/s to last write = wall up to when the last of them resolved',
    '',
    '| units/s (median) | units/s (min–max) | results/s | host main-thread task ms/unit | host main-thread CPU ms/unit | in JobHost handler ms/unit | store writes pending (max) | pending at complete | units/s to last write | wall s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${of('unitsPerSecond').toFixed(0)} | ${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)} | ${of('resultsPerSecond').toFixed(0)} | ${ms(of('taskMsPerUnit'))} | ${ms(of('cpuMsPerUnit'))} | ${ms(of('handlerMsPerUnit'))} | ${of('savesPendingMax')} | ${of('savesPendingAtComplete')} | ${of('storedUnitsPerSecond').toFixed(0)} | ${of('seconds').toFixed(1)} |`,
  ]
}
