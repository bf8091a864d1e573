import { isMainThread } from 'node:worker_threads'
import { NodeGpuMissingError } from './nodeGpuErrors.ts'

export type OpenNodeGpuParameters = {
  /** Loads the `webgpu` package; tests pass a failing one. */
  load?: () => Promise<DawnModule>
}

/** What the `webgpu` package exports: Dawn's `navigator.gpu` factory and its WebGPU globals. */
export type DawnModule = {
  create(options: string[]): GPU
  globals: object
}

/**
 * Dawn's WebGPU entry point in Node (the optional `webgpu` package, loaded on first use), for
 * the tab's WebGPU code to use as `navigator.gpu`. It also sets the globals that code reads
 * (`GPUBufferUsage`, `GPUMapMode`, `GPUShaderStage`) where they are missing.
 *
 * `requestAdapter` asks Dawn's default backends first (Vulkan, Metal, D3D: a real GPU, or
 * SwiftShader where `VK_ICD_FILENAMES` names it), then, when they find none, its OpenGL ES
 * backend in compatibility mode, which Mesa's llvmpipe gives a machine without a GPU, its device
 * raised to core's default compute limits where the adapter allows. That one needs an EGL display without a window system: `EGL_PLATFORM` is set to `surfaceless` unless
 * already set. Rejects with `webgpu/package-missing` when the package cannot be loaded.
 *
 * @example
 * const gpu = await openNodeGpu()
 * const { device } = await requestComputeDevice({ gpu, allowFallbackAdapter: true })
 */
export async function openNodeGpu(parameters: OpenNodeGpuParameters = {}): Promise<GPU> {
  const { load = loadDawn } = parameters
  let dawn: DawnModule
  try {
    dawn = await load()
  } catch (cause) {
    throw new NodeGpuMissingError({ cause })
  }
  // Mesa reads it when Dawn opens the EGL display. A worker thread's process.env is its own
  // copy, not the C environment, so only the main thread's setting reaches Mesa.
  if (isMainThread) process.env.EGL_PLATFORM ??= 'surfaceless'
  for (const [name, value] of Object.entries(dawn.globals))
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, writable: true })

  let core: GPU | undefined
  let compatibility: GPU | undefined
  const gpu: Pick<GPU, 'requestAdapter' | 'getPreferredCanvasFormat' | 'wgslLanguageFeatures'> = {
    async requestAdapter(options) {
      core ??= dawn.create([])
      const adapter = await core.requestAdapter(options)
      if (adapter) return adapter
      compatibility ??= dawn.create(['backend=opengles'])
      const fallback = await compatibility.requestAdapter({
        ...options,
        featureLevel: 'compatibility',
      })
      return fallback && withCoreComputeLimits(fallback)
    },
    getPreferredCanvasFormat: () => 'rgba8unorm',
    get wgslLanguageFeatures() {
      core ??= dawn.create([])
      return core.wgslLanguageFeatures
    },
  }
  return gpu as GPU
}

// Core WebGPU's defaults that compatibility mode lowers, and kernels written for a browser assume.
const coreComputeLimits = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxStorageBuffersPerShaderStage: 8,
  maxUniformBufferBindingSize: 65536,
} as const

/**
 * A compatibility-mode device starts with lower limits (128 invocations per workgroup, 4 storage
 * buffers per stage): its `requestDevice` asks for core's defaults, where the adapter has them.
 */
function withCoreComputeLimits(adapter: GPUAdapter): GPUAdapter {
  const requestDevice = adapter.requestDevice.bind(adapter)
  const raised = Object.fromEntries(
    Object.entries(coreComputeLimits).map(([name, value]) => [
      name,
      Math.min(value, adapter.limits[name as keyof typeof coreComputeLimits]),
    ]),
  )
  Object.defineProperty(adapter, 'requestDevice', {
    value: (descriptor: GPUDeviceDescriptor = {}) =>
      requestDevice({
        ...descriptor,
        requiredLimits: { ...raised, ...descriptor.requiredLimits },
      }),
  })
  return adapter
}

async function loadDawn(): Promise<DawnModule> {
  return (await import('webgpu')) as DawnModule
}
