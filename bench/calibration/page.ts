import { releaseProxy, wrap } from 'comlink'
import kernelUrl from '../../build/wasm/matmul.wasm?url'
import { calibrateWasm } from '../../src/volunteer/calibrateWasm.ts'
import { registerErrorTransferHandler } from '../../src/workers/errorTransferHandler.ts'
import { GpuUnitRunner } from '../../src/workers/webgpu/GpuUnitRunner.ts'
import { WorkerPool } from '../../src/workers/WorkerPool.ts'
import type { MatmulWorkerApi } from '../matmul/worker.ts'

/**
 * The calibration bench page: the volunteer's calibrations as a tab starts them (a fresh
 * WorkerPool, a fresh GpuUnitRunner), and beside them the matmul bench's own worker
 * (bench/matmul/worker.ts), so that both figures come from one page in one run.
 */
registerErrorTransferHandler()
const worker = new Worker(new URL('../matmul/worker.ts', import.meta.url), {
  type: 'module',
  name: 'matmul bench worker',
})
const matmul = wrap<MatmulWorkerApi>(worker)

export const bench = {
  start: async () => {
    const started = await matmul.start(new URL(kernelUrl, location.href).href, 1)
    return { adapter: started.adapterInfo, isFallback: started.isFallback }
  },
  /** calibrateWasm on a fresh pool, one worker per logical core, as startVolunteerRuntime runs it. */
  wasmCalibration: async (cpuShare: number) => {
    const pool = new WorkerPool({ cpuShare })
    try {
      const started = performance.now()
      const gflops = await calibrateWasm(pool, async () => (await fetch(kernelUrl)).arrayBuffer())
      return { gflops, threads: pool.size, ms: performance.now() - started }
    } finally {
      pool.dispose()
    }
  },
  /** GpuUnitRunner.calibrate on a fresh runner (software adapter allowed); `ms`: calibrate() alone. */
  gpuCalibration: async (gpuShare: number) => {
    const runner = await GpuUnitRunner.start({ allowFallbackAdapter: true, gpuShare })
    try {
      const started = performance.now()
      const gflops = await runner.calibrate()
      return { gflops, ms: performance.now() - started }
    } finally {
      runner.dispose()
    }
  },
  /** The matmul bench's AssemblyScript SIMD figure: whole unit and run() only, one worker. */
  wasm: (n: number) => matmul.wasm(n),
  /** The matmul bench's WGSL tiled figure: host arrays to the product read back. */
  gpu: (n: number) => matmul.gpu('tiled', n),
  close: async () => {
    await matmul.dispose()
    matmul[releaseProxy]()
    worker.terminate()
  },
}
export type CalibrationBenchApi = typeof bench

Object.assign(globalThis, { bench })
