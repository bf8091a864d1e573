import { transfer } from 'comlink'
import {
  allocateWasmUnit,
  instantiateWasmKernel,
  placeWasmUnit,
  readWasmOutput,
  runWasmThread,
  runWasmUnit,
  validateWasmKernel,
  wasmKernelMemory,
  type WasmKernelShape,
  type WasmUnit,
  type WasmUnitPlacement,
  type WasmUnitResult,
  type WasmUnitShape,
} from '../../kernels/wasmAbi.ts'
import { BaseError } from '../../errors/BaseError.ts'
import { limitWasmMemory, readWasmMemoryType } from '../../kernels/limitWasmMemory.ts'
import {
  KernelAbortError,
  KernelAllocFailedError,
  KernelHashMismatchError,
  KernelInvalidWasmError,
  KernelNotLoadedError,
  KernelTrapError,
  KernelUnsupportedMemoryError,
  UnitMemoryLimitError,
} from '../errors.ts'
import { sha256Hex } from '../../crypto/sha256Hex.ts'

/**
 * A kernel as it travels: its bytes, the SHA-256 (hex) they must hash to, and the most memory
 * its linear memory may grow to (the job's `limits.memoryBytes`; unlimited when left out).
 */
export type ComputeKernel = { bytes: ArrayBuffer; sha256: string; memoryBytes?: number }

/**
 * What the compute worker exposes through comlink. A worker runs a whole unit alone (`run`), or,
 * for a threaded kernel in a cross-origin isolated page, one thread of a unit that a team of
 * workers shares: every member `join`s the first one's `sharedMemory`, the first `place`s the
 * unit, all run `runThread` at once, and the first reads the output (`readOutput`).
 */
export type ComputeApi = {
  /** Verifies, compiles, validates and instantiates a kernel, replacing any previous one. */
  load(kernel: ComputeKernel): Promise<WasmKernelShape>
  /** Runs one unit in the loaded kernel; the output's buffer is transferred, not copied. */
  run(unit: WasmUnit): Promise<WasmUnitResult>
  /** A threaded kernel's shared memory, to hand to the other members of a team. */
  sharedMemory(): Promise<WebAssembly.Memory>
  /** Instantiates the loaded threaded kernel again, on a team's shared memory. */
  join(memory: WebAssembly.Memory): Promise<void>
  place(unit: WasmUnit): Promise<WasmUnitPlacement>
  /** Allocates a unit's buffers without copying: the page writes them into the shared memory. */
  allocate(unit: WasmUnitShape): Promise<WasmUnitPlacement>
  /** Runs thread `thread` of `threads` on a placed unit; returns the kernel's milliseconds. */
  runThread(
    unit: WasmUnitShape,
    placement: WasmUnitPlacement,
    thread: number,
    threads: number,
  ): Promise<number>
  readOutput(placement: WasmUnitPlacement, outputBytes: number): Promise<Uint8Array<ArrayBuffer>>
}

type LoadedKernel = {
  module: WebAssembly.Module
  instance: WebAssembly.Instance
  memoryBytes: number | undefined
  /** How to make a fresh memory for a threaded kernel; undefined for a plain one. */
  createMemory: (() => WebAssembly.Memory) | undefined
}

/**
 * The compute worker's logic without the worker: DOM-free, so Node tests drive it directly.
 *
 * @example
 * const api = createComputeApi()
 * await api.load({ bytes, sha256 })
 * const { output, kernelMs } = await api.run(unit)
 */
