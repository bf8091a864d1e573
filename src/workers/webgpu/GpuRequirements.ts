import { WebGpuFeatureMissingError, WebGpuLimitExceededError } from './errors.ts'

/** The numeric limits of `GPUSupportedLimits`, by name. */
export type GpuLimitName = {
  [K in keyof GPUSupportedLimits]-?: GPUSupportedLimits[K] extends number ? K : never
}[keyof GPUSupportedLimits]

/**
 * What a kernel needs from a device beyond the WebGPU defaults. A `max*` limit is a minimum
 * the device must reach; a `min*` limit (an alignment) is a maximum it must not exceed.
 */
export type GpuRequirements = {
  features?: readonly GPUFeatureName[]
  limits?: Partial<Record<GpuLimitName, number>>
}

/** Something with features and limits: a `GPUAdapter` before the device, a `GPUDevice` after. */
export type GpuCapabilities = {
  readonly features: ReadonlySet<string>
  readonly limits: GPUSupportedLimits
}

/**
 * Throws a typed error for the first feature or limit the adapter or device cannot meet.
 *
 * @example
 * assertGpuRequirements(adapter, { limits: { maxComputeWorkgroupStorageSize: 8192 } })
 */
export function assertGpuRequirements(
  capabilities: GpuCapabilities,
  requirements: GpuRequirements,
): void {
  for (const feature of requirements.features ?? [])
    if (!capabilities.features.has(feature)) throw new WebGpuFeatureMissingError({ feature })
  for (const [limit, required] of limitEntries(requirements)) {
    const supported = capabilities.limits[limit]
    const fits = isAlignment(limit) ? required >= supported : required <= supported
    if (!fits) throw new WebGpuLimitExceededError({ limit, required, supported })
  }
}

/**
 * The `requiredLimits` to ask `requestDevice` for: a device starts at the WebGPU defaults
 * (e.g. 128 MiB storage bindings, 16 KiB workgroup storage) however much more the adapter has,
 * so every limit a kernel needs is asked for explicitly.
 */
export function requiredLimitsFor(requirements: GpuRequirements): Record<string, number> {
  return Object.fromEntries(limitEntries(requirements))
}

/** The union of several requirements: every feature, and the strictest value of each limit. */
export function mergeGpuRequirements(...all: readonly GpuRequirements[]): GpuRequirements {
  const features = new Set<GPUFeatureName>()
  const limits: Partial<Record<GpuLimitName, number>> = {}
  for (const requirements of all) {
    for (const feature of requirements.features ?? []) features.add(feature)
    for (const [limit, value] of limitEntries(requirements)) {
      const previous = limits[limit]
      limits[limit] =
        previous === undefined
          ? value
          : isAlignment(limit)
            ? Math.min(previous, value)
            : Math.max(previous, value)
    }
  }
  return { features: [...features], limits }
}

function isAlignment(limit: GpuLimitName): boolean {
  return limit.startsWith('min')
}

function limitEntries(requirements: GpuRequirements): [GpuLimitName, number][] {
  const entries: [GpuLimitName, number][] = []
  for (const [limit, value] of Object.entries(requirements.limits ?? {}))
    if (value !== undefined) entries.push([limit as GpuLimitName, value])
  return entries
}
