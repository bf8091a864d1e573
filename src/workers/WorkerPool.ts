import { releaseProxy, wrap, type Remote } from 'comlink'
import {
  copyWasmOutput,
  shapeOf,
  writeWasmUnit,
  type WasmUnit,
  type WasmUnitResult,
} from '../kernels/wasmAbi.ts'
import type { ComputeApi, ComputeKernel } from './compute/computeWorker.ts'
import type { WasmKernelShape } from '../kernels/wasmAbi.ts'
import { WorkerClock } from './clock/WorkerClock.ts'
import { registerErrorTransferHandler } from './errorTransferHandler.ts'
import {
  KernelNotLoadedError,
  PoolDisposedError,
  PoolInvalidCpuShareError,
  PoolInvalidSizeError,
  UnitInvalidError,
  UnitTimeLimitError,
  WorkerCrashedError,
} from './errors.ts'

export type WorkerPoolParameters = {
  /** Number of workers; defaults to the device's logical cores. */
  size?: number
  /** Fraction of each worker's time spent computing, 0.1..1; see {@link WorkerPool.setCpuShare}. */
  cpuShare?: number
  /** Starts the worker for slot `index`; tests pass their own. */
  createWorker?: (index: number) => Worker
}

export type WorkerPoolRunOptions = {
  /** The unit is abandoned, and its worker replaced, when it runs longer than this. */
  timeLimitMs: number
}

export type WorkerPoolStats = {
  size: number
  busy: number
  resting: number
  queued: number
  cpuShare: number
  unitsRun: number
  unitsFailed: number
  /** Sum of units' run times, including time spent failing. */
  busyMs: number
  /** Sum of rests actually taken between units. */
  restMs: number
}

/** What the pool reports to `onChange` listeners; `slot` is the worker's index. */
export type WorkerPoolEvent =
  | { type: 'unit-done'; slot: number; runMs: number; kernelMs: number; restMs: number }
  | { type: 'unit-failed'; slot: number; runMs: number; restMs: number; code: string }
  | { type: 'rest-done'; slot: number; plannedMs: number; restedMs: number }
  | { type: 'worker-replaced'; slot: number; reason: 'time-limit' | 'crashed' | 'team-unit-failed' }
  | { type: 'cpu-share'; cpuShare: number }
  | { type: 'disposed' }

type Job = {
  unit: WasmUnit
  timeLimitMs: number
  resolve: (result: WasmUnitResult) => void
  reject: (error: unknown) => void
}

type Slot = {
  index: number
  worker: Worker
  api: Remote<ComputeApi>
  /** Settles when the slot's worker has (tried to) load the pool's kernel. */
  ready: Promise<void>
  state: 'idle' | 'busy' | 'resting'
  /** Ends the unit in flight early: time limit, crash or dispose. */
  interrupt: ((error: Error) => void) | undefined
  /** Cancels the rest in progress. */
  cancelRest: (() => void) | undefined
}

/**
 * Runs work units on a fixed number of compute workers, one unit per worker at a time,
 * with a per-unit time limit and a duty cycle that caps CPU use. The rests of the duty cycle and
 * the time limits are timed in a worker (WorkerClock), so that they keep time in a hidden tab.
 *
 * A threaded kernel (WASM ABI v0, `runThread`) in a cross-origin isolated page runs one unit at
 * a time on a team of all the workers, which share the kernel's memory: each runs one thread.
 * Anywhere else a threaded kernel runs like a plain one, one unit per worker as its only thread.
 * A failed team unit rebuilds the whole team (a thread may be waiting on one that failed).
 *
 * @example
 * const pool = new WorkerPool({ cpuShare: 0.5 })
 * await pool.load({ bytes, sha256 })
 * const { output } = await pool.run(unit, { timeLimitMs: 10_000 })
 */
export class WorkerPool {
  readonly #slots: Slot[] = []
  readonly #queue: Job[] = []
  readonly #listeners = new Set<(event: WorkerPoolEvent) => void>()
  readonly #createWorker: (index: number) => Worker
  /** Times the rests: a page's own timers are throttled while it is hidden. */
  readonly #clock = new WorkerClock()
  #kernel: ComputeKernel | undefined
  /** While the loaded kernel runs on a team: the memory every worker shares, once they do. */
  #team: Promise<WebAssembly.Memory> | undefined
  #cpuShare: number
  #disposed = false
  #unitsRun = 0
  #unitsFailed = 0
  #busyMs = 0
  #restMs = 0

