/**
 * A Node host against a tab host, and the Node host's ceiling. Prints a markdown report on
 * stdout, progress on stderr.
 *
 * 1. Versus: the same trivial job (bench/headless/trivialPackage.ts) hosted by a tab (the
 *    pipeline bench's page: JobHost on IndexedDB) and by a Node process (the SDK's createJob on
 *    SQLite), alternately, with the same 4 volunteer tabs of 2 workers in a second Chromium
 *    process, over WebRTC. Units/s from the first unit issued to the last one final.
 * 2. Ceiling: a Node host of a 100,000-unit job (BENCH_HEADLESS_UNITS) with light volunteers in
 *    another process (bench/headless/lightVolunteers.ts: real peers and data channels, units run
 *    inline), so the host is what limits; with its CPU time per result and its heap.
 *
 *   ../shared/bin/private-net npx tsx bench/headless/run.ts
 *
 * BENCH_RUNS (default 3) runs of each host; BENCH_HEADLESS_ONLY=versus|ceiling; BENCH_HEADLESS_UNITS
 * (default 100000) and BENCH_HEADLESS_LIGHT (default 8 volunteers) for the ceiling.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import { serveBenchPage, loadAverage } from '../support/serveBenchPage.ts'
import type { HostInfo } from '../pipeline/host.ts'
import {
  call,
  launchBrowsers,
  machine,
  median,
  metrics,
  openHost,
  openVolunteers,
  type BenchContext,
} from '../pipeline/harness.ts'
import type { NodeHostOptions, NodeHostReport } from './nodeHost.ts'
import type { LightVolunteersOptions } from './lightVolunteers.ts'
import { trivialPackage } from './trivialPackage.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const runs = Number(process.env.BENCH_RUNS ?? 3)
const only = new Set((process.env.BENCH_HEADLESS_ONLY ?? 'versus,ceiling').split(','))
const versus = { units: 1500, quorum: 2, volunteers: 4, workers: 2 }
const ceiling = {
  units: Number(process.env.BENCH_HEADLESS_UNITS ?? 100_000),
  quorum: 2,
  light: Number(process.env.BENCH_HEADLESS_LIGHT ?? 8),
  slots: 4,
}

type Sample = {
  unitsPerSecond: number
  resultsPerSecond: number
  seconds: number
  /** The host's main thread: busy ms per result (tab: CDP TaskDuration; Node: event-loop active time). */
  mainMsPerResult: number
}

/** A child process running a bench script under tsx, its stdout JSON lines handed to `onLine`. */
function runScript(
  file: string,
  argument: unknown,
  onLine: (line: Record<string, unknown>) => void,
): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      // BENCH_HEADLESS_PROFILE=<dir>: a CPU profile of each host and volunteers process there.
      ...(process.env.BENCH_HEADLESS_PROFILE
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_HEADLESS_PROFILE]
        : []),
      '--import',
      'tsx',
      path.join(here, file),
      JSON.stringify(argument),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let pending = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) if (line.startsWith('{')) onLine(JSON.parse(line))
  })
  return child
}

/** Runs nodeHost.ts to completion; `onListed` gets the job to hand to volunteers. */
function nodeHost(
  options: NodeHostOptions,
  onListed: (info: HostInfo) => void,
): Promise<NodeHostReport> {
  return new Promise((resolve, reject) => {
    let report: NodeHostReport | undefined
    const child = runScript('nodeHost.ts', options, (line) => {
      if (line.listed) onListed(line.listed as HostInfo)
      if (line.report) report = line.report as NodeHostReport
    })
    child.on('error', reject)
    child.on('exit', (code) =>
      report ? resolve(report) : reject(new Error(`nodeHost.ts exited with ${code}`)),
    )
  })
}

