/**
 * Matrix multiply, side by side in one run. In headless Chromium, inside one dedicated worker:
 * the WGSL tiled and naive kernels on WebGPU through SwiftShader (Chromium's software adapter,
 * so on the CPU), TensorFlow.js's WebGPU matMul on the same adapter, the AssemblyScript SIMD
 * kernel (build/wasm/matmul.wasm) and TensorFlow.js's WASM (XNNPACK) matMul. Outside the browser:
 * the same i-k-j strip algorithm in C (native/matmul.c), built here with `cc` at 128-bit vector
 * width, skipped with a message if there is no compiler. Every implementation runs once as a
 * warm-up, then BENCH_RUNS (default 3) times, alternating, and the medians are compared.
 * BENCH_TFJS_WASM_THREADS (default 1) sets tfjs-wasm's threads. Prints a markdown report on
 * stdout, progress on stderr.
 *
 *   npm run build:wasm && ../shared/bin/private-net npx tsx bench/matmul/run.ts
 */
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from '@playwright/test'
import {
  chromiumArgs,
  chromiumExecutablePath,
  noBackgroundThrottlingArgs,
  swiftShaderWebGpuArgs,
} from '../../tests/support/chromium.ts'
import { machine, median } from '../pipeline/harness.ts'
import { loadAverage, serveBenchPage } from '../support/serveBenchPage.ts'
import { pageCaller } from '../support/pageCaller.ts'
import { buildNativeMatmul, runNativeMatmul } from './nativeMatmul.ts'
import type { MatmulBenchApi } from './page.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const runs = positiveInteger('BENCH_RUNS', 3)
const tfjsWasmThreads = positiveInteger('BENCH_TFJS_WASM_THREADS', 1)
const sizes = [256, 1024]
const largest = sizes[sizes.length - 1]!
// The issue's goals.
const goals = { tiledOverNaive: 4, tiledOverTfjsWebgpu: 1, wasmOverNative: 1.3 }
const tfjsWasmBarGflops = 25
const readbackSizes = [4, 4 * largest * largest]

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer.`)
  return value
}

/** Calls `window.bench[name](...args)` in the page; fails after 60,000 ms. */
const call = pageCaller<MatmulBenchApi>(60_000)

type Implementation = 'tiled' | 'naive' | 'tfjs-webgpu' | 'wasm' | 'tfjs-wasm' | 'native'

const labels: Record<Implementation | 'wasm kernel', string> = {
  tiled: 'WGSL tiled (ours)',
  naive: 'WGSL naive (ours)',
  'tfjs-webgpu': 'tfjs-backend-webgpu matMul',
  wasm: 'AssemblyScript SIMD (ours), whole unit',
  'wasm kernel': 'AssemblyScript SIMD (ours), run() only',
  'tfjs-wasm': 'tfjs-backend-wasm matMul (XNNPACK)',
  native: 'C, 128-bit vectors (native)',
}

const gflops = (n: number, ms: number): number => (2 * n ** 3) / (ms * 1e6)
const fixed = (value: number, digits: number): string => value.toFixed(digits)
const verdict = (met: boolean): string => (met ? '**met**' : '**not met**')

function packageVersion(name: string): string {
  const file = path.join(root, 'node_modules', name, 'package.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

async function main(): Promise<void> {
  if (process.env.PRIVATE_NET !== '1') {
    throw new Error(
      'Run inside the private network: ../shared/bin/private-net npm run bench (benchmarks must not reach the host network).',
    )
  }
  const loadBefore = loadAverage()
  const native = await buildNativeMatmul()
  if (!native.built) console.error(`matmul: native C comparison skipped: ${native.reason}`)
  // Unminified: tfjs-wasm's threaded build starts its pthreads from its factory's source text
  // (Function.toString), which minified names break.
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
    const started = await call(page, 'start', [tfjsWasmThreads])
    const errors = await call(page, 'check', [256])
    for (const [name, error] of Object.entries(errors))
      if (!(error < 1e-4)) throw new Error(`${name} differs from the reference by ${error}`)

    const implementations: Implementation[] = [
      'tiled',
      'naive',
      'tfjs-webgpu',
      'wasm',
      'tfjs-wasm',
      ...(native.built ? (['native'] as const) : []),
    ]
    const times = new Map<string, number[]>()
    const record = (key: string, ms: number) => times.set(key, [...(times.get(key) ?? []), ms])
    const hashes = new Map<number, { wasm: number; native: number }>()

    /** One run of one implementation at size n; recorded unless it is the warm-up. */
    async function once(page: Page, implementation: Implementation, n: number, warmUp: boolean) {
      let ms: number
      if (implementation === 'wasm') {
        const run = await call(page, 'wasm', [n])
        if (!warmUp) record(`wasm kernel ${n}`, run.kernelMs)
        ms = run.ms
      } else if (implementation === 'native') {
        if (!native.built) return
        const run = await runNativeMatmul(native.binary, n, 1)
        ms = run.ms[0]!
        if (warmUp) hashes.set(n, { wasm: await call(page, 'wasmHash', [n]), native: run.hash })
      } else if (implementation === 'tfjs-webgpu' || implementation === 'tfjs-wasm') {
        const backend = implementation === 'tfjs-webgpu' ? 'webgpu' : 'wasm'
        ms = (await call(page, 'tfjs', [backend, n])).ms
      } else {
        ms = (await call(page, 'gpu', [implementation, n])).ms
      }
      if (!warmUp) record(`${implementation} ${n}`, ms)
    }

    for (const n of sizes) {
      console.error(`matmul N=${n}: warm-up`)
      for (const implementation of implementations) await once(page, implementation, n, true)
      for (let run = 0; run < runs; run++) {
        console.error(`matmul N=${n}: run ${run + 1}/${runs}`)
        const order = run % 2 ? [...implementations].reverse() : implementations
        for (const implementation of order) await once(page, implementation, n, false)
      }
    }

    // Per-unit overhead: a 1×1 product, where nearly all the time is upload, dispatch and
    // readback; and readback alone, of 4 bytes and of an N=1024 C, on the same device.
    console.error('matmul: dispatch overhead and readback latency')
    await call(page, 'gpu', ['tiled', 1])
    for (const bytes of readbackSizes) await call(page, 'readback', [bytes])
    const overhead: { ms: number; gpuMs: number }[] = []
    const readback = new Map<number, number[]>()
    for (let run = 0; run < Math.max(runs, 5); run++) {
      overhead.push(await call(page, 'gpu', ['tiled', 1]))
      for (const bytes of run % 2 ? [...readbackSizes].reverse() : readbackSizes)
        readback.set(bytes, [...(readback.get(bytes) ?? []), await call(page, 'readback', [bytes])])
    }
    await call(page, 'close', [])
    const loadAfter = loadAverage()

    const ms = (key: Implementation | 'wasm kernel', n: number): number =>
      median(times.get(`${key} ${n}`) ?? [])
    const rowKeys: (Implementation | 'wasm kernel')[] = [
      'tiled',
      'naive',
      'tfjs-webgpu',
      'wasm',
      'wasm kernel',
      'tfjs-wasm',
      ...(native.built ? (['native'] as const) : []),
    ]
    const rows = rowKeys.map(
      (key) =>
        `| ${labels[key]} | ${sizes.map((n) => `${fixed(ms(key, n), 1)} | ${fixed(gflops(n, ms(key, n)), 2)}`).join(' | ')} |`,
    )

    // The ratio of medians, and the median of the runs' own ratios: each run's pair ran within
    // seconds of each other, so the second follows the machine's load less.
    const ratio = (
      numerator: Implementation | 'wasm kernel',
      denominator: Implementation | 'wasm kernel',
      n: number,
    ) => {
      const over = times.get(`${denominator} ${n}`) ?? []
      const paired = (times.get(`${numerator} ${n}`) ?? []).map((value, run) => value / over[run]!)
      return { n, ratio: ms(numerator, n) / ms(denominator, n), paired: median(paired) }
    }
    const pairedNote = (r: { paired: number }) => `, median of per-run ratios ${fixed(r.paired, 2)}`
    const tiledOverTfjs = sizes.map((n) => ratio('tfjs-webgpu', 'tiled', n))
    const tiledOverNaive = ratio('naive', 'tiled', largest)
    const wasmOverNative = sizes.map((n) => ratio('wasm kernel', 'native', n))
    const wasmOverTfjs = ratio('tfjs-wasm', 'wasm', largest)
    const tfjsWasmGflops = gflops(largest, ms('tfjs-wasm', largest))
    const { adapterInfo, tfjs } = started
    const overheadMs = median(overhead.map((o) => o.ms))
    const passMs = median(overhead.map((o) => o.gpuMs))
    const readbackMs = (bytes: number) => median(readback.get(bytes) ?? [])
    const cc = native.built
      ? `${native.compiler}, \`cc ${native.flags.join(' ')}\``
      : `skipped (${native.reason})`
    const lines = [
      `## Matmul: our WGSL and AssemblyScript kernels vs TensorFlow.js and native C, in a dedicated worker`,
      '',
      `- machine: ${machine()}; load average (1 / 5 / 15 min) ${loadBefore} before, ${loadAfter} after`,
      `- chromium ${browser.version()}, node ${process.version}; tfjs-core ${tfjs.core}, tfjs-backend-webgpu ${packageVersion('@tensorflow/tfjs-backend-webgpu')}, tfjs-backend-wasm ${packageVersion('@tensorflow/tfjs-backend-wasm')} (${tfjs.wasmBinary}, ${tfjs.wasmThreads} thread${tfjs.wasmThreads === 1 ? '' : 's'}); native: ${cc}`,
      `- sizes N = ${sizes.join(', ')}; median of ${runs} alternating runs after one warm-up of each`,
      `- WebGPU adapter, ours: ${adapterInfo.vendor || '?'} / ${adapterInfo.architecture || '?'}${started.isFallback ? ' (fallback)' : ''}; tfjs-backend-webgpu's: ${tfjs.webgpuAdapter.vendor || '?'} / ${tfjs.webgpuAdapter.architecture || '?'}. **SwiftShader runs WebGPU on the CPU: these are CPU figures, not GPU ones.**`,
      `- GFLOPS = 2·N³ / time. WebGPU times (ours and tfjs): from the host arrays to the product read back (upload, dispatch, readback). WASM "whole unit": runWasmUnit with copies in and out; tfjs-wasm: tensors from host arrays to \`data()\`. "run() only" and native C: clearing C and multiplying, timed inside (performance.now in the worker; clock_gettime in a child process, one process per run, after its own warm-up multiply).`,
      '',
      `| implementation | ${sizes.map((n) => `N=${n} ms | N=${n} GFLOPS`).join(' | ')} |`,
      `|---|${sizes.map(() => '---|---|').join('')}`,
      ...rows,
      '',
      ...tiledOverTfjs.map(
        (r) =>
          `- WGSL tiled vs tfjs-backend-webgpu, GFLOPS ratio at N=${r.n}: ${fixed(r.ratio, 2)}× (goal ≥ ${goals.tiledOverTfjsWebgpu}: ${verdict(r.ratio >= goals.tiledOverTfjsWebgpu)} on SwiftShader${pairedNote(r)})`,
      ),
      `- WGSL tiled vs naive at N=${largest}: ${fixed(tiledOverNaive.ratio, 2)}× (goal ≥ ${goals.tiledOverNaive}×: ${verdict(tiledOverNaive.ratio >= goals.tiledOverNaive)} on SwiftShader${pairedNote(tiledOverNaive)})`,
      ...(native.built
        ? wasmOverNative.map((r) => {
            const hash = hashes.get(r.n)
            const same = hash && hash.wasm === hash.native
            return `- AssemblyScript SIMD / C time ratio at N=${r.n} (run() only vs native): ${fixed(r.ratio, 2)} (goal ≤ ${goals.wasmOverNative}: ${verdict(r.ratio <= goals.wasmOverNative)}${pairedNote(r)}); outputs ${same ? 'bit-identical' : `DIFFER (FNV-1a wasm ${hash?.wasm}, C ${hash?.native})`}`
          })
        : [`- AssemblyScript SIMD vs C: skipped (${native.reason})`]),
      `- AssemblyScript SIMD vs tfjs-backend-wasm at N=${largest}, GFLOPS ratio (whole unit vs tensors in and out): ${fixed(wasmOverTfjs.ratio, 2)}×${pairedNote(wasmOverTfjs)}; tfjs-wasm gives ${fixed(tfjsWasmGflops, 1)} GFLOPS here (bar to approach: about ${tfjsWasmBarGflops})`,
      `- dispatch overhead per unit (N=1, tiled, median of ${overhead.length}): ${fixed(overheadMs, 2)} ms in all; ${
        started.timestamps
          ? `the compute pass alone (timestamp queries) ${fixed(passMs, 2)} ms`
          : `engine gpuMs (no timestamp queries: submit until the readback is mapped) ${fixed(passMs, 2)} ms`
      }`,
      `- readback latency in the worker (copy to a mappable buffer, submit, mapAsync, copy out; median of ${overhead.length}): ${readbackSizes.map((bytes) => `${bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes} B`} ${fixed(readbackMs(bytes), 2)} ms`).join(', ')}`,
      `- max relative error vs the f64 reference at N=256: ${Object.entries(errors)
        .map(([name, error]) => `${name} ${error.toExponential(1)}`)
        .join(', ')}`,
    ]
    console.log(lines.join('\n'))
  } finally {
    await browser.close()
    site.server.close()
    if (native.built) await rm(path.dirname(native.binary), { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
