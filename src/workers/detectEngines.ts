import { isSoftwareAdapter } from './webgpu/isSoftwareAdapter.ts'

export type EngineReport = {
  wasm: {
    available: boolean
    /** Fixed-width SIMD (v128), which the kernels may be built for. */
    simd: boolean
    /** Shared memory between workers: needs a cross-origin isolated page. */
    threads: boolean
  }
  webgpu: {
    available: boolean
    /** A software adapter (SwiftShader, WARP): runs on the CPU, slower than our WASM kernels. */
    isFallback?: boolean
    vendor?: string
    architecture?: string
    /** Why WebGPU cannot be used, when it cannot. */
    reason?: string
  }
}

export type DetectEnginesParameters = {
  /** The WebGPU entry point; defaults to `navigator.gpu` (tests pass their own). */
  gpu?: GPU | undefined
}

export type DetectEnginesReturnType = Promise<EngineReport>

// (func (result v128) i32.const 0 i8x16.splat): valid only where the engine knows SIMD.
// prettier-ignore
const simdModule = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // code: i32.const 0, i8x16.splat, end
])

/**
 * Says which compute engines this browser offers, without creating a GPU device or running
 * anything. DOM-free: works in a page or a worker.
 *
 * @example
 * const { wasm, webgpu } = await detectEngines()
 * if (webgpu.available && !webgpu.isFallback) engines.push('webgpu')
 */
export async function detectEngines(
  parameters: DetectEnginesParameters = {},
): DetectEnginesReturnType {
  return { wasm: detectWasm(), webgpu: await detectWebGpu(parameters) }
}

function detectWasm(): EngineReport['wasm'] {
  if (typeof WebAssembly !== 'object') return { available: false, simd: false, threads: false }
  return {
    available: true,
    simd: WebAssembly.validate(simdModule),
    threads: globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function',
  }
}

async function detectWebGpu(parameters: DetectEnginesParameters): Promise<EngineReport['webgpu']> {
  const gpu = 'gpu' in parameters ? parameters.gpu : globalThis.navigator?.gpu
  if (!gpu) return { available: false, reason: 'navigator.gpu is missing' }
  let adapter: GPUAdapter | null
  try {
    adapter = await gpu.requestAdapter()
  } catch (error) {
    return { available: false, reason: `requestAdapter failed: ${String(error)}` }
  }
  if (!adapter) return { available: false, reason: 'no adapter' }
  const { vendor, architecture, device, description, isFallbackAdapter } = adapter.info
  // Browsers before adapter.info.isFallbackAdapter had it on the adapter itself.
  const legacy = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter
  const isFallback = isSoftwareAdapter({
    isFallbackAdapter: isFallbackAdapter ?? legacy ?? false,
    architecture,
    device,
    description,
  })
  return { available: true, isFallback, vendor, architecture }
}
