/**
 * WASM threads, side by side in one run, in headless Chromium on a cross-origin isolated page:
 * the threaded matrix multiply (build/wasm/matmulThreads.wasm) on a team of all the pool's
 * workers against the plain kernel (build/wasm/matmul.wasm) on one worker (the time of one
 * unit: what threads are for) and on as many workers as the team, a unit each (throughput: what
 * threads must not lose). Each configuration runs once as a warm-up, then BENCH_RUNS (default 3)
 * times, alternating; medians are compared. BENCH_THREADS (default: the machine's cores) sets the
 * pool size. Prints a markdown report on stdout, progress on stderr.
 *
 *   npm run build:wasm && ../shared/bin/private-net npx tsx bench/threads/run.ts
 */
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'
import {
  chromiumArgs,
  chromiumExecutablePath,
  noBackgroundThrottlingArgs,
} from '../../tests/support/chromium.ts'
import { machine, median } from '../pipeline/harness.ts'
import { loadAverage, serveBenchPage } from '../support/serveBenchPage.ts'
import { pageCaller } from '../support/pageCaller.ts'
import type { ThreadsBenchApi } from './page.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const runs = positiveInteger('BENCH_RUNS', 3)
const size = positiveInteger('BENCH_THREADS', os.cpus().length)
const n = 1024

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer.`)
  return value
}

const call = pageCaller<ThreadsBenchApi>(600_000)

async function main(): Promise<void> {
  const loadBefore = loadAverage()
  const site = await serveBenchPage(here)
  const executablePath = chromiumExecutablePath()
  const browser = await chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: ['--headless=new', ...chromiumArgs, ...noBackgroundThrottlingArgs],
  })
  try {
    const page = await browser.newPage()
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`))
    await page.goto(site.url)
    await page.waitForFunction(() => 'bench' in globalThis)
    const started = await call(page, 'start', [size])
    if (!started.isolated || !started.teamed)
      throw new Error(
        `threads bench: the page must be cross-origin isolated (${JSON.stringify(started)})`,
      )

    // Latency: one unit; throughput: `size` units queued at once.
    const configurations = [
      {
        key: 'team 1',
        pool: 'team',
        units: 1,
        label: `one unit, threaded kernel on ${size} workers`,
      },
      { key: 'one 1', pool: 'one', units: 1, label: 'one unit, plain kernel on 1 worker' },
      {
        key: 'team batch',
        pool: 'team',
        units: size,
        label: `${size} units, threaded kernel on ${size} workers (one after another)`,
      },
      {
        key: 'each batch',
        pool: 'each',
        units: size,
        label: `${size} units, plain kernel on ${size} workers (one each)`,
      },
    ] as const
    const times = new Map<string, number[]>()
    // The slowest unit's time inside the kernel (for a team: its slowest thread).
    const kernelTimes = new Map<string, number[]>()
    const hashes = new Set<string>()
    for (let run = 0; run <= runs; run++) {
      for (const { key, pool, units } of configurations) {
        console.error(`threads: run ${run}/${runs} ${key}`)
        const { ms, sha256, kernelMs } = await call(page, 'run', [pool, n, units])
        hashes.add(sha256)
        if (run === 0) continue
        times.set(key, [...(times.get(key) ?? []), ms])
        kernelTimes.set(key, [...(kernelTimes.get(key) ?? []), Math.max(...kernelMs)])
      }
    }
    if (hashes.size !== 1)
      throw new Error(`threads bench: the products differ (${[...hashes].join(', ')})`)
    const med = (key: string) => median(times.get(key)!)
    const gflops = (ms: number, units: number) => ((2 * n ** 3 * units) / (ms * 1e6)).toFixed(1)
    const kernelMed = (key: string) => median(kernelTimes.get(key)!)
    const speedup = med('one 1') / med('team 1')
    const kernelSpeedup = kernelMed('one 1') / kernelMed('team 1')
    const throughput = med('each batch') / med('team batch')
    const loadAfter = loadAverage()
    console.log(
      [
        `## WASM threads: one matrix product on a team of ${size} workers (\`bench/threads/run.ts\`)`,
        '',
        `- machine: ${machine()}; load average (1 / 5 / 15 min) ${loadBefore} before, ${loadAfter} after`,
        `- chromium ${browser.version()}, node ${process.version}; N = ${n}, f32, ${runs} runs after a warm-up, medians; every product bit-identical (SHA-256 ${[...hashes][0]!.slice(0, 16)}…)`,
        '',
        '| configuration | median ms | GFLOPS | all runs ms | kernel only, median ms |',
        '| --- | ---: | ---: | --- | ---: |',
        ...configurations.map(({ key, label, units }) => {
          const all = times.get(key)!.map((ms) => ms.toFixed(0))
          const kernel = units === 1 ? kernelMed(key).toFixed(0) : ''
          return `| ${label} | ${med(key).toFixed(0)} | ${gflops(med(key), units)} | ${all.join(', ')} | ${kernel} |`
        }),
        '',
        `- one unit, plain on 1 worker / threaded on ${size}: inside the kernel **${kernelSpeedup.toFixed(2)}×** faster with threads, whole unit **${speedup.toFixed(2)}×** (ideal ${size}×)`,
        `- throughput, threaded team / plain workers: **${throughput.toFixed(2)}** (ideal 1)`,
        '- Whole-unit times are `WorkerPool.run` as the volunteer page runs it: for the plain kernel the 8 MiB input cloned to the worker and copied into the kernel, the kernel, the 4 MiB output copied out and transferred back; for the team, the first worker allocating, the page writing the input straight into the shared memory, all threads, and the page reading the output. Kernel-only times are `run`/`runThread` alone (for the team, the slowest thread).',
      ].join('\n'),
    )
    await call(page, 'close', [])
  } finally {
    await browser.close()
    site.server.close()
  }
}

await main()
