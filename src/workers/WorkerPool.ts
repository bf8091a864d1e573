import type { WasmUnit, WasmUnitResult } from '../kernels/wasmAbi.ts'
import type { ComputeKernel } from './compute/computeWorker.ts'
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
import { runInterruptibly } from './runInterruptibly.ts'
import { WorkerTeam } from './WorkerTeam.ts'
import { WorkerSlot, type WorkerReplacedReason } from './WorkerSlot.ts'

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
  | { type: 'worker-replaced'; slot: number; reason: WorkerReplacedReason }
  | { type: 'cpu-share'; cpuShare: number }
  | { type: 'disposed' }

type Job = {
  unit: WasmUnit
  timeLimitMs: number
  resolve: (result: WasmUnitResult) => void
  reject: (error: unknown) => void
}

/**
 * Runs work units on a fixed number of compute workers, one unit per worker at a time,
 * with a per-unit time limit and a duty cycle that caps CPU use. The rests of the duty cycle and
 * the time limits are timed in a worker (WorkerClock), so that they keep time in a hidden tab.
 *
 * A threaded kernel (WASM ABI v0, `runThread`) in a cross-origin isolated page runs one unit at
 * a time on a team of all the workers (WorkerTeam), which share the kernel's memory: each runs
 * one thread. Anywhere else a threaded kernel runs like a plain one, one unit per worker as its
 * only thread. A failed team unit rebuilds the whole team (a thread may be waiting on one that
 * failed).
 *
 * @example
 * const pool = new WorkerPool({ cpuShare: 0.5 })
 * await pool.load({ bytes, sha256 })
 * const { output } = await pool.run(unit, { timeLimitMs: 10_000 })
 */
export class WorkerPool {
  readonly #slots: WorkerSlot[] = []
  readonly #queue: Job[] = []
  readonly #listeners = new Set<(event: WorkerPoolEvent) => void>()
  readonly #createWorker: (index: number) => Worker
  /** Times the rests: a page's own timers are throttled while it is hidden. */
  readonly #clock = new WorkerClock()
  #kernel: ComputeKernel | undefined
  /** While the loaded kernel runs on a team of all the workers: that team. */
  #team: WorkerTeam | undefined
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
    const loads = this.#slots.map((slot) => slot.load(kernel))
    try {
      const [shape] = await Promise.all(loads)
      if (shape?.threaded && WorkerTeam.canForm(this.#slots.length)) {
        this.#team = new WorkerTeam({
          slots: this.#slots,
          clock: this.#clock,
          replace: (slot, reason) => this.#replace(slot, reason),
          isDisposed: () => this.#disposed,
          onIdle: () => this.#pump(),
          onRested: (plannedMs, restedMs) => this.#rested(0, plannedMs, restedMs),
        })
        await this.#team.memory
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
      slot.terminate()
    }
    this.#clock.dispose()
    this.#emit({ type: 'disposed' })
  }

  #spawn(index: number): WorkerSlot {
    const slot = new WorkerSlot(index, this.#createWorker(index))
    if (this.#kernel) void slot.load(this.#kernel).catch(() => undefined)
    return slot
  }

  #replace(slot: WorkerSlot, reason: WorkerReplacedReason): void {
    slot.terminate()
    const fresh = this.#spawn(slot.index)
    fresh.state = slot.state
    this.#slots[slot.index] = fresh
    this.#emit({ type: 'worker-replaced', slot: slot.index, reason })
  }

  #pump(): void {
    if (this.#team) {
      if (this.#disposed || this.#queue.length === 0) return
      if (!this.#team.idle) return
      const job = this.#queue.shift()!
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

  async #execute(slot: WorkerSlot, job: Job): Promise<void> {
    await slot.ready
    if (this.#disposed) return job.reject(new PoolDisposedError())
    const started = performance.now()
    let result: WasmUnitResult | undefined
    let failure: unknown
    try {
      result = await runInterruptibly([slot], this.#clock, job.timeLimitMs, () =>
        slot.api.run(job.unit),
      )
    } catch (error) {
      failure = error
    }
    if (this.#disposed) return job.reject(new PoolDisposedError())
    if (failure instanceof UnitTimeLimitError) this.#replace(slot, 'time-limit')
    else if (failure instanceof WorkerCrashedError) this.#replace(slot, 'crashed')
    this.#rest(this.#slots[slot.index]!, this.#settle(job, slot.index, started, result, failure))
  }

  async #executeTeam(team: WorkerTeam, job: Job): Promise<void> {
    const started = performance.now()
    let result: WasmUnitResult | undefined
    let failure: unknown
    try {
      result = await team.run(job.unit, job.timeLimitMs)
    } catch (error) {
      failure = error
    }
    if (this.#disposed) return job.reject(new PoolDisposedError())
    if (failure !== undefined) {
      const rebuilt = team.rebuild(failure)
      // A kernel loaded while the unit ran has a team of its own (or none): keep that one.
      if (this.#team === team) this.#team = rebuilt
    }
    team.rest(this.#settle(job, 0, started, result, failure))
  }

  /** Counts a finished unit, settles its job and reports it; returns the rest it calls for. */
  #settle(
    job: Job,
    slot: number,
    started: number,
    result: WasmUnitResult | undefined,
    failure: unknown,
  ): number {
    const runMs = performance.now() - started
    // Read the share now, so a change made while the unit ran applies to this rest.
    const restMs = runMs * (1 / this.#cpuShare - 1)
    this.#busyMs += runMs
    if (result) {
      this.#unitsRun++
      job.resolve(result)
      this.#emit({ type: 'unit-done', slot, runMs, kernelMs: result.kernelMs, restMs })
    } else {
      this.#unitsFailed++
      job.reject(failure)
      this.#emit({ type: 'unit-failed', slot, runMs, restMs, code: errorCode(failure) })
    }
    return restMs
  }

  #rest(slot: WorkerSlot, plannedMs: number): void {
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
      slot.state = 'idle'
      this.#rested(slot.index, plannedMs, restedMs)
    })
  }

  #rested(slot: number, plannedMs: number, restedMs: number): void {
    this.#restMs += restedMs
    this.#emit({ type: 'rest-done', slot, plannedMs, restedMs })
    this.#pump()
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