export function createComputeApi(): ComputeApi {
  // Runs wait for the latest load, so a load followed at once by a run cannot race it.
  let current: Promise<LoadedKernel | undefined> = Promise.resolve(undefined)

  async function prepare(kernel: ComputeKernel): Promise<LoadedKernel> {
    const actual = await sha256Hex(kernel.bytes)
    const expected = kernel.sha256.toLowerCase()
    if (actual !== expected) throw new KernelHashMismatchError({ expected, actual })
    const { memoryBytes } = kernel
    let bytes = new Uint8Array(kernel.bytes)
    let module: WebAssembly.Module
    try {
      if (memoryBytes !== undefined) bytes = limitWasmMemory(bytes, memoryBytes)
      module = await WebAssembly.compile(bytes)
    } catch (cause) {
      if (cause instanceof BaseError) throw cause
      throw new KernelInvalidWasmError({ cause })
    }
    const { threaded } = validateWasmKernel(module)
    const memoryType = threaded ? readWasmMemoryType(bytes) : undefined
    const createMemory = memoryType
      ? () => {
          try {
            return new WebAssembly.Memory({
              initial: memoryType.minimumPages,
              maximum: memoryType.maximumPages!,
              shared: true,
            })
          } catch (cause) {
            throw new KernelUnsupportedMemoryError(
              `this browser cannot make a shared memory for a threaded kernel here (${String(cause)})`,
            )
          }
        }
      : undefined
    const instance = await instantiateWasmKernel(module, createMemory?.())
    return { module, instance, memoryBytes, createMemory }
  }

  async function loaded(): Promise<LoadedKernel> {
    const kernel = await current
    if (!kernel) throw new KernelNotLoadedError()
    return kernel
  }

  return {
    async load(kernel) {
      const loading = prepare(kernel)
      current = loading.catch(() => undefined)
      return { threaded: (await loading).createMemory !== undefined }
    },

    async run(unit) {
      const kernel = await loaded()
      try {
        const result = runWasmUnit(kernel.instance, unit)
        return transfer(result, [result.output.buffer])
      } catch (error) {
        throw await recover(kernel, error)
      }
    },

    async sharedMemory() {
      const kernel = await loaded()
      if (!kernel.createMemory) throw new KernelUnsupportedMemoryError('not a threaded kernel')
      return wasmKernelMemory(kernel.instance)
    },

    async join(memory) {
      const kernel = await loaded()
      kernel.instance = await instantiateWasmKernel(kernel.module, memory)
    },

    async place(unit) {
      const kernel = await loaded()
      try {
        return placeWasmUnit(kernel.instance, unit)
      } catch (error) {
        throw await recover(kernel, error)
      }
    },

    async allocate(unit) {
      const kernel = await loaded()
      try {
        return allocateWasmUnit(kernel.instance, unit)
      } catch (error) {
        throw await recover(kernel, error)
      }
    },

    async runThread(unit, placement, thread, threads) {
      const kernel = await loaded()
      try {
        return runWasmThread(kernel.instance, unit, placement, thread, threads)
      } catch (error) {
        throw await recover(kernel, error)
      }
    },

    async readOutput(placement, outputBytes) {
      const kernel = await loaded()
      const output = readWasmOutput(kernel.instance, placement, outputBytes)
      return transfer(output, [output.buffer])
    },
  }
}

/**
 * After a failed unit: a trap or abort can leave the kernel's globals half-updated, and a kernel
 * at its memory limit keeps that memory, so the next unit starts from a fresh instance (and, for
 * a threaded kernel, a fresh memory; a team is rebuilt by its pool). Returns the error to throw:
 * `unit/memory-limit` when the kernel most likely died of its memory limit.
 */
async function recover(kernel: LoadedKernel, error: unknown): Promise<unknown> {
  const failed =
    error instanceof KernelTrapError ||
    error instanceof KernelAbortError ||
    error instanceof KernelAllocFailedError
  if (!failed) return error
  const usedBytes = wasmKernelMemory(kernel.instance).buffer.byteLength
  kernel.instance = await instantiateWasmKernel(kernel.module, kernel.createMemory?.())
  // A kernel cannot tell the host that `memory.grow` failed, so a trap, abort or failed alloc
  // with more than half the allowance in use is reported as the limit, with the figures.
  if (kernel.memoryBytes !== undefined && usedBytes > kernel.memoryBytes / 2)
    return new UnitMemoryLimitError({ limitBytes: kernel.memoryBytes, usedBytes, cause: error })
  return error
}
