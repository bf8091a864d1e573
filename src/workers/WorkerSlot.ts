import { releaseProxy, wrap, type Remote } from 'comlink'
import type { WasmKernelShape } from '../kernels/wasmAbi.ts'
import type { ComputeApi, ComputeKernel } from './compute/computeWorker.ts'
import { WorkerCrashedError } from './errors.ts'

/** Why a slot's worker was terminated and a fresh one started in its place. */
export type WorkerReplacedReason = 'time-limit' | 'crashed' | 'team-unit-failed'

/**
 * One compute worker of a WorkerPool, and what the pool is doing with it. An uncaught error in
 * the worker interrupts the unit in flight with `worker/crashed`.
 *
 * @example
 * const slot = new WorkerSlot(0, new Worker(url, { type: 'module' }))
 * await slot.load(kernel)
 */
export class WorkerSlot {
  readonly index: number
  readonly api: Remote<ComputeApi>
  readonly #worker: Worker
  /** Settles when the slot's worker has (tried to) load the pool's kernel. */
  ready: Promise<void> = Promise.resolve()
  state: 'idle' | 'busy' | 'resting' = 'idle'
  /** Ends the unit in flight early: time limit, crash or dispose. */
  interrupt: ((error: Error) => void) | undefined
  /** Cancels the rest in progress. */
  cancelRest: (() => void) | undefined

  constructor(index: number, worker: Worker) {
    this.index = index
    this.api = wrap<ComputeApi>(worker)
    this.#worker = worker
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      this.interrupt?.(new WorkerCrashedError(event.message || 'uncaught error in the worker'))
    })
  }

  /** Loads `kernel` into the worker; resolves with its shape, rejects with the worker's error. */
  load(kernel: ComputeKernel): Promise<WasmKernelShape> {
    const loading = this.api.load(kernel)
    this.ready = loading.then(
      () => undefined,
      () => undefined,
    )
    return loading
  }

  terminate(): void {
    this.api[releaseProxy]()
    this.#worker.terminate()
  }
}
