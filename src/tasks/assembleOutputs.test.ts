import { describe, expect, test } from 'vitest'
import { assembleOutputs } from './assembleOutputs.ts'
import { OutputMissingError, OutputSizeError } from './errors.ts'

const bytes = (...values: number[]) => new Uint8Array(values)
const f32 = (...values: number[]) => new Uint8Array(new Float32Array(values).buffer)
const f64 = (...values: number[]) => new Uint8Array(new Float64Array(values).buffer)
const u32 = (...values: number[]) => new Uint8Array(new Uint32Array(values).buffer)
const i32 = (...values: number[]) => new Uint8Array(new Int32Array(values).buffer)
const asF32 = (b: Uint8Array) => [...new Float32Array(b.buffer, b.byteOffset, b.length / 4)]

describe('assembleOutputs', () => {
  test('concat joins results in unit order, whatever their sizes', () => {
    expect([...assembleOutputs('concat', [bytes(1, 2), bytes(), bytes(3)])]).toEqual([1, 2, 3])
  })

  test('concat of views copies only the viewed bytes', () => {
    const backing = bytes(9, 1, 2, 9)
    expect([...assembleOutputs('concat', [backing.subarray(1, 3), bytes(3)])]).toEqual([1, 2, 3])
  })

  test('a missing unit is reported by index, holes included', () => {
    const results: (Uint8Array | undefined)[] = [bytes(1), undefined, bytes(2)]
    results[4] = bytes(3)
    expect(() => assembleOutputs('concat', results)).toThrow(OutputMissingError)
    expect(() => assembleOutputs('concat', results)).toThrow(/units 1, 3/)
  })

  test('sum-f32 folds in unit order, rounding to f32 at every step', () => {
    // 2^24 + 1 + 1: f32 loses each 1 alone; an f64 sum would not.
    const out = assembleOutputs({ reduce: 'sum-f32' }, [f32(16777216, 1), f32(1, 2), f32(1, 3)])
    expect(asF32(out)).toEqual([16777216, 6])
  })

  test('sum-f64, and reductions do not alter their inputs', () => {
    const first = f64(0.1)
    const out = assembleOutputs({ reduce: 'sum-f64' }, [first, f64(0.2)])
    expect(new Float64Array(out.buffer)[0]).toBe(0.1 + 0.2)
    expect(new Float64Array(first.buffer)[0]).toBe(0.1)
  })

  test('integer sums wrap', () => {
    const u = assembleOutputs({ reduce: 'sum-u32' }, [u32(0xffffffff, 5), u32(2, 6)])
    expect([...new Uint32Array(u.buffer)]).toEqual([1, 11])
    const i = assembleOutputs({ reduce: 'sum-i32' }, [i32(0x7fffffff, -5), i32(1, 2)])
    expect([...new Int32Array(i.buffer)]).toEqual([-0x80000000, -3])
  })

  test('min and max, for integers and floats', () => {
    const results = [i32(-1, 7), i32(3, -9), i32(0, 0)]
    expect([...new Int32Array(assembleOutputs({ reduce: 'min-i32' }, results).buffer)]).toEqual([
      -1, -9,
    ])
    expect([...new Int32Array(assembleOutputs({ reduce: 'max-i32' }, results).buffer)]).toEqual([
      3, 7,
    ])
    const unsigned = [u32(0xffffffff), u32(1)]
    expect([...new Uint32Array(assembleOutputs({ reduce: 'max-u32' }, unsigned).buffer)]).toEqual([
      0xffffffff,
    ])
    expect([...new Uint32Array(assembleOutputs({ reduce: 'min-u32' }, unsigned).buffer)]).toEqual([
      1,
    ])
    expect(asF32(assembleOutputs({ reduce: 'max-f32' }, [f32(1.5, -2), f32(-1, -3)]))).toEqual([
      1.5, -2,
    ])
    expect(
      new Float64Array(assembleOutputs({ reduce: 'min-f64' }, [f64(2), f64(-1e300)]).buffer)[0],
    ).toBe(-1e300)
  })

  test('float min and max: a NaN wins, -0 is below +0', () => {
    const out = asF32(assembleOutputs({ reduce: 'min-f32' }, [f32(Number.NaN, 0), f32(1, -0)]))
    expect(out[0]).toBeNaN()
    expect(Object.is(out[1], -0)).toBe(true)
  })

  test('one result reduces to itself; results read from views at odd offsets', () => {
    const backing = new Uint8Array(9)
    backing.set(f64(4.25), 1)
    expect(
      new Float64Array(assembleOutputs({ reduce: 'sum-f64' }, [backing.subarray(1)]).buffer)[0],
    ).toBe(4.25)
  })

  test('results of different lengths cannot be reduced', () => {
    expect(() => assembleOutputs({ reduce: 'sum-u32' }, [u32(1, 2), u32(1)])).toThrow(
      OutputSizeError,
    )
    expect(() => assembleOutputs({ reduce: 'sum-f64' }, [bytes(1, 2, 3, 4)])).toThrow(
      OutputSizeError,
    )
  })
})