  constructor(parameters: WorkerPoolParameters = {}) {
    const size = parameters.size ?? defaultPoolSize()
    if (!Number.isInteger(size) || size < 1) throw new PoolInvalidSizeError({ size })
    const cpuShare = parameters.cpuShare ?? 1
    assertCpuShare(cpuShare)
    this.#cpuShare = cpuShare
    this.#createWorker = parameters.createWorker ?? createComputeWorker
    registerErrorTransferHandler()
    for (let index = 0; index < size; index++) this.#slots.push(this.#spawn(index))
  }

  get size(): number {
    return this.#slots.length
  }

  get busy(): number {
    return this.#slots.filter((slot) => slot.state === 'busy').length
  }

  /** Whether units run one at a time on all the workers together (a threaded kernel). */
  get teamed(): boolean {
    return this.#team !== undefined
  }

  get cpuShare(): number {
    return this.#cpuShare
  }

  get stats(): WorkerPoolStats {
    return {
      size: this.size,
      busy: this.busy,
      resting: this.#slots.filter((slot) => slot.state === 'resting').length,
      queued: this.#queue.length,
      cpuShare: this.#cpuShare,
      unitsRun: this.#unitsRun,
      unitsFailed: this.#unitsFailed,
      busyMs: this.#busyMs,
      restMs: this.#restMs,
    }
  }

  /** Calls `listener` on every pool event; returns the unsubscribe function. */
  onChange(listener: (event: WorkerPoolEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Loads `kernel` into every worker, and into every worker started later. Rejects with the
   * first worker's error (`kernel/hash-mismatch`, `kernel/invalid-wasm`, ...); the pool is
   * then left without a kernel.
   */
  async load(kernel: ComputeKernel): Promise<void> {
    this.#assertOpen()
    this.#kernel = kernel
    this.#team = undefined
    const loads = this.#slots.map((slot) => this.#loadInto(slot, kernel))
    try {
      const [shape] = await Promise.all(loads)
      if (shape?.threaded && canShareMemory() && this.#slots.length > 1) {
        this.#team = this.#formTeam()
        await this.#team
      }
    } catch (error) {
      if (this.#kernel === kernel) {
        this.#kernel = undefined
        this.#team = undefined
      }
      throw error
    }
  }

  /** Queues `unit` for the next free worker. */
  run(unit: WasmUnit, options: WorkerPoolRunOptions): Promise<WasmUnitResult> {
    if (this.#disposed) return Promise.reject(new PoolDisposedError())
    if (!this.#kernel) return Promise.reject(new KernelNotLoadedError())
    const { timeLimitMs } = options
    // setTimeout treats anything past 2^31 - 1 ms, Infinity included, as 0.
    if (!(timeLimitMs > 0 && timeLimitMs <= maxTimeoutMs))
      return Promise.reject(
        new UnitInvalidError(`time limit ${timeLimitMs} is not in 1..${maxTimeoutMs} ms`),
      )
    return new Promise((resolve, reject) => {
      this.#queue.push({ unit, timeLimitMs, resolve, reject })
      this.#pump()
    })
  }

  /**
   * Sets the fraction of time each worker computes: after a unit that ran t ms, its worker
   * rests t * (1 / share - 1) ms. Applies from the next rest on; no worker restarts.
   */
  setCpuShare(share: number): void {
    assertCpuShare(share)
    this.#cpuShare = share
    this.#emit({ type: 'cpu-share', cpuShare: share })
  }

  /** Terminates every worker and rejects every queued or running unit with `pool/disposed`. */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    for (const job of this.#queue.splice(0)) job.reject(new PoolDisposedError())
    for (const slot of this.#slots) {
      slot.interrupt?.(new PoolDisposedError())
      slot.cancelRest?.()
      this.#terminate(slot)
    }
    this.#clock.dispose()
    this.#emit({ type: 'disposed' })
  }

  #spawn(index: number): Slot {
    const worker = this.#createWorker(index)
    const slot: Slot = {
      index,
      worker,
      api: wrap<ComputeApi>(worker),
      ready: Promise.resolve(),
      state: 'idle',
      interrupt: undefined,
      cancelRest: undefined,
    }
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      slot.interrupt?.(new WorkerCrashedError(event.message || 'uncaught error in the worker'))
    })
    if (this.#kernel) void this.#loadInto(slot, this.#kernel).catch(() => undefined)
    return slot
  }

  #loadInto(slot: Slot, kernel: ComputeKernel): Promise<WasmKernelShape> {
    const loading = slot.api.load(kernel)
    slot.ready = loading.then(
      () => undefined,
      () => undefined,
    )
    return loading
  }

  /** Every worker instantiates the kernel again on the first worker's shared memory. */
  async #formTeam(): Promise<WebAssembly.Memory> {
    const slots = [...this.#slots]
    await Promise.all(slots.map((slot) => slot.ready))
    const [first, ...others] = slots
    const memory = await first!.api.sharedMemory()
    await Promise.all(others.map((slot) => slot.api.join(memory)))
    return memory
  }

  #replaceTeam(reason: 'time-limit' | 'crashed' | 'team-unit-failed'): void {
    for (const slot of [...this.#slots]) {
      this.#terminate(slot)
      const fresh = this.#spawn(slot.index)
      fresh.state = slot.state
      this.#slots[slot.index] = fresh
      this.#emit({ type: 'worker-replaced', slot: slot.index, reason })
    }
    this.#team = this.#formTeam()
    // A team that cannot form again fails the next unit, with the reason.
    this.#team.catch(() => undefined)
  }

  #terminate(slot: Slot): void {
    slot.api[releaseProxy]()
    slot.worker.terminate()
  }

