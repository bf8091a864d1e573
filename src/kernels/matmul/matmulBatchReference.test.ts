import { describe, expect, test } from 'vitest'
import { createMatmulSampleInput } from './createMatmulSampleInput.ts'
import { matmulBatchReference } from './matmulBatchReference.ts'
import { packMatmulInput } from './params.ts'

const f32Bytes = (values: number[]) => new Uint8Array(new Float32Array(values).buffer)
const f32Values = (bytes: Uint8Array) => [...new Float32Array(bytes.slice().buffer)]

describe('matmulBatchReference', () => {
  test('multiplies each pair of the batch on its own, in order', () => {
    const input = new Uint8Array([
      ...f32Bytes([1, 2, 3, 4]),
      ...f32Bytes([5, 6, 7, 8]),
      ...f32Bytes([2, 0, 0, 2]),
      ...f32Bytes([1, -1, 3, 0.5]),
    ])
    expect(f32Values(matmulBatchReference({ input, n: 2 }))).toEqual([19, 22, 43, 50, 2, -2, 6, 1])
    expect(f32Values(matmulBatchReference({ input: f32Bytes([3, -2]), n: 1 }))).toEqual([-6])
  })

  test('a pair with the identity gives the other matrix back', () => {
    const n = 5
    const identity = Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0))
    const m = Float32Array.from({ length: n * n }, (_, i) => i * 0.25 - 3)
    const input = new Uint8Array([...packMatmulInput(m, identity), ...packMatmulInput(identity, m)])
    expect(f32Values(matmulBatchReference({ input, n }))).toEqual([...m, ...m])
  })

  test('refuses input that is not whole pairs', () => {
    expect(() => matmulBatchReference({ input: f32Bytes([1, 2, 3]), n: 1 })).toThrow(RangeError)
    expect(() => matmulBatchReference({ input: new Uint8Array(0), n: 1 })).toThrow(RangeError)
    expect(() => matmulBatchReference({ input: f32Bytes([1, 2]), n: 0 })).toThrow(RangeError)
  })
})

describe('createMatmulSampleInput', () => {
  test('is the same every time, f32 entries uniform in [−1, 1)', () => {
    const bytes = createMatmulSampleInput({ n: 16, pairs: 10 })
    expect(bytes).toHaveLength(10 * 2 * 16 * 16 * 4)
    expect(createMatmulSampleInput({ n: 16, pairs: 10 })).toEqual(bytes)
    expect(createMatmulSampleInput({ n: 16, pairs: 10, seed: 1 })).not.toEqual(bytes)
    const values = f32Values(bytes)
    expect(values.every((v) => v >= -1 && v < 1 && Number.isInteger(v * 2 ** 23))).toBe(true)
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length
    const meanSquare = values.reduce((sum, v) => sum + v * v, 0) / values.length
    // 5120 draws: the mean within a few standard errors (0.008) of 0, E[v²] = 1/3.
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(meanSquare).toBeCloseTo(1 / 3, 1)
  })

  test('products of sample pairs have the root mean square √(n/9) that present() quotes', () => {
    const n = 32
    const c = f32Values(
      matmulBatchReference({ input: createMatmulSampleInput({ n, pairs: 8 }), n }),
    )
    const rms = Math.sqrt(c.reduce((sum, v) => sum + v * v, 0) / c.length)
    expect(rms / Math.sqrt(n / 9)).toBeGreaterThan(0.95)
    expect(rms / Math.sqrt(n / 9)).toBeLessThan(1.05)
  })
})
