import { beforeAll, describe, expect, test } from 'vitest'
import { runWasmUnit } from '../wasmAbi.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import {
  demoMandelbrotParams,
  encodeMandelbrotParams,
  mandelbrotKernelErrorCodes,
  mandelbrotUnitCount,
  mandelbrotUnitOutputBytes,
  type MandelbrotParams,
} from './params.ts'
import { assembleTiles, renderMandelbrot, renderMandelbrotTile } from './reference.ts'

let instance: WebAssembly.Instance

beforeAll(async () => {
  instance = await instantiateBuiltKernel('mandelbrot')
})

// toEqual walks large arrays element by element; pinpointing the first differing byte is
// both faster and a more useful failure message.
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length)
  const at = actual.findIndex((byte, i) => byte !== expected[i])
  expect(at, `first differing byte at ${at} (pixel ${at >> 2})`).toBe(-1)
}

function runTile(params: MandelbrotParams, index: number): Uint8Array {
  return runWasmUnit(instance, {
    index,
    count: mandelbrotUnitCount(params),
    params: encodeMandelbrotParams(params),
    input: new Uint8Array(0),
    outputBytes: mandelbrotUnitOutputBytes(params),
  }).output
}

describe('Mandelbrot wasm kernel', () => {
  // Corners, edges, the seahorse valley (27, 28) and the interior-heavy middle (35).
  test.each([0, 7, 27, 28, 35, 56, 63])(
    'demo tile %i equals the reference byte for byte',
    (index) => {
      expectSameBytes(
        runTile(demoMandelbrotParams, index),
        renderMandelbrotTile(demoMandelbrotParams, index),
      )
    },
  )

  test('a small full render with partial edge tiles equals the reference', () => {
    const params: MandelbrotParams = {
      ...demoMandelbrotParams,
      width: 100,
      height: 70,
      tileWidth: 32,
      tileHeight: 24,
      centerX: -0.75,
      centerY: 0.1,
      spanX: 0.5,
    }
    const tiles = Array.from({ length: mandelbrotUnitCount(params) }, (_, i) => runTile(params, i))
    expectSameBytes(assembleTiles(params, tiles), renderMandelbrot(params))
  })

  test('a deep zoom, where rounding differences would show, still matches', () => {
    const params: MandelbrotParams = {
      width: 64,
      height: 48,
      tileWidth: 64,
      tileHeight: 48,
      centerX: -0.743643887037151,
      centerY: 0.13182590420533,
      spanX: 1e-10,
      maxIterations: 3000,
    }
    expectSameBytes(runTile(params, 0), renderMandelbrotTile(params, 0))
  })

  test('garbage params make run() fail with the kernel error code', () => {
    const params = encodeMandelbrotParams(demoMandelbrotParams)
    new DataView(params.buffer).setFloat64(48, -1, true)
    const unit = {
      index: 0,
      count: 64,
      params,
      input: new Uint8Array(0),
      outputBytes: 256 * 192 * 4,
    }
    expect(() => runWasmUnit(instance, unit)).toThrow(
      expect.objectContaining({
        code: 'kernel/run-failed',
        kernelCode: mandelbrotKernelErrorCodes.invalidParams,
      }),
    )
    const good = encodeMandelbrotParams(demoMandelbrotParams)
    expect(() => runWasmUnit(instance, { ...unit, params: good, outputBytes: 4 })).toThrow(
      expect.objectContaining({ kernelCode: mandelbrotKernelErrorCodes.outputLength }),
    )
    expect(() => runWasmUnit(instance, { ...unit, params: good, count: 63 })).toThrow(
      expect.objectContaining({ kernelCode: mandelbrotKernelErrorCodes.unitOutOfRange }),
    )
    expect(() => runWasmUnit(instance, { ...unit, params: good.subarray(8) })).toThrow(
      expect.objectContaining({ kernelCode: mandelbrotKernelErrorCodes.paramsLength }),
    )
  })
})
