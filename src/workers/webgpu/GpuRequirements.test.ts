import { describe, expect, test } from 'vitest'
import {
  assertGpuRequirements,
  mergeGpuRequirements,
  requiredLimitsFor,
  type GpuCapabilities,
} from './GpuRequirements.ts'

// The WebGPU defaults for the limits used here, as a device has them before it asks for more.
const device = {
  features: new Set<string>(['timestamp-query']),
  limits: {
    maxComputeWorkgroupStorageSize: 16384,
    maxComputeInvocationsPerWorkgroup: 256,
    minStorageBufferOffsetAlignment: 256,
  } as GPUSupportedLimits,
} satisfies GpuCapabilities

describe('assertGpuRequirements', () => {
  test('passes what the device has', () => {
    expect(() =>
      assertGpuRequirements(device, {
        features: ['timestamp-query'],
        limits: { maxComputeWorkgroupStorageSize: 16384, minStorageBufferOffsetAlignment: 512 },
      }),
    ).not.toThrow()
  })

  test('names a maximum the device does not reach', () => {
    expect(() =>
      assertGpuRequirements(device, { limits: { maxComputeInvocationsPerWorkgroup: 1024 } }),
    ).toThrow(
      expect.objectContaining({
        code: 'webgpu/limit-exceeded',
        limit: 'maxComputeInvocationsPerWorkgroup',
        required: 1024,
        supported: 256,
      }),
    )
  })

  test('an alignment is met by a device whose alignment is finer, not coarser', () => {
    expect(() =>
      assertGpuRequirements(device, { limits: { minStorageBufferOffsetAlignment: 64 } }),
    ).toThrow(expect.objectContaining({ code: 'webgpu/limit-exceeded' }))
  })

  test('names a missing feature', () => {
    expect(() => assertGpuRequirements(device, { features: ['shader-f16'] })).toThrow(
      expect.objectContaining({ code: 'webgpu/feature-missing', feature: 'shader-f16' }),
    )
  })
})

describe('mergeGpuRequirements', () => {
  test('keeps every feature and the strictest value of each limit', () => {
    const merged = mergeGpuRequirements(
      {
        features: ['timestamp-query'],
        limits: { maxBufferSize: 10, minUniformBufferOffsetAlignment: 256 },
      },
      {
        features: ['shader-f16', 'timestamp-query'],
        limits: { maxBufferSize: 20, minUniformBufferOffsetAlignment: 64 },
      },
    )
    expect(merged.features).toEqual(['timestamp-query', 'shader-f16'])
    expect(requiredLimitsFor(merged)).toEqual({
      maxBufferSize: 20,
      minUniformBufferOffsetAlignment: 64,
    })
  })
})