  #replace(slot: Slot, reason: 'time-limit' | 'crashed'): void {
    this.#terminate(slot)
    const fresh = this.#spawn(slot.index)
    fresh.state = slot.state
    this.#slots[slot.index] = fresh
    this.#emit({ type: 'worker-replaced', slot: slot.index, reason })
  }

  #pump(): void {
    if (this.#team) {
      if (this.#disposed || this.#queue.length === 0) return
      if (this.#slots.some((slot) => slot.state !== 'idle')) return
      const job = this.#queue.shift()!
      for (const slot of this.#slots) slot.state = 'busy'
      void this.#executeTeam(this.#team, job)
      return
    }
    for (const slot of this.#slots) {
      if (this.#disposed || this.#queue.length === 0) return
      if (slot.state !== 'idle') continue
      const job = this.#queue.shift()!
      slot.state = 'busy'
      void this.#execute(slot, job)
    }
  }

  async #execute(slot: Slot, job: Job): Promise<void> {
    await slot.ready
    if (this.#disposed) return job.reject(new PoolDisposedError())
    const started = performance.now()
    let cancelTimeLimit: (() => void) | undefined
    const interrupted = new Promise<never>((_, reject) => {
      slot.interrupt = reject
      // Timed in the clock worker too: a hidden page could fire its own timer a minute late.
      cancelTimeLimit = this.#clock.after(job.timeLimitMs, () =>
        reject(new UnitTimeLimitError(job)),
      )
    })
    let result: WasmUnitResult | undefined
    let failure: unknown
    try {
      result = await Promise.race([slot.api.run(job.unit), interrupted])
    } catch (error) {
      failure = error
    } finally {
      cancelTimeLimit?.()
      slot.interrupt = undefined
    }
    if (this.#disposed) return job.reject(new PoolDisposedError())
    if (failure instanceof UnitTimeLimitError) this.#replace(slot, 'time-limit')
    else if (failure instanceof WorkerCrashedError) this.#replace(slot, 'crashed')

    const runMs = performance.now() - started
    // Read the share now, so a change made while the unit ran applies to this rest.
    const restMs = runMs * (1 / this.#cpuShare - 1)
    this.#busyMs += runMs
    if (result) {
      this.#unitsRun++
      job.resolve(result)
      this.#emit({ type: 'unit-done', slot: slot.index, runMs, kernelMs: result.kernelMs, restMs })
    } else {
      this.#unitsFailed++
      job.reject(failure)
      this.#emit({ type: 'unit-failed', slot: slot.index, runMs, restMs, code: errorCode(failure) })
    }
    this.#rest(this.#slots[slot.index]!, restMs)
  }

  async #executeTeam(team: Promise<WebAssembly.Memory>, job: Job): Promise<void> {
    const slots = [...this.#slots]
    const started = performance.now()
    let cancelTimeLimit: (() => void) | undefined
    const interrupted = new Promise<never>((_, reject) => {
      for (const slot of slots) slot.interrupt = reject
      // Timed in the clock worker too: a hidden page could fire its own timer a minute late.
      cancelTimeLimit = this.#clock.after(job.timeLimitMs, () =>
        reject(new UnitTimeLimitError(job)),
      )
    })
    let result: WasmUnitResult | undefined
    let failure: unknown
    try {
      result = await Promise.race([this.#runOnTeam(team, slots, job.unit), interrupted])
    } catch (error) {
      failure = error
    } finally {
      cancelTimeLimit?.()
      for (const slot of slots) slot.interrupt = undefined
    }
    if (this.#disposed) return job.reject(new PoolDisposedError())
    if (failure !== undefined)
      this.#replaceTeam(
        failure instanceof UnitTimeLimitError
          ? 'time-limit'
          : failure instanceof WorkerCrashedError
            ? 'crashed'
            : 'team-unit-failed',
      )

    const runMs = performance.now() - started
    const restMs = runMs * (1 / this.#cpuShare - 1)
    this.#busyMs += runMs
    if (result) {
      this.#unitsRun++
      job.resolve(result)
      this.#emit({ type: 'unit-done', slot: 0, runMs, kernelMs: result.kernelMs, restMs })
    } else {
      this.#unitsFailed++
      job.reject(failure)
      this.#emit({ type: 'unit-failed', slot: 0, runMs, restMs, code: errorCode(failure) })
    }
    this.#restTeam(restMs)
  }

  /**
   * One unit on a team: the first worker allocates its buffers, the page writes the input
   * straight into the shared memory (no copy through a worker), every worker runs a thread, and
   * the page reads the output out.
   */
  async #runOnTeam(
    team: Promise<WebAssembly.Memory>,
    slots: Slot[],
    unit: WasmUnit,
  ): Promise<WasmUnitResult> {
    const memory = await team
    const shape = shapeOf(unit)
    const placement = await slots[0]!.api.allocate(shape)
    writeWasmUnit(memory, unit, placement)
    const kernelMs = await Promise.all(
      slots.map((slot, thread) => slot.api.runThread(shape, placement, thread, slots.length)),
    )
    const output = copyWasmOutput(memory, placement, unit.outputBytes)
    return { output, kernelMs: Math.max(...kernelMs) }
  }

  #restTeam(plannedMs: number): void {
    const slots = this.#slots
    if (plannedMs <= 0) {
      for (const slot of slots) slot.state = 'idle'
      return this.#pump()
    }
    for (const slot of slots) slot.state = 'resting'
    const started = performance.now()
    slots[0]!.cancelRest = this.#clock.after(plannedMs, () => {
      slots[0]!.cancelRest = undefined
      if (this.#disposed) return
      const restedMs = performance.now() - started
      this.#restMs += restedMs
      for (const slot of slots) slot.state = 'idle'
      this.#emit({ type: 'rest-done', slot: 0, plannedMs, restedMs })
      this.#pump()
    })
  }

  #rest(slot: Slot, plannedMs: number): void {
    if (plannedMs <= 0) {
      slot.state = 'idle'
      return this.#pump()
    }
    slot.state = 'resting'
    const started = performance.now()
    slot.cancelRest = this.#clock.after(plannedMs, () => {
      slot.cancelRest = undefined
      if (this.#disposed) return
      const restedMs = performance.now() - started
      this.#restMs += restedMs
      slot.state = 'idle'
      this.#emit({ type: 'rest-done', slot: slot.index, plannedMs, restedMs })
      this.#pump()
    })
  }

  #assertOpen(): void {
    if (this.#disposed) throw new PoolDisposedError()
  }

  #emit(event: WorkerPoolEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch (error) {
        // A broken listener must not stall a slot mid-unit; report it out of band instead.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}

const maxTimeoutMs = 2 ** 31 - 1

function createComputeWorker(index: number): Worker {
  return new Worker(new URL('./compute/computeWorker.ts', import.meta.url), {
    type: 'module',
    name: `compute-${index}`,
  })
}

/** Whether workers can share a WebAssembly.Memory: only in a cross-origin isolated page. */
function canShareMemory(): boolean {
  return globalThis.crossOriginIsolated === true
}

function defaultPoolSize(): number {
  return (typeof navigator === 'undefined' ? 0 : navigator.hardwareConcurrency) || 2
}

function assertCpuShare(share: number): void {
  if (!(share >= 0.1 && share <= 1)) throw new PoolInvalidCpuShareError({ share })
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code)
  return 'unknown'
}
