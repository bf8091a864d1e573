import { describe, expect, test } from 'vitest'
import type { EngineOffer } from '../p2p/messages.ts'
import type { KernelRef } from '../tasks/manifestSchema.ts'
import { chooseKernel } from './chooseKernel.ts'

const wasmKernel: KernelRef = { kind: 'wasm', sha256: 'a'.repeat(64) }
const wgslKernel: KernelRef = {
  kind: 'wgsl',
  sha256: 'b'.repeat(64),
  entry: 'main',
  workgroupSize: [64, 1, 1],
  elementsPerInvocation: 1,
}
const cpu = (gflops: number): EngineOffer => ({ kind: 'wasm', slots: 2, gflops })
const gpu = (gflops: number, fallback = false): EngineOffer => ({
  kind: 'webgpu',
  slots: 1,
  gflops,
  fallback,
})

describe('chooseKernel', () => {
  test('with both kernels, the engine that measured faster wins', () => {
    expect(chooseKernel([wgslKernel, wasmKernel], [cpu(20), gpu(900)], false).kernel).toBe(
      wgslKernel,
    )
    expect(chooseKernel([wgslKernel, wasmKernel], [cpu(20), gpu(5)], false).kernel).toBe(wasmKernel)
  })

  test('a software adapter never takes a job that has a WASM kernel, however it measured', () => {
    expect(chooseKernel([wgslKernel, wasmKernel], [cpu(1), gpu(50, true)], true).kernel).toBe(
      wasmKernel,
    )
  })

  test('a GPU-only job runs on a software adapter only when the volunteer allows it', () => {
    const refused = chooseKernel([wgslKernel], [cpu(20), gpu(1, true)], false)
    expect(refused.kernel).toBeUndefined()
    expect(refused).toMatchObject({ reason: expect.stringMatching(/software adapter/) })
    expect(chooseKernel([wgslKernel], [cpu(20), gpu(1, true)], true).kernel).toBe(wgslKernel)
  })

  test('a GPU-only job is refused to a browser without WebGPU, with the reason', () => {
    const choice = chooseKernel([wgslKernel], [cpu(20)], true)
    expect(choice).toEqual({
      kernel: undefined,
      reason: 'This job runs only on WebGPU, which this browser lacks.',
    })
  })

  test('a WASM-only job goes to the CPU even beside a fast GPU', () => {
    const choice = chooseKernel([wasmKernel], [cpu(1), gpu(1000)], false)
    expect(choice.kernel).toBe(wasmKernel)
    expect(choice).toMatchObject({ engine: { kind: 'wasm' } })
  })
})
