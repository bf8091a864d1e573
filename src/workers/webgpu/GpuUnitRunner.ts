import { releaseProxy, wrap, type Remote } from 'comlink'
import type { WasmUnit, WasmUnitResult } from '../../kernels/wasmAbi.ts'
import { registerErrorTransferHandler } from '../errorTransferHandler.ts'
import {
  KernelNotLoadedError,
  PoolDisposedError,
  UnitTimeLimitError,
  WorkerCrashedError,
} from '../errors.ts'
import { WebGpuInvalidShareError } from './errors.ts'
import type { GpuComputeApi, GpuComputeKernel, GpuStartParameters } from './createGpuComputeApi.ts'
import type { GpuAdapterDescription } from './requestComputeDevice.ts'

export type GpuUnitRunnerParameters = GpuStartParameters & {
  /** Fraction of time the GPU computes for us, 0.1..1; see {@link GpuUnitRunner.setGpuShare}. */
  gpuShare?: number
  /** How long one slice of a unit's dispatch may hold the GPU; default {@link defaultSliceMs}. */
  maxSliceMs?: number
  /** Starts the GPU worker; tests pass their own. */
  createWorker?: () => Worker
}

type Running = { worker: Worker; api: Remote<GpuComputeApi>; ready: Promise<void> }

/** Half a frame at 60 Hz: a slice this short leaves the compositor its turn every frame. */
export const defaultSliceMs = 8

/**
 * Runs WGSL units, one at a time, on a WebGPU device in a dedicated worker. A unit past its time
 * limit gets the worker terminated (which destroys its device and whatever the GPU was doing)
 * and a fresh one started. The GPU share: a unit's dispatch runs in slices of about
 * `maxSliceMs`, and after a slice of `t` ms the GPU rests `t × (1/share − 1)`, so the
 * volunteer's own page keeps the GPU for compositing and animation. The time limit counts GPU
 * time: the wall-clock limit is `timeLimitMs / share`.
 *
 * @example
 * const gpu = await GpuUnitRunner.start({ allowFallbackAdapter: false, gpuShare: 0.5 })
 * await gpu.load(kernel)
 * const { output } = await gpu.run(unit, { timeLimitMs: 10_000 })
 */
export class GpuUnitRunner {
  readonly size = 1
  readonly adapter: GpuAdapterDescription
  readonly #parameters: GpuStartParameters
  readonly #createWorker: () => Worker
  #running: Running
  #kernel: GpuComputeKernel | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #gpuShare: number
  readonly #maxSliceMs: number
  #disposed = false

  static async start(parameters: GpuUnitRunnerParameters): Promise<GpuUnitRunner> {
    const {
      gpuShare = 1,
      maxSliceMs = defaultSliceMs,
      createWorker = createGpuWorker,
      ...start
    } = parameters
    assertShare(gpuShare)
    registerErrorTransferHandler()
    const worker = createWorker()
    const api = wrap<GpuComputeApi>(worker)
    try {
      const adapter = await api.start(start)
      return new GpuUnitRunner(
        start,
        createWorker,
        { worker, api, ready: Promise.resolve() },
        adapter,
        { gpuShare, maxSliceMs },
      )
    } catch (error) {
      api[releaseProxy]()
      worker.terminate()
      throw error
    }
  }

  private constructor(
    parameters: GpuStartParameters,
    createWorker: () => Worker,
    running: Running,
    adapter: GpuAdapterDescription,
    share: { gpuShare: number; maxSliceMs: number },
  ) {
    this.#parameters = parameters
    this.#createWorker = createWorker
    this.#running = running
    this.adapter = adapter
    this.#gpuShare = share.gpuShare
    this.#maxSliceMs = share.maxSliceMs
  }

  get gpuShare(): number {
    return this.#gpuShare
  }

  /** GFLOPS the device sustains on the tiled matrix multiply (calibrateGpu, in its worker). */
  calibrate(): Promise<number> {
    return this.#serial(async () => {
      await this.#running.ready
      return this.#running.api.calibrate()
    })
  }

  /** Verifies and compiles the kernel; rejects with `kernel/wgsl-compile` and its messages. */
  load(kernel: GpuComputeKernel): Promise<void> {
    return this.#serial(async () => {
      this.#kernel = undefined
      await this.#running.ready
      await this.#running.api.load(kernel)
      this.#kernel = kernel
    })
  }

  run(unit: WasmUnit, options: { timeLimitMs: number }): Promise<WasmUnitResult> {
    return this.#serial(async () => {
      if (!this.#kernel) throw new KernelNotLoadedError()
      const running = this.#running
      await running.ready
      const share = this.#gpuShare
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeLimit = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new UnitTimeLimitError(options)),
          Math.min(options.timeLimitMs / share, 2 ** 31 - 1),
        )
      })
      try {
        return await Promise.race([
          running.api.run(unit, { maxSliceMs: this.#maxSliceMs, share }),
          timeLimit,
        ])
      } catch (error) {
        if (error instanceof UnitTimeLimitError) this.#restart()
        throw error
      } finally {
        clearTimeout(timer)
      }
    })
  }

  /** Sets the fraction of time the GPU computes; applies from the next rest on. */
  setGpuShare(share: number): void {
    assertShare(share)
    this.#gpuShare = share
  }

  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    this.#running.api[releaseProxy]()
    this.#running.worker.terminate()
  }

  /** Units, loads and calibration run one after another: one device, one queue. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    if (this.#disposed) return Promise.reject(new PoolDisposedError())
    const result = this.#queue.then(task)
    this.#queue = result.catch(() => undefined)
    return result
  }

  /** Replaces the worker, and its device, with a fresh one that loads the same kernel. */
  #restart(): void {
    this.#running.api[releaseProxy]()
    this.#running.worker.terminate()
    const worker = this.#createWorker()
    const api = wrap<GpuComputeApi>(worker)
    const kernel = this.#kernel
    const ready = (async () => {
      await api.start(this.#parameters)
      if (kernel) await api.load(kernel)
    })()
    ready.catch((error: unknown) => {
      this.#kernel = undefined
      console.warn('the GPU worker could not be restarted', error)
    })
    this.#running = {
      worker,
      api,
      ready: ready.catch(() => {
        throw new WorkerCrashedError('the GPU worker could not be restarted')
      }),
    }
  }
}

function createGpuWorker(): Worker {
  return new Worker(new URL('./gpuComputeWorker.ts', import.meta.url), {
    type: 'module',
    name: 'gpu-compute',
  })
}

function assertShare(share: number): void {
  if (!(share >= 0.1 && share <= 1)) throw new WebGpuInvalidShareError({ share })
}
