import {
  WebGpuDeviceRequestError,
  WebGpuFallbackAdapterError,
  WebGpuNoAdapterError,
  type WebGpuFeatureMissingError,
  type WebGpuLimitExceededError,
  WebGpuUnavailableError,
} from './errors.ts'
import {
  assertGpuRequirements,
  requiredLimitsFor,
  type GpuRequirements,
} from './GpuRequirements.ts'
import { isSoftwareAdapter } from './isSoftwareAdapter.ts'

export type RequestComputeDeviceParameters = {
  powerPreference?: GPUPowerPreference
  /**
   * Whether a software adapter (SwiftShader, WARP) may be used. It runs on the CPU, usually
   * slower than our WASM kernels, so it is refused unless a job is GPU-only and the volunteer
   * allows it.
   */
  allowFallbackAdapter: boolean
  /** Features and limits the kernels to run need; checked before the device is created. */
  requirements?: GpuRequirements
  /** Names the device in browser tools and error messages. */
  label?: string
  /** The WebGPU entry point; defaults to `navigator.gpu` (tests pass their own). */
  gpu?: GPU | undefined
}

/** The adapter's description as plain data (GPUAdapterInfo does not survive postMessage). */
export type GpuAdapterDescription = {
  vendor: string
  architecture: string
  device: string
  description: string
  isFallbackAdapter: boolean
}

export type ComputeDevice = {
  device: GPUDevice
  adapterInfo: GpuAdapterDescription
  /** A software adapter: correct, but its speed says nothing about a GPU. */
  isFallback: boolean
}

export type RequestComputeDeviceReturnType = Promise<ComputeDevice>

export type RequestComputeDeviceErrorType =
  | WebGpuUnavailableError
  | WebGpuNoAdapterError
  | WebGpuFallbackAdapterError
  | WebGpuFeatureMissingError
  | WebGpuLimitExceededError
  | WebGpuDeviceRequestError

// Optional: used for GPU time when present, and never a reason to refuse an adapter.
const optionalFeatures: readonly GPUFeatureName[] = ['timestamp-query']

/**
 * Gets a WebGPU device fit for compute, in a page or a dedicated worker: an adapter, refused if
 * it is a software fallback and that is not allowed, checked against the kernels' features and
 * limits, then a device created with exactly those limits raised.
 *
 * @example
 * const { device, isFallback } = await requestComputeDevice({
 *   allowFallbackAdapter: false,
 *   requirements: { limits: { maxComputeWorkgroupStorageSize: 8192 } },
 * })
 */
export async function requestComputeDevice(
  parameters: RequestComputeDeviceParameters,
): RequestComputeDeviceReturnType {
  const gpu = 'gpu' in parameters ? parameters.gpu : globalThis.navigator?.gpu
  if (!gpu) throw new WebGpuUnavailableError()
  const { powerPreference, requirements = {} } = parameters
  const adapter = await gpu.requestAdapter(powerPreference ? { powerPreference } : {})
  if (!adapter) throw new WebGpuNoAdapterError({ powerPreference })

  const adapterInfo = describeAdapter(adapter)
  const isFallback = isSoftwareAdapter(adapterInfo)
  if (isFallback && !parameters.allowFallbackAdapter)
    throw new WebGpuFallbackAdapterError(adapterInfo)
  assertGpuRequirements(adapter, requirements)

  const requiredFeatures = new Set(requirements.features ?? [])
  for (const feature of optionalFeatures)
    if (adapter.features.has(feature)) requiredFeatures.add(feature)
  let device: GPUDevice
  try {
    device = await adapter.requestDevice({
      label: parameters.label ?? 'compute device',
      requiredFeatures: [...requiredFeatures],
      requiredLimits: requiredLimitsFor(requirements),
    })
  } catch (cause) {
    throw new WebGpuDeviceRequestError({ cause })
  }
  return { device, adapterInfo, isFallback }
}

function describeAdapter(adapter: GPUAdapter): GpuAdapterDescription {
  const { vendor, architecture, device, description, isFallbackAdapter } = adapter.info
  // Browsers before adapter.info.isFallbackAdapter had it on the adapter itself.
  const legacy = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter
  return {
    vendor,
    architecture,
    device,
    description,
    isFallbackAdapter: isFallbackAdapter ?? legacy ?? false,
  }
}
