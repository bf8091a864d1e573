import { beforeAll, describe, expect, test } from 'vitest'
import { assembleOutputs } from '../../tasks/assembleOutputs.ts'
import { compareResults } from '../../tasks/compareResults.ts'
import { packParams } from '../../tasks/packParams.ts'
import { runWasmUnit } from '../wasmAbi.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import {
  montecarloKernelErrorCodes,
  montecarloManifestParams,
  type MontecarloParams,
} from './params.ts'
import { montecarloReference } from './reference.ts'

let instance: WebAssembly.Instance

beforeAll(async () => {
  instance = await instantiateBuiltKernel('montecarlo')
})

function runUnit(index: number, count: number, params: MontecarloParams, outputBytes: number) {
  return runWasmUnit(instance, {
    index,
    count,
    params: packParams(montecarloManifestParams(params)),
    input: new Uint8Array(0),
    outputBytes,
  }).output
}

describe('montecarlo wasm kernel', () => {
  test.each([
    { index: 0, count: 1, seed: 42, samples: 300, invocations: 1 },
    { index: 5, count: 32, seed: 42, samples: 200, invocations: 65 },
    { index: 31, count: 32, seed: 0, samples: 64, invocations: 1024 },
    { index: 9_999_998, count: 9_999_999, seed: 0xffffffff, samples: 100, invocations: 3 },
    { index: 2, count: 4, seed: 1, samples: 0, invocations: 2 },
  ])('equals the reference exactly: %o', ({ index, count, seed, samples, invocations }) => {
    const params = { seed, samples }
    const output = runUnit(index, count, params, invocations * 32)
    const expected = montecarloReference({ index, params, outputBytes: invocations * 32 })
    expect(compareResults(output, expected, { mode: 'exact' })).toEqual({ equal: true })
  })

  test('a job assembled from the kernel equals one assembled from the reference', () => {
    const params = { seed: 7, samples: 128 }
    const units = Array.from({ length: 8 }, (_, index) => index)
    const assemble = { reduce: 'sum-u32' } as const
    const fromKernel = assembleOutputs(
      assemble,
      units.map((index) => runUnit(index, units.length, params, 16 * 32)),
    )
    const fromReference = assembleOutputs(
      assemble,
      units.map((index) => montecarloReference({ index, params, outputBytes: 16 * 32 })),
    )
    expect(fromKernel).toEqual(fromReference)
    // The sum holds every unit's points: about π/4 of them inside the disc.
    const disc = new Uint32Array(fromKernel.buffer).filter((_, i) => i % 8 === 0)
    const inside = disc.reduce((sum, value) => sum + value, 0)
    expect(inside / (8 * 16 * 128)).toBeCloseTo(Math.PI / 4, 1)
  })

  test('sizes the kernel cannot use make run() fail with the kernel error code', () => {
    const params = packParams(montecarloManifestParams({ seed: 1, samples: 1 }))
    const unit = { index: 0, count: 1, params, input: new Uint8Array(0), outputBytes: 64 }
    expect(() => runWasmUnit(instance, { ...unit, params: params.subarray(8) })).toThrow(
      expect.objectContaining({
        code: 'kernel/run-failed',
        kernelCode: montecarloKernelErrorCodes.paramsLength,
      }),
    )
    expect(() => runWasmUnit(instance, { ...unit, input: new Uint8Array(4) })).toThrow(
      expect.objectContaining({ kernelCode: montecarloKernelErrorCodes.inputLength }),
    )
    expect(() => runWasmUnit(instance, { ...unit, outputBytes: 36 })).toThrow(
      expect.objectContaining({ kernelCode: montecarloKernelErrorCodes.outputLength }),
    )
  })
})
