import type { Page } from '@playwright/test'
import {
  call,
  collectGarbage,
  median,
  metrics,
  openHost,
  openVolunteers,
  type BenchContext,
} from './harness.ts'
import { trivialParams } from './throughput.ts'

/**
 * The host tab's JS heap with a 100,000-unit job of trivial units: after opening it (0 units
 * done), at its peak while volunteers work through it for a fixed time, and what stays after a
 * garbage collection at the end.
 */

export const memorySetup = {
  units: 100_000,
  volunteers: 4,
  workersPerVolunteer: 2,
  quorum: 2,
  seconds: Number(process.env.BENCH_MEMORY_SECONDS ?? 20),
  sampleMs: 250,
  /** How long the job sits open with no volunteer before they join. */
  idleMs: 2000,
  /** How long to wait, after the volunteers leave, for the host's store writes to finish. */
  drainLimitMs: 60_000,
}

export type MemorySample = {
  idlePeakBytes: number
  idleBytes: number
  peakBytes: number
  /** After GC, as soon as the volunteers have left. */
  leftBytes: number
  /** After GC, once every pending store write has finished. */
  drainedBytes: number
  accepted: number
  savesPendingMax: number
  drainSeconds: number
  drained: boolean
  seconds: number
}

const MiB = 1024 * 1024

export async function measureMemory(context: BenchContext): Promise<MemorySample[]> {
  const { volunteers: count, workersPerVolunteer } = memorySetup
  const volunteers = await openVolunteers(context, count, workersPerVolunteer)
  try {
    const samples: MemorySample[] = []
    for (let run = 0; run < context.runs; run++) {
      const sample = await memoryRun(context, volunteers)
      samples.push(sample)
      console.error(
        `memory run ${run + 1}/${context.runs}: idle ${(sample.idleBytes / MiB).toFixed(1)} MiB, peak ${(sample.peakBytes / MiB).toFixed(1)} MiB, ${sample.accepted} units accepted, ${sample.savesPendingMax} writes pending at most, drained in ${sample.drainSeconds.toFixed(1)} s to ${(sample.drainedBytes / MiB).toFixed(1)} MiB`,
      )
    }
    return samples
  } finally {
    await Promise.all(volunteers.map((page) => page.close()))
  }
}

async function memoryRun(context: BenchContext, volunteers: Page[]): Promise<MemorySample> {
  const { page, cdp } = await openHost(context)
  const heap = async () => (await metrics(cdp)).JSHeapUsedSize!
  try {
    const params = trivialParams(memorySetup.units)
    const job = await call(page, 'hostStart', [context.signalingUrl, params, memorySetup.quorum])
    let idlePeakBytes = 0
    for (let sampled = 0; sampled < memorySetup.idleMs; sampled += memorySetup.sampleMs) {
      idlePeakBytes = Math.max(idlePeakBytes, await heap())
      await new Promise((resolve) => setTimeout(resolve, memorySetup.sampleMs))
    }
    await collectGarbage(cdp)
    const idleBytes = await heap()
    let peakBytes = idleBytes
    const started = Date.now()
    await Promise.all(volunteers.map((volunteer) => call(volunteer, 'volunteerJoin', [job])))
    let progress = await call(page, 'hostProgress', [])
    let savesPendingMax = 0
    while (Date.now() - started < memorySetup.seconds * 1000 && !progress.complete) {
      await new Promise((resolve) => setTimeout(resolve, memorySetup.sampleMs))
      peakBytes = Math.max(peakBytes, await heap())
      progress = await call(page, 'hostProgress', [])
      savesPendingMax = Math.max(savesPendingMax, progress.report.savesPending)
    }
    const seconds = (Date.now() - started) / 1000
    await Promise.all(volunteers.map((volunteer) => call(volunteer, 'volunteerLeave', [])))
    const left = Date.now()
    await collectGarbage(cdp)
    const leftBytes = await heap()
    while (progress.report.savesPending > 0 && Date.now() - left < memorySetup.drainLimitMs) {
      await new Promise((resolve) => setTimeout(resolve, memorySetup.sampleMs))
      progress = await call(page, 'hostProgress', [])
    }
    const drainSeconds = (Date.now() - left) / 1000
    await collectGarbage(cdp)
    const drainedBytes = await heap()
    await call(page, 'hostClose', [])
    return {
      idlePeakBytes,
      idleBytes,
      peakBytes,
      leftBytes,
      drainedBytes,
      accepted: progress.validated,
      savesPendingMax,
      drainSeconds,
      drained: progress.report.savesPending === 0,
      seconds,
    }
  } finally {
    await page.close()
  }
}

export function reportMemory(samples: MemorySample[]): string[] {
  const { units, volunteers, workersPerVolunteer, quorum, seconds, sampleMs, idleMs } = memorySetup
  const of = (key: keyof MemorySample) => median(samples.map((sample) => Number(sample[key])))
  const mib = (bytes: number) => (bytes / MiB).toFixed(1)
  const perUnit = median(
    samples.map((sample) => (sample.drainedBytes - sample.idleBytes) / sample.accepted),
  )
  const undrained = samples.filter((sample) => !sample.drained).length
  return [
    `### Host memory: a ${units.toLocaleString('en')}-unit job, median of ${samples.length} runs`,
    '',
    `- sizes: ${units.toLocaleString('en')} units of 1×1 px, maxIterations 1, quorum ${quorum}; ${volunteers} volunteer tabs × WorkerPool size ${workersPerVolunteer}; host on IndexedDB (on disk); each run is a fresh host tab`,
    `- what ran: the job opened and sat ${idleMs / 1000} s with no volunteer, then volunteers worked on it for ${seconds} s (${of('accepted') >= units ? 'the whole job was done within that time' : `it does not finish in that time: at the median rate, ${(units / (of('accepted') / seconds) / 60).toFixed(0)} min for the whole job`}), then left; the host was then given time to finish its pending IndexedDB writes`,
    `- heap: CDP \`Performance.getMetrics\` JSHeapUsedSize of the host tab, sampled every ${sampleMs} ms (garbage included) and after forced GCs (\`HeapProfiler.collectGarbage\`); pending writes = JobStore.saveUnits transactions begun and not committed (the bench wraps the store)`,
    `- per unit = (heap after GC once writes drained − heap after GC at 0 units) / units accepted; projected = heap at 0 units + per unit × ${units.toLocaleString('en')}${undrained ? `; in ${undrained} run(s) the writes had not drained after ${memorySetup.drainLimitMs / 1000} s` : ''}`,
    '',
    '| 0 units: peak MiB | 0 units: after GC MiB | peak during run MiB | units accepted | pending writes (max) | after GC, volunteers gone MiB | drain s | after GC, drained MiB | B per accepted unit | projected at all units MiB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${mib(of('idlePeakBytes'))} | ${mib(of('idleBytes'))} | ${mib(of('peakBytes'))} | ${of('accepted')} | ${of('savesPendingMax')} | ${mib(of('leftBytes'))} | ${of('drainSeconds').toFixed(1)} | ${mib(of('drainedBytes'))} | ${perUnit.toFixed(0)} | ${mib(of('idleBytes') + perUnit * units)} |`,
  ]
}
