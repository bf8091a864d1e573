import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startGpuTestWorker, type GpuTestWorker } from '../../workers/webgpu/startGpuTestWorker.ts'
import { createMatmulProgram, type MatmulVariant } from './createMatmulProgram.ts'
import { encodeMatmulParams, matmulOutputBytes, packMatmulInput } from './params.ts'
import { matmulReference } from './reference.ts'

// f32 sums in another order than the float64 reference: equal within this tolerance.
const absoluteTolerance = 1e-3
const relativeTolerance = 1e-4

/** Deterministic values in [-1, 1) (mulberry32), so a failure reproduces. */
function randomMatrix(n: number, seed: number): Float32Array {
  let state = seed >>> 0
  return Float32Array.from({ length: n * n }, () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1
  })
}

/** Index of the first element outside the tolerance, or -1. */
function firstMismatch(actual: Float32Array, expected: Float32Array): number {
  return expected.findIndex(
    (e, i) => !(Math.abs(actual[i]! - e) <= absoluteTolerance + relativeTolerance * Math.abs(e)),
  )
}

let gpu: GpuTestWorker

beforeAll(async () => {
  gpu = startGpuTestWorker()
  await gpu.api.start({ allowFallbackAdapter: true })
})

afterAll(() => {
  gpu.terminate()
})

describe.each<MatmulVariant>(['tiled', 'naive'])('%s WGSL matmul in a worker', (variant) => {
  test.each([1, 7, 64, 130])('equals the TypeScript reference at N=%i', async (n) => {
    const a = randomMatrix(n, n * 2 + 1)
    const b = randomMatrix(n, n * 2 + 2)
    const { output } = await gpu.api.run(createMatmulProgram({ n, variant }), {
      input: packMatmulInput(a, b),
      params: encodeMatmulParams(n),
      outputBytes: matmulOutputBytes(n),
    })
    const actual = new Float32Array(output.buffer, output.byteOffset, n * n)
    const expected = matmulReference(a, b, n)
    const mismatch = firstMismatch(actual, expected)
    expect(
      mismatch,
      `C[${Math.floor(mismatch / n)}][${mismatch % n}] = ${actual[mismatch]}, expected ${expected[mismatch]}`,
    ).toBe(-1)
  })
})

test('one pipeline per variant serves every matrix size', async () => {
  const stats = await gpu.api.stats()
  expect(stats).toMatchObject({ shaderModulesCreated: 2, pipelinesCreated: 2, unitsRun: 8 })
})
