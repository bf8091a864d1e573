import { BaseError } from '../errors/BaseError.ts'
import { GpuUnitRunner } from '../workers/webgpu/GpuUnitRunner.ts'
import { NodeWorker } from './NodeWorker.ts'
import { openNodeGpu, type OpenNodeGpuParameters } from './openNodeGpu.ts'

export type StartNodeGpuRunnerParameters = {
  /** Fraction of the time the GPU computes for us, 0.1 to 1. */
  gpuShare: number
  /** How the `webgpu` package is loaded (see {@link openNodeGpu}); tests pass a failing one. */
  load?: OpenNodeGpuParameters['load']
  /** Starts the GPU thread; tests pass one with another entry. */
  createWorker?: () => NodeWorker
}

/** The GPU runner and its calibration, or why there is none. */
export type StartNodeGpuRunnerReturnType =
  | { runner: GpuUnitRunner; gflops: number; reason?: undefined }
  | { runner?: undefined; gflops?: undefined; reason: string }

/**
 * The tab's `GpuUnitRunner` in Node: its GPU worker is a `worker_threads` thread
 * (`gpuComputeWorkerThread.ts`) that runs the tab's `createGpuComputeApi` on Dawn
 * (`openNodeGpu`), so the time limit, the GPU share and the lost-device handling are the tab's.
 * A software adapter (llvmpipe, SwiftShader) is started too and says so in
 * `runner.adapter.isFallbackAdapter`: hosts give it only jobs that have no WASM kernel. Never
 * rejects: where WGSL cannot run, it resolves with the reason, for the volunteer to print.
 *
 * @example
 * const gpu = await startNodeGpuRunner({ gpuShare: 1 })
 * console.log(gpu.runner ? `${gpu.gflops} GFLOPS` : gpu.reason)
 */
export async function startNodeGpuRunner(
  parameters: StartNodeGpuRunnerParameters,
): Promise<StartNodeGpuRunnerReturnType> {
  const { gpuShare, load, createWorker = createGpuThread } = parameters
  try {
    // Here first: a missing package is told plainly, and EGL_PLATFORM is set for the process.
    await openNodeGpu(load ? { load } : {})
  } catch (error) {
    return { reason: reasonOf(error) }
  }
  // A thread that dies before it answers (a module that fails to load) would leave the runner's
  // first calls waiting for ever: its error event ends them instead.
  let first: NodeWorker | undefined
  let crash: (error: unknown) => void = () => undefined
  const crashed = new Promise<never>((_, reject) => (crash = reject))
  crashed.catch(() => undefined)
  const startWorker = () => {
    const worker = createWorker()
    if (!first) {
      first = worker
      worker.addEventListener('error', (event) => crash((event as ErrorEvent).error), {
        once: true,
      })
    }
    return worker as unknown as Worker
  }
  let runner: GpuUnitRunner | undefined
  try {
    runner = await Promise.race([
      GpuUnitRunner.start({ allowFallbackAdapter: true, gpuShare, createWorker: startWorker }),
      crashed,
    ])
    const gflops = await Promise.race([runner.calibrate(), crashed])
    return { runner, gflops: Math.round(gflops * 100) / 100 }
  } catch (error) {
    runner?.dispose()
    first?.terminate()
    return { reason: reasonOf(error) }
  }
}

function createGpuThread(): NodeWorker {
  return new NodeWorker(new URL('./gpuComputeWorkerThread.ts', import.meta.url), {
    name: 'gpu-compute',
  })
}

/** Says why WGSL does not run here, in a line. */
function reasonOf(error: unknown): string {
  if (!(error instanceof BaseError))
    return `the GPU thread failed: ${error instanceof Error ? error.message : String(error)}`
  switch (error.code) {
    case 'webgpu/package-missing':
      return `the optional package webgpu (Dawn) does not load here (${error.details})`
    case 'webgpu/no-adapter':
      return 'Dawn found no adapter: no GPU driver, and no OpenGL ES through EGL (Mesa: libegl1, libgles2, libgl1-mesa-dri)'
    default:
      return error.details ? `${error.shortMessage} (${error.details})` : error.shortMessage
  }
}
