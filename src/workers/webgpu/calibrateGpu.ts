import { sustainedGflops } from '../sustainedGflops.ts'

export type CalibrateGpuParameters = {
  /**
   * Runs the tiled matrix multiply at size n once and resolves with its time in milliseconds:
   * the compute pass by timestamp queries where the device has them, else the whole run.
   */
  runMatmul: (n: number) => Promise<number>
}

const firstN = 256
// 2048: 17 GFLOP, 48 MiB of buffers; about 9 ms at 2 TFLOPS.
const largestN = 2048
// A run shorter than this is mostly the dispatch's fixed cost on a fast GPU: take a larger one.
const minimumMs = 20
const timedRuns = 3

/**
 * The GPU engine's calibration: GFLOPS the device sustains on the tiled matrix multiply. After a
 * warm-up at N=256 (the pipeline, the buffers), the size doubles until one run takes at least
 * 20 ms or reaches N=2048 (each step at most eight times the last, so at most about 160 ms); the
 * median of three runs at that size, timed in the GPU worker (on the device where it has
 * timestamp queries), so the GPU share's rests and the worker's messages are not in it.
 * SwiftShader stays at N=256 (about 25 ms there), llvmpipe goes to 512; a real GPU goes on to
 * where its dispatch overhead no longer hides its speed.
 *
 * @example
 * const gflops = await calibrateGpu({ runMatmul: async (n) => (await engine.run(createMatmulProgram({ n }), unit(n))).gpuMs })
 */
export async function calibrateGpu(parameters: CalibrateGpuParameters): Promise<number> {
  const { runMatmul } = parameters
  await runMatmul(firstN)
  let n = firstN
  const unitMs = [await runMatmul(n)]
  while (unitMs[0]! < minimumMs && n < largestN) {
    n *= 2
    unitMs[0] = await runMatmul(n)
  }
  while (unitMs.length < timedRuns) unitMs.push(await runMatmul(n))
  return sustainedGflops({ flopsPerUnit: 2 * n ** 3, unitMs, threads: 1 })
}
