import {
  copyWasmOutput,
  shapeOf,
  writeWasmUnit,
  type WasmUnit,
  type WasmUnitResult,
} from '../kernels/wasmAbi.ts'
import type { WorkerClock } from './clock/WorkerClock.ts'
import { UnitTimeLimitError, WorkerCrashedError } from './errors.ts'
import { runInterruptibly } from './runInterruptibly.ts'
import type { WorkerReplacedReason, WorkerSlot } from './WorkerSlot.ts'

export type WorkerTeamParameters = {
  /** The pool's slots, read at each use: a replaced worker's fresh slot takes its index. */
  slots: readonly WorkerSlot[]
  /** Times the unit's limit and the team's rests, so that they keep time in a hidden tab. */
  clock: WorkerClock
  /** Terminates a slot's worker and starts a fresh one in its place, loading the kernel. */
  replace: (slot: WorkerSlot, reason: WorkerReplacedReason) => void
  isDisposed: () => boolean
  /** The workers are idle again after a unit that called for no rest. */
  onIdle: () => void
  /** The workers are idle again after a rest of `restedMs` (`plannedMs` planned). */
  onRested: (plannedMs: number, restedMs: number) => void
}

/**
 * All of a WorkerPool's workers, sharing the kernel's memory, running a threaded kernel (WASM ABI
 * v0, `runThread`) one unit at a time: each worker runs one thread. The workers join the first
 * worker's shared WebAssembly.Memory, which only a cross-origin isolated page can share. A failed
 * unit rebuilds the whole team (a thread may be waiting on one that failed). The pool keeps the
 * scheduling: it counts and reports the units and the rests the team takes between them.
 *
 * @example
 * const team = new WorkerTeam({ slots, clock, replace, isDisposed, onIdle, onRested })
 * await team.memory
 * const { output } = await team.run(unit, 10_000)
 */
export class WorkerTeam {
  readonly #parameters: WorkerTeamParameters
  readonly #slots: readonly WorkerSlot[]
  readonly #clock: WorkerClock
  /** The memory every worker shares, once they do. */
  readonly #memory: Promise<WebAssembly.Memory>

  constructor(parameters: WorkerTeamParameters) {
    this.#parameters = parameters
    this.#slots = parameters.slots
    this.#clock = parameters.clock
    this.#memory = this.#form()
  }

  /**
   * Whether `size` workers can form a team: more than one, and able to share a
   * WebAssembly.Memory, which only a cross-origin isolated page can.
   */
  static canForm(size: number): boolean {
    return size > 1 && globalThis.crossOriginIsolated === true
  }

  /** The memory every worker shares, once they do; rejects when the team cannot form. */
  get memory(): Promise<WebAssembly.Memory> {
    return this.#memory
  }

  /** Whether every worker is free for the next unit. */
  get idle(): boolean {
    return this.#slots.every((slot) => slot.state === 'idle')
  }

  /**
   * Runs `unit` on every worker, which are busy until the team's {@link WorkerTeam.rest}. Rejects
   * with the unit's error, `unit/time-limit` past `timeLimitMs`, or what interrupts a worker.
   */
  async run(unit: WasmUnit, timeLimitMs: number): Promise<WasmUnitResult> {
    const slots = [...this.#slots]
    for (const slot of slots) slot.state = 'busy'
    return runInterruptibly(slots, this.#clock, timeLimitMs, () => this.#runThreads(slots, unit))
  }

  /** Replaces every worker after a unit failed with `failure`; returns the team they form. */
  rebuild(failure: unknown): WorkerTeam {
    const reason =
      failure instanceof UnitTimeLimitError
        ? 'time-limit'
        : failure instanceof WorkerCrashedError
          ? 'crashed'
          : 'team-unit-failed'
    for (const slot of [...this.#slots]) this.#parameters.replace(slot, reason)
    const team = new WorkerTeam(this.#parameters)
    // A team that cannot form again fails the next unit, with the reason.
    team.memory.catch(() => undefined)
    return team
  }

  /** Rests every worker for `plannedMs` (the pool's duty cycle), then frees them. */
  rest(plannedMs: number): void {
    const slots = this.#slots
    if (plannedMs <= 0) {
      for (const slot of slots) slot.state = 'idle'
      return this.#parameters.onIdle()
    }
    for (const slot of slots) slot.state = 'resting'
    const started = performance.now()
    slots[0]!.cancelRest = this.#clock.after(plannedMs, () => {
      slots[0]!.cancelRest = undefined
      if (this.#parameters.isDisposed()) return
      const restedMs = performance.now() - started
      for (const slot of slots) slot.state = 'idle'
      this.#parameters.onRested(plannedMs, restedMs)
    })
  }

  /** Every worker instantiates the kernel again on the first worker's shared memory. */
  async #form(): Promise<WebAssembly.Memory> {
    const slots = [...this.#slots]
    await Promise.all(slots.map((slot) => slot.ready))
    const [first, ...others] = slots
    const memory = await first!.api.sharedMemory()
    await Promise.all(others.map((slot) => slot.api.join(memory)))
    return memory
  }

  /**
   * One unit on a team: the first worker allocates its buffers, the page writes the input
   * straight into the shared memory (no copy through a worker), every worker runs a thread, and
   * the page reads the output out.
   */
  async #runThreads(slots: WorkerSlot[], unit: WasmUnit): Promise<WasmUnitResult> {
    const memory = await this.#memory
    const shape = shapeOf(unit)
    const placement = await slots[0]!.api.allocate(shape)
    writeWasmUnit(memory, unit, placement)
    const kernelMs = await Promise.all(
      slots.map((slot, thread) => slot.api.runThread(shape, placement, thread, slots.length)),
    )
    const output = copyWasmOutput(memory, placement, unit.outputBytes)
    return { output, kernelMs: Math.max(...kernelMs) }
  }
}
