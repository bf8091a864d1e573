/**
 * The engines' calibration against the matmul bench, side by side in one run. In Node:
 * calibrateWasm on a fresh worker_threads pool (createNodeWorkerPool), as `volunteer-compute
 * volunteer` starts it, against the matmul bench's WASM measurement (runWasmUnit of the
 * AssemblyScript SIMD kernel at N=1024 on one thread, whole unit and run() only). In headless
 * Chromium: calibrateWasm on a fresh WorkerPool and GpuUnitRunner.calibrate on a fresh runner
 * (SwiftShader), as a volunteer tab starts them, against the matmul bench's own worker
 * (bench/matmul/worker.ts) at N=1024. The pool's figure is per thread × threads, the bench's is
 * one thread, so the WASM ratios compare calibration per thread with the bench. Every
 * measurement runs once as a warm-up, then BENCH_RUNS (default 3) times, alternating; medians
 * and the median of the runs' own ratios are reported. Prints markdown on stdout, progress on
 * stderr.
 *
 *   npm run build:wasm && ../shared/bin/private-net npx tsx bench/calibration/run.ts
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'
import {
  encodeMatmulParams,
  matmulOutputBytes,
  packMatmulInput,
} from '../../src/kernels/matmul/params.ts'
import { instantiateWasmKernel, runWasmUnit } from '../../src/kernels/wasmAbi.ts'
import { createNodeWorkerPool } from '../../src/node/createNodeWorkerPool.ts'
import { calibrateWasm } from '../../src/volunteer/calibrateWasm.ts'
import {
  chromiumArgs,
  chromiumExecutablePath,
  noBackgroundThrottlingArgs,
  swiftShaderWebGpuArgs,
} from '../../tests/support/chromium.ts'
import { machine, median } from '../pipeline/harness.ts'
import { pageCaller } from '../support/pageCaller.ts'
import { loadAverage, serveBenchPage } from '../support/serveBenchPage.ts'
import type { CalibrationBenchApi } from './page.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const kernelFile = path.join(root, 'build', 'wasm', 'matmul.wasm')
const runs = positiveInteger('BENCH_RUNS', 3)
const benchN = 1024
const cpuShares = [1, 0.5]
const goal = 0.2

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer.`)
  return value
}

const call = pageCaller<CalibrationBenchApi>(120_000)
const gflops = (n: number, ms: number): number => (2 * n ** 3) / (ms * 1e6)
const fixed = (value: number, digits: number): string => value.toFixed(digits)

async function readKernel(): Promise<ArrayBuffer> {
  const bytes = await readFile(kernelFile)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

// The matmul bench's inputs: a fixed LCG, values in [-1, 1).
function randomMatrix(n: number, seed: number): Float32Array {
  const m = new Float32Array(n * n)
  let state = seed >>> 0
  for (let i = 0; i < m.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    m[i] = state / 2 ** 31 - 1
  }
  return m
}

/** One figure per run of each measurement, by key. */
class Samples {
  readonly #values = new Map<string, number[]>()
  add(key: string, value: number): void {
    this.#values.set(key, [...(this.#values.get(key) ?? []), value])
  }
  keys(): string[] {
    return [...this.#values.keys()]
  }
  get(key: string): number[] {
    return this.#values.get(key) ?? []
  }
  median(key: string): number {
    return median(this.get(key))
  }
  /** Median of the runs' own ratios a / b. */
  pairedRatio(a: string, b: string): number {
    const over = this.get(b)
    return median(this.get(a).map((value, run) => value / over[run]!))
  }
}

async function main(): Promise<void> {
  if (process.env.PRIVATE_NET !== '1') {
    throw new Error(
      'Run inside the private network: ../shared/bin/private-net npx tsx bench/calibration/run.ts (benchmarks must not reach the host network).',
    )
  }
  const loadBefore = loadAverage()
  const samples = new Samples()
  const kernel = await instantiateWasmKernel(await WebAssembly.compile(await readKernel()))
  const benchUnit = {
    index: 0,
    count: 1,
    params: encodeMatmulParams(benchN),
    input: packMatmulInput(randomMatrix(benchN, benchN), randomMatrix(benchN, benchN + 1000)),
    outputBytes: matmulOutputBytes(benchN),
  }
  const site = await serveBenchPage(here, { minify: false })
  const executablePath = chromiumExecutablePath()
  const browser = await chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: [
      '--headless=new',
      ...chromiumArgs,
      ...noBackgroundThrottlingArgs,
      ...swiftShaderWebGpuArgs,
    ],
  })
  try {
    const page = await browser.newPage()
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        console.error(`console: ${message.text()}`)
    })
    await page.goto(site.url)
    await page.waitForFunction(() => 'bench' in globalThis)
    const started = await call(page, 'start', [])
    const threads = { node: 0, chromium: 0 }

    const measurements: [string, (record: boolean) => Promise<void>][] = [
      ...cpuShares.map((share): [string, (record: boolean) => Promise<void>] => [
        `node calibration ${share}`,
        async (record) => {
          const pool = createNodeWorkerPool({ cpuShare: share })
          try {
            const t = performance.now()
            const figure = await calibrateWasm(pool, readKernel)
            threads.node = pool.size
            if (!record) return
            samples.add(`node wasm cal ${share}`, figure)
            samples.add(`node wasm cal ${share} per thread`, figure / pool.size)
            samples.add(`node wasm cal ${share} ms`, performance.now() - t)
          } finally {
            pool.dispose()
          }
        },
      ]),
      [
        'node bench',
        async (record) => {
          const t = performance.now()
          const { kernelMs } = runWasmUnit(kernel, benchUnit)
          const ms = performance.now() - t
          if (!record) return
          samples.add('node wasm bench', gflops(benchN, ms))
          samples.add('node wasm bench run', gflops(benchN, kernelMs))
        },
      ],
      ...cpuShares.map((share): [string, (record: boolean) => Promise<void>] => [
        `chromium wasm calibration ${share}`,
        async (record) => {
          const result = await call(page, 'wasmCalibration', [share])
          threads.chromium = result.threads
          if (!record) return
          samples.add(`chromium wasm cal ${share}`, result.gflops)
          samples.add(`chromium wasm cal ${share} per thread`, result.gflops / result.threads)
          samples.add(`chromium wasm cal ${share} ms`, result.ms)
        },
      ]),
      [
        'chromium wasm bench',
        async (record) => {
          const result = await call(page, 'wasm', [benchN])
          if (!record) return
          samples.add('chromium wasm bench', gflops(benchN, result.ms))
          samples.add('chromium wasm bench run', gflops(benchN, result.kernelMs))
        },
      ],
      ...cpuShares.map((share): [string, (record: boolean) => Promise<void>] => [
        `chromium gpu calibration ${share}`,
        async (record) => {
          const result = await call(page, 'gpuCalibration', [share])
          if (!record) return
          samples.add(`chromium gpu cal ${share}`, result.gflops)
          samples.add(`chromium gpu cal ${share} ms`, result.ms)
        },
      ]),
      [
        'chromium gpu bench',
        async (record) => {
          const result = await call(page, 'gpu', [benchN])
          if (!record) return
          samples.add('chromium gpu bench', gflops(benchN, result.ms))
          samples.add('chromium gpu bench pass', gflops(benchN, result.gpuMs))
        },
      ],
    ]

    // A disposed pool's threads take a moment to exit (and collect their heaps): the next
    // measurement must not share the cores with them.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 500))
    console.error('calibration: warm-up')
    for (const [, measure] of measurements) {
      await measure(false)
      await settle()
    }
    for (let run = 0; run < runs; run++) {
      console.error(`calibration: run ${run + 1}/${runs}`)
      const order = run % 2 ? [...measurements].reverse() : measurements
      for (const [, measure] of order) {
        await measure(true)
        await settle()
      }
    }
    await call(page, 'close', [])
    for (const key of samples.keys())
      console.error(
        `${key}: ${samples
          .get(key)
          .map((value) => fixed(value, 2))
          .join(', ')}`,
      )
    const loadAfter = loadAverage()

    const rows: string[] = []
    const verdicts: string[] = []
    const row = (
      label: string,
      calKey: string,
      perThreadKey: string | undefined,
      benchKey: string,
      benchLabel: string,
    ) => {
      const ratio = samples.pairedRatio(perThreadKey ?? calKey, benchKey)
      const within = Math.abs(ratio - 1) <= goal
      rows.push(
        `| ${label} | ${fixed(samples.median(calKey), 2)} | ${perThreadKey ? fixed(samples.median(perThreadKey), 2) : '—'} | ${fixed(samples.median(`${calKey} ms`), 0)} | ${benchLabel} | ${fixed(samples.median(benchKey), 2)} | ${fixed(ratio, 2)} |`,
      )
      verdicts.push(within ? 'within' : 'outside')
    }
    for (const share of cpuShares) {
      row(
        `Node, WASM, ${threads.node} threads, CPU share ${share}`,
        `node wasm cal ${share}`,
        `node wasm cal ${share} per thread`,
        'node wasm bench',
        'AS SIMD whole unit',
      )
      row(
        `Node, WASM, ${threads.node} threads, CPU share ${share}`,
        `node wasm cal ${share}`,
        `node wasm cal ${share} per thread`,
        'node wasm bench run',
        'AS SIMD run() only',
      )
    }
    for (const share of cpuShares) {
      row(
        `Chromium, WASM, ${threads.chromium} workers, CPU share ${share}`,
        `chromium wasm cal ${share}`,
        `chromium wasm cal ${share} per thread`,
        'chromium wasm bench',
        'AS SIMD whole unit',
      )
      row(
        `Chromium, WASM, ${threads.chromium} workers, CPU share ${share}`,
        `chromium wasm cal ${share}`,
        `chromium wasm cal ${share} per thread`,
        'chromium wasm bench run',
        'AS SIMD run() only',
      )
    }
    for (const share of cpuShares) {
      const label = `Chromium, WebGPU (${started.adapter.architecture || '?'}), GPU share ${share}`
      row(label, `chromium gpu cal ${share}`, undefined, 'chromium gpu bench', 'WGSL tiled')
      row(
        label,
        `chromium gpu cal ${share}`,
        undefined,
        'chromium gpu bench pass',
        'WGSL tiled, compute pass',
      )
    }
    const wasmOverGpu = samples.pairedRatio('chromium wasm cal 1', 'chromium gpu cal 1')
    const lines = [
      `## Calibration against the matmul bench`,
      '',
      `- machine: ${machine()}; load average (1 / 5 / 15 min) ${loadBefore} before, ${loadAfter} after`,
      `- chromium ${browser.version()}, node ${process.version}; WebGPU adapter ${started.adapter.vendor || '?'} / ${started.adapter.architecture || '?'}${started.isFallback ? ' (fallback)' : ''}`,
      `- bench figures at N=${benchN} (the matmul bench's worker in Chromium; the same runWasmUnit on one thread in Node); median of ${runs} alternating runs after one warm-up of each`,
      `- ratio: calibration per thread (WASM) or calibration (WebGPU) over the bench figure, median of the runs' own ratios; goal within ±${goal * 100}%`,
      '',
      `| calibration | GFLOPS | per thread | calibrate ms | bench figure | bench GFLOPS | ratio | ±20% |`,
      `|---|--:|--:|--:|---|--:|--:|---|`,
      ...rows.map((line, index) => line.replace(/\|$/, `| `) + `${verdicts[index]} |`),
      '',
      `- Chromium: WASM calibration / WebGPU calibration (both at full share): ${fixed(wasmOverGpu, 1)}× (${wasmOverGpu > 1 ? 'WASM first, the right order on a software adapter' : 'WebGPU first'})`,
    ]
    console.log(lines.join('\n'))
  } finally {
    await browser.close()
    site.server.close()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
