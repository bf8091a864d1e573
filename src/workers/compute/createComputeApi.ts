import { transfer } from 'comlink'
import {
  instantiateWasmKernel,
  runWasmUnit,
  validateWasmKernel,
  type WasmUnit,
  type WasmUnitResult,
} from '../../kernels/wasmAbi.ts'
import { BaseError } from '../../errors/BaseError.ts'
import { limitWasmMemory } from '../../kernels/limitWasmMemory.ts'
import {
  KernelAbortError,
  KernelAllocFailedError,
  KernelHashMismatchError,
  KernelInvalidWasmError,
  KernelNotLoadedError,
  KernelTrapError,
  UnitMemoryLimitError,
} from '../errors.ts'
import { sha256Hex } from '../../crypto/sha256Hex.ts'

/**
 * A kernel as it travels: its bytes, the SHA-256 (hex) they must hash to, and the most memory
 * its linear memory may grow to (the job's `limits.memoryBytes`; unlimited when left out).
 */
export type ComputeKernel = { bytes: ArrayBuffer; sha256: string; memoryBytes?: number }

/** What the compute worker exposes through comlink. */
export type ComputeApi = {
  /** Verifies, compiles, validates and instantiates a kernel, replacing any previous one. */
  load(kernel: ComputeKernel): Promise<void>
  /** Runs one unit in the loaded kernel; the output's buffer is transferred, not copied. */
  run(unit: WasmUnit): Promise<WasmUnitResult>
}

type LoadedKernel = {
  module: WebAssembly.Module
  instance: WebAssembly.Instance
  memoryBytes: number | undefined
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
    const bytes = new Uint8Array(kernel.bytes)
    let module: WebAssembly.Module
    try {
      module = await WebAssembly.compile(
        memoryBytes === undefined ? bytes : limitWasmMemory(bytes, memoryBytes),
      )
    } catch (cause) {
      if (cause instanceof BaseError) throw cause
      throw new KernelInvalidWasmError({ cause })
    }
    validateWasmKernel(module)
    return { module, instance: await instantiateWasmKernel(module), memoryBytes }
  }

  return {
    async load(kernel) {
      const loading = prepare(kernel)
      current = loading.catch(() => undefined)
      await loading
    },

    async run(unit) {
      const loaded = await current
      if (!loaded) throw new KernelNotLoadedError()
      try {
        const result = runWasmUnit(loaded.instance, unit)
        return transfer(result, [result.output.buffer])
      } catch (error) {
        const failed =
          error instanceof KernelTrapError ||
          error instanceof KernelAbortError ||
          error instanceof KernelAllocFailedError
        const usedBytes = (loaded.instance.exports.memory as WebAssembly.Memory).buffer.byteLength
        const atLimit = failed && isAtMemoryLimit(loaded)
        // A trap or abort can leave the kernel's globals half-updated, and a kernel at its
        // memory limit keeps that memory: start the next unit from a fresh instance.
        if (failed) loaded.instance = await instantiateWasmKernel(loaded.module)
        if (atLimit)
          throw new UnitMemoryLimitError({
            limitBytes: loaded.memoryBytes!,
            usedBytes,
            cause: error,
          })
        throw error
      }
    },
  }
}

/**
 * Whether a failed unit most likely died of its memory limit: a kernel cannot tell the host that
 * `memory.grow` failed, so a trap, abort or failed alloc with more than half the allowance in
 * use is reported as the limit (with the figures), not as a bug in the kernel.
 */
function isAtMemoryLimit(loaded: LoadedKernel): boolean {
  if (loaded.memoryBytes === undefined) return false
  const memory = loaded.instance.exports.memory
  if (!(memory instanceof WebAssembly.Memory)) return false
  return memory.buffer.byteLength > loaded.memoryBytes / 2
}
