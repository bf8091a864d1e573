import { describe, expect, test } from 'vitest'
import { createMatmulProgram } from './createMatmulProgram.ts'
import { computeDispatch, programRequirements } from '../../workers/webgpu/GpuKernelProgram.ts'
import { encodeMatmulParams, matmulOutputBytes, packMatmulInput } from './params.ts'
import { matmulReference } from './reference.ts'

describe('matmulReference', () => {
  test('multiplies small matrices', () => {
    const a = new Float32Array([1, 2, 3, 4])
    const b = new Float32Array([5, 6, 7, 8])
    expect([...matmulReference(a, b, 2)]).toEqual([19, 22, 43, 50])
    expect([...matmulReference(new Float32Array([3]), new Float32Array([-2]), 1)]).toEqual([-6])
  })

  test('the identity leaves a matrix as it was', () => {
    const n = 5
    const identity = Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0))
    const m = Float32Array.from({ length: n * n }, (_, i) => i * 0.25 - 3)
    expect(matmulReference(m, identity, n)).toEqual(m)
    expect(matmulReference(identity, m, n)).toEqual(m)
  })

  test('refuses matrices of the wrong size', () => {
    expect(() => matmulReference(new Float32Array(3), new Float32Array(4), 2)).toThrow(RangeError)
  })
})

describe('matmul program', () => {
  test('packs A then B and encodes n in a 16-byte uniform', () => {
    const packed = packMatmulInput(new Float32Array([1, 2]), new Float32Array([3, 4]))
    expect([...new Float32Array(packed.buffer)]).toEqual([1, 2, 3, 4])
    expect([...new Uint32Array(encodeMatmulParams(130).buffer)]).toEqual([130, 0, 0, 0])
    expect(matmulOutputBytes(7)).toBe(196)
    expect(() => encodeMatmulParams(0)).toThrow(RangeError)
  })

  test('the tiled dispatch covers C in 64-row × 128-column tiles, the naive one in 16×16', () => {
    expect(computeDispatch(createMatmulProgram({ n: 130 }))).toEqual([2, 3, 1])
    expect(computeDispatch(createMatmulProgram({ n: 64 }))).toEqual([1, 1, 1])
    expect(computeDispatch(createMatmulProgram({ n: 1 }))).toEqual([1, 1, 1])
    expect(computeDispatch(createMatmulProgram({ n: 130, variant: 'naive' }))).toEqual([9, 9, 1])
  })

  test('declares what it needs from the device', () => {
    const program = createMatmulProgram({ n: 1024 })
    const { limits } = programRequirements(program, { inputBytes: 8 << 20, outputBytes: 4 << 20 })
    expect(limits).toMatchObject({
      maxComputeInvocationsPerWorkgroup: 128,
      maxComputeWorkgroupStorageSize: 6144,
      maxStorageBufferBindingSize: 8 << 20,
      maxComputeWorkgroupsPerDimension: 16,
    })
  })
})
