import { beforeAll, describe, expect, test } from 'vitest'
import { compareResults } from '../../tasks/compareResults.ts'
import { packParams } from '../../tasks/packParams.ts'
import { runWasmUnit } from '../wasmAbi.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import { sampleFractalParams } from './catalogue.ts'
import { toFixed } from './fixedPoint.ts'
import {
  fractalKernelErrorCodes,
  fractalManifestParams,
  fractalUnitCount,
  fractalUnitOutputBytes,
  type FractalParams,
} from './params.ts'
import { fractalReference } from './reference.ts'

let instance: WebAssembly.Instance

beforeAll(async () => {
  instance = await instantiateBuiltKernel('fractal')
})

function unitOf(params: FractalParams, index: number) {
  return {
    index,
    count: fractalUnitCount(params),
    params: packParams(fractalManifestParams(params)),
    input: new Uint8Array(0),
    outputBytes: fractalUnitOutputBytes(params),
  }
}

function expectTileEqualsReference(params: FractalParams, index: number): void {
  const { output } = runWasmUnit(instance, unitOf(params, index))
  const expected = fractalReference({ index, count: fractalUnitCount(params), params })
  // The manifest's comparison: exact.
  expect(compareResults(output, expected, { mode: 'exact' }), `tile ${index}`).toEqual({
    equal: true,
  })
}

// The sample view with fewer iterations, so the TypeScript reference keeps up.
const sampleView: FractalParams = { ...sampleFractalParams, maxIterations: 100 }

describe('fractal wasm kernel', () => {
  // The first tile, one in the valley (19), one mostly inside the set (39), the last.
  test.each([0, 19, 39, 63])('sample view tile %i equals the reference byte for byte', (index) =>
    expectTileEqualsReference(sampleView, index),
  )

  test('the first sample tile at all 1024 iterations of the sample equals the reference', () =>
    expectTileEqualsReference(sampleFractalParams, 0))

  test('every tile of a small image with odd sizes equals the reference', () => {
    const params: FractalParams = {
      centreX: toFixed(-0.6),
      centreY: toFixed(-0.1),
      pixelSize: toFixed(3 / 35),
      width: 35,
      height: 21,
      tileWidth: 7,
      tileHeight: 7,
      maxIterations: 77,
    }
    for (let index = 0; index < fractalUnitCount(params); index++)
      expectTileEqualsReference(params, index)
  })

  test('views whose coordinates wrap around i32 still equal the reference', () => {
    const huge: FractalParams = {
      centreX: 0x7fffff00,
      centreY: -0x80000000,
      pixelSize: 0x7654321,
      width: 64,
      height: 48,
      tileWidth: 16,
      tileHeight: 16,
      maxIterations: 30,
    }
    for (const index of [0, 5, 11]) expectTileEqualsReference(huge, index)
    // A zoom to the last bit: pixel size 2^-28.
    const deep = {
      ...huge,
      centreX: toFixed(-0.743643887),
      centreY: toFixed(0.131825904),
      pixelSize: 1,
      maxIterations: 500,
    }
    expectTileEqualsReference(deep, 7)
  })

  test('units that do not fit the params make run() fail with the kernel error code', () => {
    const params: FractalParams = {
      ...sampleView,
      width: 64,
      height: 32,
      tileWidth: 32,
      tileHeight: 16,
    }
    const unit = unitOf(params, 3)
    const fails = (change: Partial<typeof unit>, code: number) =>
      expect(() => runWasmUnit(instance, { ...unit, ...change })).toThrow(
        expect.objectContaining({ code: 'kernel/run-failed', kernelCode: code }),
      )
    fails({ params: unit.params.subarray(0, 16) }, fractalKernelErrorCodes.paramsLength)
    const badTiles = packParams(fractalManifestParams({ ...params, tileWidth: 30 }))
    fails({ params: badTiles }, fractalKernelErrorCodes.invalidParams)
    const noIterations = packParams(fractalManifestParams({ ...params, maxIterations: 0 }))
    fails({ params: noIterations }, fractalKernelErrorCodes.invalidParams)
    fails({ count: 5, index: 4 }, fractalKernelErrorCodes.unitOutOfRange)
    fails({ outputBytes: unit.outputBytes - 4 }, fractalKernelErrorCodes.outputLength)
    expect(runWasmUnit(instance, unit).output).toEqual(
      fractalReference({ index: 3, count: 4, params }),
    )
  })
})
