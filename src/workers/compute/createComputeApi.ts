import { transfer } from 'comlink'
import {
  instantiateWasmKernel,
  runWasmUnit,
  validateWasmKernel,
  type WasmUnit,
  type WasmUnitResult,
} from '../../kernels/wasmAbi.ts'
import {
  KernelAbortError,
  KernelHashMismatchError,
  KernelInvalidWasmError,
  KernelNotLoadedError,
  KernelTrapError,
} from '../errors.ts'
import { sha256Hex } from '../../crypto/sha256Hex.ts'

/** A kernel as it travels: its bytes and the SHA-256 (hex) they must hash to. */
export type ComputeKernel = { bytes: ArrayBuffer; sha256: string }

/** What the compute worker exposes through comlink. */
export type ComputeApi = {
  /** Verifies, compiles, validates and instantiates a kernel, replacing any previous one. */
  load(kernel: ComputeKernel): Promise<void>
  /** Runs one unit in the loaded kernel; the output's buffer is transferred, not copied. */
  run(unit: WasmUnit): Promise<WasmUnitResult>
}

type LoadedKernel = { module: WebAssembly.Module; instance: WebAssembly.Instance }

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
    let module: WebAssembly.Module
    try {
      module = await WebAssembly.compile(kernel.bytes)
    } catch (cause) {
      throw new KernelInvalidWasmError({ cause })
    }
    validateWasmKernel(module)
    return { module, instance: await instantiateWasmKernel(module) }
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
        // A trap or abort can leave the kernel's globals half-updated: start the next unit
        // from a fresh instance of the same module.
        if (error instanceof KernelTrapError || error instanceof KernelAbortError)
          loaded.instance = await instantiateWasmKernel(loaded.module)
        throw error
      }
    },
  }
}
