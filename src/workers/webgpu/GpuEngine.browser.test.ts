import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { GpuKernelProgram } from './GpuKernelProgram.ts'
import { startGpuTestWorker, type GpuTestWorker } from './startGpuTestWorker.ts'

// WebGPU here is Chromium's SwiftShader adapter (vitest.browser.config.ts): a fallback adapter,
// so the engine is started with allowFallbackAdapter.

const doubleWgsl = `override workgroupSizeX: u32 = 64;
override workgroupSizeY: u32 = 1;
override workgroupSizeZ: u32 = 1;

struct Params {
  add: f32,
  count: u32,
}

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(workgroupSizeX, workgroupSizeY, workgroupSizeZ)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < params.count) {
    output[id.x] = input[id.x] * 2.0 + params.add;
  }
}
`

function doubleProgram(count: number, workgroupX = 64): GpuKernelProgram {
  return {
    label: 'double',
    source: doubleWgsl,
    workgroupSize: [workgroupX, 1, 1],
    outputExtent: [count, 1, 1],
  }
}

function doubleUnit(values: number[], add: number, count = values.length) {
  const params = new DataView(new ArrayBuffer(8))
  params.setFloat32(0, add, true)
  params.setUint32(4, count, true)
  return {
    input: new Uint8Array(new Float32Array(values).buffer),
    params: new Uint8Array(params.buffer),
    outputBytes: values.length * 4,
  }
}

function floats(output: Uint8Array): number[] {
  return [...new Float32Array(output.buffer, output.byteOffset, output.byteLength / 4)]
}

let gpu: GpuTestWorker

beforeEach(() => {
  gpu = startGpuTestWorker()
})

afterEach(() => {
  gpu.terminate()
})

describe('requestComputeDevice in a worker', () => {
  test('refuses the software fallback adapter unless allowed', async () => {
    await expect(gpu.api.probe({ allowFallbackAdapter: false }, 'navigator')).rejects.toMatchObject(
      {
        code: 'webgpu/fallback-adapter',
        name: 'WebGpuFallbackAdapterError',
      },
    )
    const allowed = await gpu.api.probe({ allowFallbackAdapter: true }, 'navigator')
    expect(allowed.isFallback).toBe(true)
    expect(allowed.adapterInfo).toMatchObject({ vendor: 'google', architecture: 'swiftshader' })
  })

  test('says when WebGPU is missing or finds no adapter', async () => {
    await expect(gpu.api.probe({ allowFallbackAdapter: true }, 'missing')).rejects.toMatchObject({
      code: 'webgpu/unavailable',
    })
    await expect(gpu.api.probe({ allowFallbackAdapter: true }, 'no-adapter')).rejects.toMatchObject(
      { code: 'webgpu/no-adapter' },
    )
  })

  test('names a limit the adapter cannot reach, and raises the ones it can', async () => {
    const tooMuch = { limits: { maxComputeWorkgroupStorageSize: 1 << 30 } }
    const error = await gpu.api
      .probe({ allowFallbackAdapter: true, requirements: tooMuch }, 'navigator')
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'webgpu/limit-exceeded' })
    expect(String((error as Error).message)).toContain('maxComputeWorkgroupStorageSize')

    const feature = { features: ['no-such-feature' as GPUFeatureName] }
    await expect(
      gpu.api.probe({ allowFallbackAdapter: true, requirements: feature }, 'navigator'),
    ).rejects.toMatchObject({ code: 'webgpu/feature-missing' })

    // 16 KiB is the WebGPU default; a device gets more only when it asks.
    const more = { limits: { maxComputeWorkgroupStorageSize: 32768 } }
    const { limits } = await gpu.api.probe(
      { allowFallbackAdapter: true, requirements: more },
      'navigator',
    )
    expect(limits.maxComputeWorkgroupStorageSize).toBe(32768)
  })
})

