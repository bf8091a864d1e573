import { describe, expect, test } from 'vitest'
import { ParamsError } from './errors.ts'
import type { Param } from './manifestSchema.ts'
import { packParams, paramLayout, unpackParams } from './packParams.ts'
import { packUnitUniform, unitHeaderBytes } from './packUnitUniform.ts'

describe('packParams', () => {
  test('no parameters pack to no bytes', () => {
    expect(packParams([]).length).toBe(0)
    expect(unpackParams([], new Uint8Array(0))).toEqual([])
  })

  test('values are little-endian, in order, and the total is padded to 16 bytes', () => {
    const bytes = packParams([
      { name: 'a', type: 'f32', value: 2 },
      { name: 'n', type: 'u32', value: 0x01020304 },
    ])
    expect([...bytes]).toEqual([0, 0, 0, 0x40, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0])
  })

  test('an f64 starts at the next multiple of 8', () => {
    expect(
      paramLayout([
        { name: 'a', type: 'u32' },
        { name: 'x', type: 'f64' },
        { name: 'b', type: 'i32' },
      ]),
    ).toEqual({ offsets: [0, 8, 16], byteLength: 32 })
  })

  test.each([1, 4, 5, 8])('%i scalars of 4 bytes take a multiple of 16 bytes', (count) => {
    const { byteLength } = paramLayout(
      Array.from({ length: count }, () => ({ name: 'p', type: 'u32' as const })),
    )
    expect(byteLength % 16).toBe(0)
    expect(byteLength).toBe(Math.ceil((count * 4) / 16) * 16)
  })

  test('round trip of every type at its limits', () => {
    const params: Param[] = [
      { name: 'u0', type: 'u32', value: 0 },
      { name: 'u1', type: 'u32', value: 0xffffffff },
      { name: 'i0', type: 'i32', value: -0x80000000 },
      { name: 'i1', type: 'i32', value: 0x7fffffff },
      { name: 'f0', type: 'f32', value: -0 },
      { name: 'f1', type: 'f32', value: 3.4028234663852886e38 },
      { name: 'f2', type: 'f32', value: 1.401298464324817e-45 },
      { name: 'd0', type: 'f64', value: Number.MAX_VALUE },
      { name: 'd1', type: 'f64', value: Math.PI },
    ]
    const bytes = packParams(params)
    expect(bytes.length).toBe(48)
    const back = unpackParams(params, bytes)
    expect(back).toEqual(params)
    expect(Object.is(back[4]?.value, -0)).toBe(true)
  })

  test('f32 values are rounded to nearest', () => {
    const declared = [{ name: 'x', type: 'f32' as const }]
    const [back] = unpackParams(declared, packParams([{ ...declared[0]!, value: 0.1 }]))
    expect(back?.value).toBe(Math.fround(0.1))
  })

  test('unpacking reads from a view at any offset', () => {
    const packed = packParams([{ name: 'n', type: 'u32', value: 7 }])
    const shifted = new Uint8Array(packed.length + 3)
    shifted.set(packed, 3)
    expect(unpackParams([{ name: 'n', type: 'u32' }], shifted.subarray(3))).toEqual([
      { name: 'n', type: 'u32', value: 7 },
    ])
  })

  test.each<Param>([
    { name: 'n', type: 'u32', value: -1 },
    { name: 'n', type: 'u32', value: 2 ** 32 },
    { name: 'n', type: 'u32', value: 1.5 },
    { name: 'n', type: 'i32', value: 2 ** 31 },
    { name: 'x', type: 'f32', value: 1e39 },
    { name: 'x', type: 'f64', value: Number.NaN },
  ])('refuses $value as $type', (param) => {
    expect(() => packParams([param])).toThrow(ParamsError)
  })

  test('unpacking refuses bytes of the wrong length', () => {
    expect(() => unpackParams([{ name: 'n', type: 'u32' }], new Uint8Array(4))).toThrow(
      /expected 16 bytes of parameters, got 4/,
    )
  })
})

describe('packUnitUniform', () => {
  test('the unit header comes first, then the params, 16-aligned', () => {
    const params = packParams([{ name: 'a', type: 'f32', value: 1.5 }])
    const bytes = packUnitUniform({ index: 3, count: 10, inputBytes: 4096 }, params)
    const view = new DataView(bytes.buffer)
    expect(bytes.length).toBe(unitHeaderBytes + 16)
    expect([view.getUint32(0, true), view.getUint32(4, true), view.getUint32(8, true)]).toEqual([
      3, 10, 4096,
    ])
    expect(view.getUint32(12, true)).toBe(0)
    expect(view.getFloat32(16, true)).toBe(1.5)
  })

  test('with no params the uniform is the 16-byte header alone', () => {
    expect(packUnitUniform({ index: 0, count: 1, inputBytes: 0 }, new Uint8Array(0)).length).toBe(
      16,
    )
  })
})
