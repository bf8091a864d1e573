import { describe, expect, it } from 'vitest'
import { requestComputeDevice } from '../workers/webgpu/requestComputeDevice.ts'
import { openNodeGpu, type DawnModule } from './openNodeGpu.ts'

/** A Dawn whose backends find the adapters given: `core` for the default ones, `gles` for GL ES. */
function fakeDawn(adapters: { core: GPUAdapter | null; gles: GPUAdapter | null }) {
  const calls: { options: string[]; request: GPURequestAdapterOptions | undefined }[] = []
  const dawn: DawnModule = {
    globals: {},
    create(options) {
      const adapter = options.includes('backend=opengles') ? adapters.gles : adapters.core
      return {
        requestAdapter(request?: GPURequestAdapterOptions) {
          calls.push({ options, request })
          return Promise.resolve(adapter)
        },
      } as GPU
    },
  }
  return { load: () => Promise.resolve(dawn), calls }
}

function fakeAdapter(limits: Record<string, number>) {
  const descriptors: GPUDeviceDescriptor[] = []
  const adapter = {
    limits,
    requestDevice(descriptor: GPUDeviceDescriptor) {
      descriptors.push(descriptor)
      return Promise.resolve({} as GPUDevice)
    },
  } as unknown as GPUAdapter
  return { adapter, descriptors }
}

describe('openNodeGpu', () => {
  it('rejects with webgpu/package-missing when the package does not load', async () => {
    const load = () => Promise.reject(new Error("Cannot find package 'webgpu'"))
    await expect(openNodeGpu({ load })).rejects.toMatchObject({
      code: 'webgpu/package-missing',
      details: "Cannot find package 'webgpu'",
    })
  })

  it("takes the default backends' adapter when there is one", async () => {
    const { adapter } = fakeAdapter({})
    const dawn = fakeDawn({ core: adapter, gles: null })
    expect(await (await openNodeGpu(dawn)).requestAdapter()).toBe(adapter)
    expect(dawn.calls.map((call) => call.options)).toEqual([[]])
  })

  it('falls back to OpenGL ES in compatibility mode, its device raised to core compute limits', async () => {
    const { adapter, descriptors } = fakeAdapter({
      maxComputeInvocationsPerWorkgroup: 1024,
      maxComputeWorkgroupSizeX: 1024,
      maxComputeWorkgroupSizeY: 128,
      maxStorageBuffersPerShaderStage: 16,
      maxUniformBufferBindingSize: 65536,
    })
    const dawn = fakeDawn({ core: null, gles: adapter })
    const found = await (await openNodeGpu(dawn)).requestAdapter({ powerPreference: 'low-power' })
    expect(found).toBe(adapter)
    expect(dawn.calls[1]).toEqual({
      options: ['backend=opengles'],
      request: { powerPreference: 'low-power', featureLevel: 'compatibility' },
    })
    await found!.requestDevice({ requiredLimits: { maxStorageBuffersPerShaderStage: 10 } })
    expect(descriptors[0]!.requiredLimits).toEqual({
      maxComputeInvocationsPerWorkgroup: 256,
      maxComputeWorkgroupSizeX: 256,
      maxComputeWorkgroupSizeY: 128,
      maxStorageBuffersPerShaderStage: 10,
      maxUniformBufferBindingSize: 65536,
    })
  })

  it('gives no adapter when neither finds one, which requestComputeDevice reports', async () => {
    const gpu = await openNodeGpu(fakeDawn({ core: null, gles: null }))
    await expect(requestComputeDevice({ gpu, allowFallbackAdapter: true })).rejects.toMatchObject({
      code: 'webgpu/no-adapter',
    })
  })
})
