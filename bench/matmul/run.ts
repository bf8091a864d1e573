/**
 * Matrix multiply in headless Chromium, inside a dedicated worker: the WGSL tiled and naive
 * kernels on WebGPU through SwiftShader (Chromium's software adapter, so on the CPU), and the
 * AssemblyScript SIMD kernel (build/wasm/matmul.wasm). Alternating runs, medians of BENCH_RUNS
 * (default 3), each after one warm-up run. Prints a markdown report on stdout, progress on stderr.
 *
 *   npm run build:wasm && ../shared/bin/private-net npx tsx bench/matmul/run.ts
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from '@playwright/test'
import { build } from 'vite'
import {
  chromiumArgs,
  chromiumExecutablePath,
  noBackgroundThrottlingArgs,
  swiftShaderWebGpuArgs,
} from '../../tests/support/chromium.ts'
import { machine, median, serveDist } from '../pipeline/harness.ts'
import { pageCaller } from '../support/pageCaller.ts'
import type { MatmulBenchApi } from './page.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = path.join(here, 'dist')
const runs = Number(process.env.BENCH_RUNS ?? 3)
if (!Number.isInteger(runs) || runs < 1) throw new Error('BENCH_RUNS must be a positive integer.')
const sizes = [256, 1024]
const issueGoal = 4

/** Calls `window.bench[name](...args)` in the page; fails after 60,000 ms. */
const call = pageCaller<MatmulBenchApi>(60_000)

type Implementation = 'tiled' | 'naive' | 'wasm'
const implementations: Implementation[] = ['tiled', 'naive', 'wasm']

/** Wall ms of one run in the worker: GPU runs include upload, dispatch and readback. */
async function once(page: Page, implementation: Implementation, n: number): Promise<number> {
  if (implementation === 'wasm') return (await call(page, 'wasm', [n])).ms
  return (await call(page, 'gpu', [implementation, n])).ms
}

const gflops = (n: number, ms: number): number => (2 * n ** 3) / (ms * 1e6)
const fixed = (value: number, digits: number): string => value.toFixed(digits)

async function main(): Promise<void> {
  if (process.env.PRIVATE_NET !== '1') {
    throw new Error(
      'Run inside the private network: ../shared/bin/private-net npm run bench (benchmarks must not reach the host network).',
    )
  }
  await build({
    root: here,
    configFile: false,
    logLevel: 'warn',
    worker: { format: 'es' },
    build: { outDir: dist, emptyOutDir: true, target: 'es2022' },
  })
  const site = await serveDist(dist)
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
    const errors = await call(page, 'check', [256])
    for (const [name, error] of Object.entries(errors))
      if (!(error < 1e-4)) throw new Error(`${name} differs from the reference by ${error}`)

    // Overhead: a 1×1 product, where nearly all the time is dispatch and readback.
    await call(page, 'gpu', ['tiled', 1])
    const overhead: { ms: number; gpuMs: number }[] = []
    for (let run = 0; run < Math.max(runs, 5); run++)
      overhead.push(await call(page, 'gpu', ['tiled', 1]))

    const times = new Map<string, number[]>()
    for (const n of sizes) {
      console.error(`matmul N=${n}: warm-up`)
      for (const implementation of implementations) await once(page, implementation, n)
      for (let run = 0; run < runs; run++) {
        console.error(`matmul N=${n}: run ${run + 1}/${runs}`)
        const order = run % 2 ? [...implementations].reverse() : implementations
        for (const implementation of order) {
          const key = `${implementation} ${n}`
          times.set(key, [...(times.get(key) ?? []), await once(page, implementation, n)])
        }
      }
    }
    await call(page, 'close', [])

    const ms = (implementation: Implementation, n: number): number =>
      median(times.get(`${implementation} ${n}`) ?? [])
    const rows = sizes.map((n) => {
      const [tiled, naive, wasm] = implementations.map((implementation) => ms(implementation, n))
      return `| ${n} | ${fixed(tiled!, 1)} | ${fixed(gflops(n, tiled!), 2)} | ${fixed(naive!, 1)} | ${fixed(gflops(n, naive!), 2)} | ${fixed(naive! / tiled!, 2)}× | ${fixed(wasm!, 1)} | ${fixed(gflops(n, wasm!), 2)} |`
    })
    const largest = sizes[sizes.length - 1]!
    const ratio = ms('naive', largest) / ms('tiled', largest)
    const { adapterInfo } = started
    const overheadMs = median(overhead.map((o) => o.ms))
    const passMs = median(overhead.map((o) => o.gpuMs))
    const lines = [
      `## Matmul: WGSL tiled vs naive on WebGPU, and AssemblyScript SIMD, in a dedicated worker`,
      '',
      `- machine: ${machine()}`,
      `- chromium ${browser.version()}, node ${process.version}; sizes N = ${sizes.join(', ')}; median of ${runs} alternating runs after one warm-up`,
      `- WebGPU adapter: ${adapterInfo.vendor || '?'} / ${adapterInfo.architecture || '?'}${started.isFallback ? ' (fallback)' : ''}. **SwiftShader runs WebGPU on the CPU: these are CPU figures, not GPU ones.**`,
      `- GFLOPS = 2·N³ / time. GPU time: engine.run from upload to the output read back. WASM time: runWasmUnit, copies in and out included.`,
      '',
      '| N | tiled ms | tiled GFLOPS | naive ms | naive GFLOPS | tiled/naive | wasm SIMD ms | wasm SIMD GFLOPS |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      `- tiled/naive at N=${largest}: ${fixed(ratio, 2)}× (issue goal ≥ ${issueGoal}×: ${ratio >= issueGoal ? 'met' : 'not met'} on SwiftShader)`,
      `- dispatch overhead (N=1, tiled, median of ${overhead.length}): ${fixed(overheadMs, 2)} ms per run; ${
        started.timestamps
          ? `the pass alone (timestamp queries) ${fixed(passMs, 2)} ms; the engine does not expose readback latency separately, the rest (upload, submit, readback) is ${fixed(overheadMs - passMs, 2)} ms`
          : `engine gpuMs (no timestamp queries: submit until the readback is mapped) ${fixed(passMs, 2)} ms`
      }`,
      `- max relative error vs the f64 reference at N=256: tiled ${errors.tiled.toExponential(1)}, naive ${errors.naive.toExponential(1)}, wasm ${errors.wasm.toExponential(1)}`,
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
