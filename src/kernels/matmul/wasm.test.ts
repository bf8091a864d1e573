import { beforeAll, describe, expect, test } from 'vitest'
import { runWasmUnit } from '../wasmAbi.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import { matmulKernelErrorCodes } from './matmulKernelErrorCodes.ts'
import { encodeMatmulParams, matmulOutputBytes, packMatmulInput } from './params.ts'
import { matmulReference } from './reference.ts'

let instance: WebAssembly.Instance

beforeAll(async () => {
  instance = await instantiateBuiltKernel('matmul')
})

// A fixed LCG, so a failure reproduces; values in [-1, 1) keep sums well inside f32 range.
function randomMatrix(n: number, seed: number): Float32Array {
  const m = new Float32Array(n * n)
  let state = seed >>> 0
  for (let i = 0; i < m.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    m[i] = state / 2 ** 31 - 1
  }
  return m
}

function runMatmul(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const { output } = runWasmUnit(instance, {
    index: 0,
    count: 1,
    params: encodeMatmulParams(n),
    input: packMatmulInput(a, b),
    outputBytes: matmulOutputBytes(n),
  })
  return new Float32Array(output.slice().buffer)
}

describe('matmul wasm kernel', () => {
  // 1, 3 and 7 are all tail; 4 and 64 are all vectors; 130 mixes both.
  test.each([1, 3, 4, 7, 64, 130])('n = %i equals the reference within f32 rounding', (n) => {
    const a = randomMatrix(n, n)
    const b = randomMatrix(n, n + 1000)
    const actual = runMatmul(a, b, n)
    const expected = matmulReference(a, b, n)
    expect(actual.length).toBe(expected.length)
    // SIMD sums in f32 in another order than the f64 reference.
    const at = actual.findIndex((value, i) => {
      const want = expected[i]!
      const error = Math.abs(value - want)
      return !(error <= 1e-3 || error <= 1e-4 * Math.abs(want))
    })
    expect(at, `first mismatch at ${at}: ${actual[at]} vs ${expected[at]}`).toBe(-1)
  })

  test('a small product is exact', () => {
    const a = new Float32Array([1, 2, 3, 4])
    const b = new Float32Array([5, 6, 7, 8])
    expect(Array.from(runMatmul(a, b, 2))).toEqual([19, 22, 43, 50])
  })

  test('sizes that do not match n make run() fail with the kernel error code', () => {
    const n = 4
    const unit = {
      index: 0,
      count: 1,
      params: encodeMatmulParams(n),
      input: packMatmulInput(randomMatrix(n, 1), randomMatrix(n, 2)),
      outputBytes: matmulOutputBytes(n),
    }
    expect(() => runWasmUnit(instance, { ...unit, params: encodeMatmulParams(5) })).toThrow(
      expect.objectContaining({
        code: 'kernel/run-failed',
        kernelCode: matmulKernelErrorCodes.inputLength,
      }),
    )
    expect(() => runWasmUnit(instance, { ...unit, outputBytes: 4 })).toThrow(
      expect.objectContaining({ kernelCode: matmulKernelErrorCodes.outputLength }),
    )
    expect(() => runWasmUnit(instance, { ...unit, params: unit.params.subarray(4) })).toThrow(
      expect.objectContaining({ kernelCode: matmulKernelErrorCodes.paramsLength }),
    )
    expect(() => runWasmUnit(instance, { ...unit, params: new Uint8Array(16) })).toThrow(
      expect.objectContaining({ kernelCode: matmulKernelErrorCodes.invalidParams }),
    )
    expect(() => runWasmUnit(instance, { ...unit, count: 2 })).toThrow(
      expect.objectContaining({ kernelCode: matmulKernelErrorCodes.unitOutOfRange }),
    )
  })
})
