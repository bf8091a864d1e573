import { describe, expect, test } from 'vitest'
import { compareResults } from './compareResults.ts'
import type { Comparison } from './manifestSchema.ts'

const f32 = (...values: number[]) => new Uint8Array(new Float32Array(values).buffer)
const f64 = (...values: number[]) => new Uint8Array(new Float64Array(values).buffer)
const exact: Comparison = { mode: 'exact' }
const tolerance = (
  absolute: number,
  relative: number,
  elementType: 'f32' | 'f64' = 'f32',
): Comparison => ({
  mode: 'float',
  elementType,
  absolute,
  relative,
})

describe('compareResults', () => {
  test('exact: equal bytes, or the first differing byte', () => {
    expect(compareResults(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]), exact)).toEqual({
      equal: true,
    })
    expect(compareResults(new Uint8Array([1, 2, 3]), new Uint8Array([1, 5, 4]), exact)).toEqual({
      equal: false,
      index: 1,
      a: 2,
      b: 5,
    })
    expect(compareResults(new Uint8Array(0), new Uint8Array(0), exact).equal).toBe(true)
  })

  test('exact: a longer result differs where the shorter one ends', () => {
    expect(compareResults(new Uint8Array([1, 2]), new Uint8Array([1]), exact)).toEqual({
      equal: false,
      index: 1,
      a: 2,
      b: undefined,
    })
  })

  test('exact: -0 and +0 differ, the same NaN bits are equal', () => {
    expect(compareResults(f32(-0), f32(0), exact).equal).toBe(false)
    expect(compareResults(f32(Number.NaN), f32(Number.NaN), exact).equal).toBe(true)
  })

  test('float: |a - b| <= absolute + relative * |b|, with the bound itself allowed', () => {
    expect(compareResults(f64(1.5), f64(1), tolerance(0.5, 0, 'f64')).equal).toBe(true)
    expect(compareResults(f64(1.5000001), f64(1), tolerance(0.5, 0, 'f64')).equal).toBe(false)
    expect(compareResults(f64(110), f64(100), tolerance(0, 0.1, 'f64')).equal).toBe(true)
    expect(compareResults(f64(111), f64(100), tolerance(0, 0.1, 'f64')).equal).toBe(false)
    expect(compareResults(f64(111), f64(100), tolerance(1, 0.1, 'f64')).equal).toBe(true)
  })

  test('float: relative is measured against b, the reference', () => {
    const comparison = tolerance(0, 0.5, 'f64')
    expect(compareResults(f64(1), f64(2), comparison).equal).toBe(true) // 1 <= 0.5 * 2
    expect(compareResults(f64(2), f64(1), comparison).equal).toBe(false) // 1 > 0.5 * 1
  })

  test('float: relative alone never forgives a difference from zero', () => {
    expect(compareResults(f32(1e-30), f32(0), tolerance(0, 0.01)).equal).toBe(false)
    expect(compareResults(f32(1e-30), f32(0), tolerance(1e-20, 0)).equal).toBe(true)
  })

  test('float: a denormal flushed to zero passes only with an absolute tolerance', () => {
    const denormal = 1e-40
    expect(Math.fround(denormal)).toBeGreaterThan(0)
    expect(compareResults(f32(0), f32(denormal), tolerance(0, 1e-6)).equal).toBe(false)
    expect(compareResults(f32(0), f32(denormal), tolerance(1.1754943508222875e-38, 0)).equal).toBe(
      true,
    )
  })

  test('float: NaN equals only NaN, whatever its payload', () => {
    const quiet = f32(Number.NaN)
    const other = new Uint8Array([1, 0, 0xc0, 0xff]) // a negative NaN with a payload
    expect(compareResults(quiet, other, tolerance(0, 0)).equal).toBe(true)
    expect(compareResults(quiet, f32(1), tolerance(1e30, 1)).equal).toBe(false)
    expect(compareResults(f32(1), quiet, tolerance(1e30, 1)).equal).toBe(false)
  })

  test('float: -0 equals +0; an infinity equals only itself', () => {
    expect(compareResults(f32(-0), f32(0), tolerance(0, 0)).equal).toBe(true)
    expect(compareResults(f32(Infinity), f32(Infinity), tolerance(0, 0)).equal).toBe(true)
    expect(compareResults(f32(Infinity), f32(-Infinity), tolerance(1e30, 1)).equal).toBe(false)
    expect(compareResults(f32(Infinity), f32(3e38), tolerance(1e30, 1)).equal).toBe(false)
  })

  test('float: the first differing element, by element index', () => {
    expect(compareResults(f32(1, 2, 3), f32(1, 2.5, 4), tolerance(0.1, 0))).toEqual({
      equal: false,
      index: 1,
      a: 2,
      b: 2.5,
    })
  })

  test('float: different lengths differ at the first element one lacks', () => {
    expect(compareResults(f32(1, 2), f32(1), tolerance(0, 0))).toEqual({
      equal: false,
      index: 1,
      a: 2,
      b: undefined,
    })
  })

  test('float: bytes past the last whole element are compared exactly', () => {
    const a = new Uint8Array([...f32(1), 7, 8])
    const b = new Uint8Array([...f32(1), 7, 9])
    expect(compareResults(a, a.slice(), tolerance(0, 0)).equal).toBe(true)
    expect(compareResults(a, b, tolerance(0, 0))).toEqual({
      equal: false,
      index: 1,
      a: undefined,
      b: undefined,
    })
  })

  test('float: results may be views at any byte offset', () => {
    const backing = new Uint8Array(9)
    backing.set(f64(1.25), 1)
    expect(compareResults(backing.subarray(1), f64(1.25), tolerance(0, 0, 'f64')).equal).toBe(true)
  })
})
