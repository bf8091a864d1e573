/**
 * The Node host of the headless bench, in a process of its own (so its CPU time is its own): the
 * SDK's `createJob` with a trivial package, timed from the first unit issued to the last one
 * final, with the process's CPU time and memory over that window. One JSON line on stdout when
 * the job is listed (`{ "listed": HostInfo }`), one when it is done (`{ "report": NodeHostReport }`).
 *
 *   node --expose-gc --import tsx bench/headless/nodeHost.ts '<NodeHostOptions as JSON>'
 */
import { performance } from 'node:perf_hooks'
import { writeHeapSnapshot } from 'node:v8'
import { createJob } from '../../src/sdk/index.ts'
import { trivialPackage, type TrivialPackageOptions } from './trivialPackage.ts'

export type NodeHostOptions = TrivialPackageOptions & { signalingUrl: string; store: string }

export type NodeHostReport = {
  unitsTotal: number
  results: number
  /** From the first unit issued to the job complete. */
  seconds: number
  /** Process CPU time (user + system) over that window, all threads. */
  cpuSeconds: number
  /** The main thread's busy time over that window (event-loop utilisation's active time). */
  mainThreadSeconds: number
  /** `heapUsed` after a full GC once every unit is final; and its largest sample during the run. */
  heapAfterGcMiB: number
  heapPeakMiB: number
  rssPeakMiB: number
}

const options = JSON.parse(process.argv[2] ?? '{}') as NodeHostOptions
const pkg = await trivialPackage(options)
const job = await createJob({
  package: pkg,
  signaling: options.signalingUrl,
  store: options.store,
  privatePool: true,
})
const mib = (bytes: number) => bytes / 2 ** 20
let heapPeak = 0
let rssPeak = 0
const sampler = setInterval(() => {
  const usage = process.memoryUsage()
  heapPeak = Math.max(heapPeak, usage.heapUsed)
  rssPeak = Math.max(rssPeak, usage.rss)
}, 250)
let started:
  | { at: number; cpu: NodeJS.CpuUsage; elu: ReturnType<typeof performance.eventLoopUtilization> }
  | undefined
let report: NodeHostReport | undefined
job.on('signaling', (event) => {
  if (event.kind === 'listed')
    console.log(
      JSON.stringify({
        listed: {
          jobId: job.id,
          name: job.name,
          hostPeerId: event.hostPeerId,
          unitsTotal: job.unitsTotal,
        },
      }),
    )
})
job.on('progress', (progress) => {
  if (!started && progress.issued > 0)
    started = {
      at: performance.now(),
      cpu: process.cpuUsage(),
      elu: performance.eventLoopUtilization(),
    }
  if (!progress.complete || report || !started) return
  const cpu = process.cpuUsage(started.cpu)
  const elu = performance.eventLoopUtilization(started.elu)
  const seconds = (performance.now() - started.at) / 1000
  ;(globalThis as { gc?: () => void }).gc?.()
  // BENCH_HEADLESS_HEAP_SNAPSHOT=<file>: the heap at this moment, for Chrome DevTools' Memory tab.
  if (process.env.BENCH_HEADLESS_HEAP_SNAPSHOT)
    writeHeapSnapshot(process.env.BENCH_HEADLESS_HEAP_SNAPSHOT)
  report = {
    unitsTotal: progress.unitsTotal,
    results: progress.verification.results,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    mainThreadSeconds: elu.active / 1000,
    heapAfterGcMiB: mib(process.memoryUsage().heapUsed),
    heapPeakMiB: mib(heapPeak),
    rssPeakMiB: mib(rssPeak),
  }
})
await job.done()
clearInterval(sampler)
console.log(JSON.stringify({ report }))
process.exit(0)
