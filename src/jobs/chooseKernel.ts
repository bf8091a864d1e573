import type { EngineOffer } from '../p2p/messages.ts'
import type { KernelRef } from '../tasks/manifestSchema.ts'

export type KernelChoice =
  { kernel: KernelRef; engine: EngineOffer } | { kernel: undefined; reason: string }

/**
 * Which of a job's kernels a volunteer runs, by its engines' calibration: a WASM kernel on its
 * CPU workers, a WGSL kernel on its WebGPU adapter. With both, the engine that measured faster
 * wins. A software adapter (SwiftShader) is not a GPU: it gets a WGSL kernel only when the job
 * has no WASM kernel and the volunteer allowed it.
 *
 * @example
 * const choice = chooseKernel(manifest.kernels, hello.engines, hello.allowFallbackGpu)
 */
export function chooseKernel(
  kernels: readonly KernelRef[],
  engines: readonly EngineOffer[],
  allowFallbackGpu: boolean,
): KernelChoice {
  const wasm = engines.find((engine) => engine.kind === 'wasm')
  const gpu = engines.find((engine) => engine.kind === 'webgpu')
  const wasmKernel = kernels.find((kernel) => kernel.kind === 'wasm')
  const wgslKernel = kernels.find((kernel) => kernel.kind === 'wgsl')
  const candidates: { kernel: KernelRef; engine: EngineOffer }[] = []
  if (wasmKernel && wasm) candidates.push({ kernel: wasmKernel, engine: wasm })
  if (wgslKernel && gpu && (!gpu.fallback || (!wasmKernel && allowFallbackGpu)))
    candidates.push({ kernel: wgslKernel, engine: gpu })
  const best = candidates.sort((a, b) => b.engine.gflops - a.engine.gflops)[0]
  if (best) return best
  if (wgslKernel && !wasmKernel) {
    if (gpu?.fallback)
      return {
        kernel: undefined,
        reason:
          'This job runs only on WebGPU, and this browser has a software adapter, which it may use only if you allow it.',
      }
    return { kernel: undefined, reason: 'This job runs only on WebGPU, which this browser lacks.' }
  }
  return { kernel: undefined, reason: 'This browser offers no engine this job can use.' }
}
