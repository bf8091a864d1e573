import { describe, expect, test } from 'vitest'
import {
  decodeMandelbrotParams,
  demoMandelbrotParams,
  encodeMandelbrotParams,
  mandelbrotUnitCount,
  mandelbrotUnitOutputBytes,
} from './params.ts'

describe('Mandelbrot params', () => {
  test('the demo job is 8x8 tiles of 256x192 RGBA', () => {
    expect(mandelbrotUnitCount(demoMandelbrotParams)).toBe(64)
    expect(mandelbrotUnitOutputBytes(demoMandelbrotParams)).toBe(256 * 192 * 4)
  })

  test('encode writes eight little-endian f64 in the documented order', () => {
    const bytes = encodeMandelbrotParams(demoMandelbrotParams)
    expect(bytes.length).toBe(64)
    const view = new DataView(bytes.buffer)
    expect(view.getFloat64(0, true)).toBe(2048)
    expect(view.getFloat64(32, true)).toBe(-0.5)
    expect(view.getFloat64(56, true)).toBe(demoMandelbrotParams.maxIterations)
    expect(decodeMandelbrotParams(bytes)).toEqual(demoMandelbrotParams)
  })

  test('partial edge tiles count as units', () => {
    expect(
      mandelbrotUnitCount({
        ...demoMandelbrotParams,
        width: 100,
        height: 70,
        tileWidth: 32,
        tileHeight: 24,
      }),
    ).toBe(12)
  })

  test.each([
    { width: 0 },
    { tileHeight: 1.5 },
    { spanX: 0 },
    { centerX: Number.NaN },
    { maxIterations: 0 },
    { tileWidth: 4096, tileHeight: 4096 },
  ])('rejects %o with mandelbrot/invalid-params', (change) => {
    expect(() => encodeMandelbrotParams({ ...demoMandelbrotParams, ...change })).toThrow(
      expect.objectContaining({ code: 'mandelbrot/invalid-params' }),
    )
  })

  test('decode refuses a wrong length', () => {
    expect(() => decodeMandelbrotParams(new Uint8Array(63))).toThrow(
      expect.objectContaining({ code: 'mandelbrot/invalid-params' }),
    )
  })
})