async function tabRun(
  context: BenchContext,
  volunteers: Page[],
  pkg: { manifest: object; wasm: Uint8Array },
): Promise<Sample> {
  const { page, cdp } = await openHost(context)
  try {
    const info = await call(page, 'hostStartPackage', [
      context.signalingUrl,
      JSON.stringify(pkg.manifest),
      [...pkg.wasm],
    ])
    const before = await metrics(cdp)
    await Promise.all(volunteers.map((v) => call(v, 'volunteerJoin', [info])))
    const report = await call(page, 'hostDone', [])
    const after = await metrics(cdp)
    const seconds = (report.completeAt! - report.firstAssignAt!) / 1000
    return {
      seconds,
      mainMsPerResult: ((after.TaskDuration! - before.TaskDuration!) * 1000) / report.results,
      unitsPerSecond: report.unitsTotal / seconds,
      resultsPerSecond: report.results / seconds,
    }
  } finally {
    await Promise.all(volunteers.map((v) => call(v, 'volunteerLeave', [])))
    await call(page, 'hostClose', []).catch(() => undefined)
    await page.close()
  }
}

async function nodeRun(
  context: BenchContext,
  volunteers: Page[],
  seed: number,
  dir: string,
): Promise<Sample & { cpuSeconds: number }> {
  try {
    const report = await nodeHost(
      {
        signalingUrl: context.signalingUrl,
        store: path.join(dir, `versus-${seed}.sqlite`),
        units: versus.units,
        quorum: versus.quorum,
        seed,
      },
      (info) => {
        for (const v of volunteers) void call(v, 'volunteerJoin', [info])
      },
    )
    return {
      seconds: report.seconds,
      unitsPerSecond: report.unitsTotal / report.seconds,
      resultsPerSecond: report.results / report.seconds,
      cpuSeconds: report.cpuSeconds,
      mainMsPerResult: (report.mainThreadSeconds * 1000) / report.results,
    }
  } finally {
    await Promise.all(volunteers.map((v) => call(v, 'volunteerLeave', [])))
  }
}

async function measureVersus(context: BenchContext, dir: string): Promise<string[]> {
  const volunteers = await openVolunteers(context, versus.volunteers, versus.workers)
  const tab: Sample[] = []
  const node: (Sample & { cpuSeconds: number })[] = []
  try {
    for (let run = 0; run < runs; run++) {
      // Alternate which goes first, so a drift in the machine's load falls on both.
      const order = run % 2 ? ['node', 'tab'] : ['tab', 'node']
      for (const which of order) {
        const seed = run * 2 + (which === 'tab' ? 1 : 2)
        if (which === 'tab') {
          const pkg = await trivialPackage({ units: versus.units, quorum: versus.quorum, seed })
          tab.push(await tabRun(context, volunteers, pkg))
        } else {
          node.push(await nodeRun(context, volunteers, seed, dir))
        }
        const last = which === 'tab' ? tab.at(-1)! : node.at(-1)!
        console.error(
          `headless versus run ${run + 1}/${runs}, ${which} host: ${last.unitsPerSecond.toFixed(0)} units/s`,
        )
      }
    }
  } finally {
    await Promise.all(volunteers.map((page) => page.close()))
  }
  const ratios = tab.map((t, i) => node[i]!.unitsPerSecond / t.unitsPerSecond)
  const mainRatios = tab.map((t, i) => t.mainMsPerResult / node[i]!.mainMsPerResult)
  const row = (name: string, samples: Sample[], cpu = '') =>
    `| ${name} | ${median(samples.map((s) => s.unitsPerSecond)).toFixed(0)} | ${Math.min(...samples.map((s) => s.unitsPerSecond)).toFixed(0)}–${Math.max(...samples.map((s) => s.unitsPerSecond)).toFixed(0)} | ${median(samples.map((s) => s.resultsPerSecond)).toFixed(0)} | ${median(samples.map((s) => s.mainMsPerResult)).toFixed(3)} | ${cpu} |`
  return [
    `### Node host against tab host, same volunteer tabs`,
    '',
    `${versus.units} trivial units, quorum ${versus.quorum} (adaptive replication and canaries off), ${versus.volunteers} volunteer tabs × ${versus.workers} workers in a second Chromium process; ${runs} runs of each host, alternating. Units/s from the first unit issued to the last one final.`,
    '',
    '| host | units/s (median) | min–max | results/s | host main thread, busy ms per result | host process CPU ms per result |',
    '| ---- | ---------------: | ------: | --------: | -----------------------------------: | -----------------------------: |',
    row('tab (JobHost on IndexedDB)', tab),
    row(
      'Node (SDK createJob on SQLite)',
      node,
      median(node.map((s) => (s.cpuSeconds * 1000) / (s.resultsPerSecond * s.seconds))).toFixed(3),
    ),
    '',
    `**Node / tab = ${median(ratios).toFixed(2)}** in units/s (median of per-run ratios: ${ratios.map((r) => r.toFixed(2)).join(', ')}). The host's main thread, which caps a host, is busy ${median(mainRatios).toFixed(2)}× less per result in Node (per-run: ${mainRatios.map((r) => r.toFixed(2)).join(', ')}).`,
  ]
}