describe('GpuEngine in a worker', () => {
  beforeEach(async () => {
    await gpu.api.start({ allowFallbackAdapter: true })
  })

  test('runs a kernel by the binding convention, unaligned sizes included', async () => {
    const { output, gpuMs } = await gpu.api.run(doubleProgram(3), doubleUnit([1, 2.5, -4], 0.5))
    expect(output.byteLength).toBe(12)
    expect(floats(output)).toEqual([2.5, 5.5, -7.5])
    expect(gpuMs).toBeGreaterThanOrEqual(0)

    const odd = doubleUnit([1, 2], 0)
    const { output: bytes } = await gpu.api.run(doubleProgram(2), { ...odd, outputBytes: 6 })
    expect([...bytes]).toEqual([...new Uint8Array(new Float32Array([2, 4]).buffer).slice(0, 6)])
  })

  test('compile errors come back with line and column', async () => {
    // Line 17 of the source is the assignment; its `;` is in column 13 once broken.
    const broken = doubleWgsl.replace(/output\[id\.x\] = .*;/, 'let x = ;')
    const error = await gpu.api.compile(broken).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'kernel/wgsl-compile', name: 'KernelWgslCompileError' })
    expect((error as Error).message).toContain('17:13 missing initializer')

    const twoErrors = 'fn a() {\n  let x = ;\n}\nfn b() -> u32 {\n  return 1.5 + ;\n}'
    const both = await gpu.api.compile(twoErrors).catch((e: unknown) => e)
    expect((both as Error).message).toMatch(/2:11 .*\n5:\d+ /)

    const program = { ...doubleProgram(1), source: broken }
    await expect(gpu.api.run(program, doubleUnit([1], 0))).rejects.toMatchObject({
      code: 'kernel/wgsl-compile',
    })
  })

  test('a shader that breaks the binding convention is refused when its pipeline is made', async () => {
    const wrongAccess = doubleWgsl.replace(
      'var<storage, read> input',
      'var<storage, read_write> input',
    )
    await expect(
      gpu.api.run({ ...doubleProgram(1), source: wrongAccess }, doubleUnit([1], 0)),
    ).rejects.toMatchObject({ code: 'kernel/wgsl-pipeline' })
  })

  test('compiles a source once, builds a pipeline per override set, and reuses buffers', async () => {
    const program = doubleProgram(4)
    const unit = doubleUnit([1, 2, 3, 4], 1)
    await gpu.api.run(program, unit)
    const afterFirst = await gpu.api.stats()
    const outputs = await Promise.all([
      gpu.api.run(program, unit),
      gpu.api.run(program, unit),
      gpu.api.compile(program.source),
    ])
    await gpu.api.run(program, unit)
    expect(floats(outputs[0].output)).toEqual([3, 5, 7, 9])
    expect(await gpu.api.stats()).toMatchObject({ shaderModulesCreated: 1, pipelinesCreated: 1 })

    await gpu.api.run(doubleProgram(4, 32), unit)
    const stats = await gpu.api.stats()
    expect(stats).toMatchObject({ shaderModulesCreated: 1, pipelinesCreated: 2, unitsRun: 5 })
    // Two units ran at once, so at most two sets of buffers exist.
    expect(stats.buffersCreated).toBeLessThanOrEqual(afterFirst.buffersCreated * 2)
  })

  test('an element the kernel skips reads zero, not the previous unit output', async () => {
    await gpu.api.run(doubleProgram(4), doubleUnit([1, 2, 3, 4], 0))
    const { output } = await gpu.api.run(doubleProgram(4), doubleUnit([1, 2, 3, 4], 0, 2))
    expect(floats(output)).toEqual([2, 4, 0, 0])
  })

  test('a workgroup larger than the device allows is refused, naming the limit', async () => {
    const error = await gpu.api
      .run(doubleProgram(4, 1024), doubleUnit([1], 0))
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'webgpu/limit-exceeded' })
    expect((error as Error).message).toContain('maxComputeWorkgroupSizeX')
  })

  test('a lost device rejects the pending unit, is reported, and can be reacquired', async () => {
    const values = Array.from({ length: 1 << 16 }, (_, i) => i)
    const unit = doubleUnit(values, 0)
    await expect(
      gpu.api.runWhileLosingDevice(doubleProgram(values.length), unit),
    ).rejects.toMatchObject({
      code: 'webgpu/device-lost',
    })
    expect(await gpu.api.events()).toContainEqual(expect.objectContaining({ type: 'device-lost' }))
    await expect(gpu.api.run(doubleProgram(1), doubleUnit([1], 0))).rejects.toMatchObject({
      code: 'webgpu/device-lost',
    })

    expect(await gpu.api.reacquire()).toBe(true)
    const { output } = await gpu.api.run(doubleProgram(values.length), unit)
    expect(floats(output).slice(-2)).toEqual([2 * 65534, 2 * 65535])
    expect(await gpu.api.events()).toContainEqual({ type: 'device-reacquired', isFallback: true })
  })
})