async function measureCeiling(signalingUrl: string, dir: string): Promise<string[]> {
  let volunteers: ChildProcess | undefined
  try {
    const report = await nodeHost(
      {
        signalingUrl,
        store: path.join(dir, 'ceiling.sqlite'),
        units: ceiling.units,
        quorum: ceiling.quorum,
        seed: 1,
        // As the tab host's memory bench runs it: the manifest's default verification.
        adaptive: true,
      },
      (job) => {
        const options: LightVolunteersOptions = {
          signalingUrl,
          count: ceiling.light,
          slots: ceiling.slots,
          job,
        }
        volunteers = runScript('lightVolunteers.ts', options, () => undefined)
      },
    )
    const resultsPerSecond = report.results / report.seconds
    const resultsPerCpuSecond = report.results / report.cpuSeconds
    console.error(`headless ceiling: ${resultsPerSecond.toFixed(0)} results/s`)
    return [
      `### Node host ceiling: light volunteers over real data channels`,
      '',
      `One Node host process (SDK createJob, SQLite store) and, in another process, ${ceiling.light} light volunteers (real VolunteerClient, identity and PeerJS peer over node-datachannel each; units run inline, ${ceiling.slots} at once). ${ceiling.units.toLocaleString('en')} trivial units, quorum ${ceiling.quorum} with the manifest's default verification (adaptive replication and canaries), as the tab host's memory bench runs it.`,
      '',
      '| units | results | seconds | results/s | host CPU s | results per host CPU second | heap after GC, all final | heap peak | RSS peak |',
      '| ----: | ------: | ------: | --------: | ---------: | --------------------------: | -----------------------: | --------: | -------: |',
      `| ${report.unitsTotal.toLocaleString('en')} | ${report.results.toLocaleString('en')} | ${report.seconds.toFixed(1)} | ${resultsPerSecond.toFixed(0)} | ${report.cpuSeconds.toFixed(1)} | ${resultsPerCpuSecond.toFixed(0)} | ${report.heapAfterGcMiB.toFixed(1)} MiB | ${report.heapPeakMiB.toFixed(1)} MiB | ${report.rssPeakMiB.toFixed(0)} MiB |`,
      '',
      `Host CPU time counts all of the host process's threads (libdatachannel's included).`,
    ]
  } finally {
    volunteers?.kill()
  }
}

async function main(): Promise<void> {
  if (process.env.PRIVATE_NET !== '1')
    throw new Error(
      'Run inside the private network: ../shared/bin/private-net npx tsx bench/headless/run.ts (WebRTC must not reach the host network).',
    )
  const dir = await mkdtemp(path.join(os.tmpdir(), 'headless-bench-'))
  const signaling = await createSignalingServer({ host: '127.0.0.1', port: 0 })
  const sections: string[][] = []
  let chromium = 'not used'
  try {
    if (only.has('versus')) {
      const site = await serveBenchPage(path.join(here, '..', 'pipeline'))
      const browsers = await launchBrowsers()
      chromium = browsers.version
      try {
        const context: BenchContext = {
          siteUrl: site.url,
          signalingUrl: signaling.url,
          browsers,
          runs,
        }
        sections.push(await measureVersus(context, dir))
      } finally {
        await browsers.close()
        site.server.close()
      }
    }
    if (only.has('ceiling')) sections.push(await measureCeiling(signaling.url, dir))
  } finally {
    await signaling.close()
    await rm(dir, { recursive: true, force: true })
  }
  const lines = [
    `## Headless: a Node host against a tab host, and the Node host's ceiling`,
    '',
    `- machine: ${machine()}; load average ${loadAverage()} at the end`,
    `- chromium ${chromium}, node ${process.version}`,
    '',
    ...sections.flatMap((section) => [...section, '']),
  ]
  console.log(lines.join('\n').trimEnd())
}

// Exit explicitly: the browsers' and peers' handles may hold the process open.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
