import { ParamsError } from './errors.ts'
import type { Param, ParamType } from './manifestSchema.ts'
import { readScalar, scalarBytes, writeScalar } from './scalarTypes.ts'

/**
 * The job's parameters as bytes, shared by both kernel kinds: the WASM kernel receives them at
 * `paramsPtr`, and the WGSL uniform carries them right after its 16-byte unit header.
 *
 * Layout: the values in declaration order, little-endian, each at the next offset that is a
 * multiple of its own size (4 bytes for u32, i32, f32; 8 for f64), zero padding between; the
 * total is rounded up to a multiple of 16 (WGSL uniform structs are sized in 16-byte steps).
 * No parameters pack to 0 bytes. f32 values are rounded to nearest, as `Math.fround` does.
 */
export type ParamDeclaration = { name: string; type: ParamType }

export type ParamLayout = { offsets: number[]; byteLength: number }

export function paramLayout(params: readonly ParamDeclaration[]): ParamLayout {
  const offsets: number[] = []
  let end = 0
  for (const { type } of params) {
    const size = scalarBytes[type]
    const offset = Math.ceil(end / size) * size
    offsets.push(offset)
    end = offset + size
  }
  return { offsets, byteLength: Math.ceil(end / 16) * 16 }
}

/**
 * Packs typed values into the documented layout; throws `task/invalid-params` for a value its
 * type cannot hold.
 *
 * @example
 * packParams([{ name: 'scale', type: 'f32', value: 2 }, { name: 'n', type: 'u32', value: 10 }])
 * // 16 bytes: f32 2 at 0, u32 10 at 4, then zeros
 */
export function packParams(params: readonly Param[]): Uint8Array<ArrayBuffer> {
  const { offsets, byteLength } = paramLayout(params)
  const bytes = new Uint8Array(byteLength)
  const view = new DataView(bytes.buffer)
  params.forEach(({ name, type, value }, i) => {
    assertFits(name, type, value)
    writeScalar(view, offsets[i] ?? 0, type, value)
  })
  return bytes
}

/**
 * Reads packed parameters back against their declarations; throws `task/invalid-params` when
 * the length is not the layout's.
 *
 * @example
 * unpackParams([{ name: 'n', type: 'u32' }], packParams([{ name: 'n', type: 'u32', value: 7 }]))
 * // [{ name: 'n', type: 'u32', value: 7 }]
 */
export function unpackParams(declared: readonly ParamDeclaration[], bytes: Uint8Array): Param[] {
  const { offsets, byteLength } = paramLayout(declared)
  if (bytes.length !== byteLength)
    throw new ParamsError(`expected ${byteLength} bytes of parameters, got ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return declared.map(({ name, type }, i) => ({
    name,
    type,
    value: readScalar(view, offsets[i] ?? 0, type),
  }))
}

const ranges = { u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff] } as const

function assertFits(name: string, type: ParamType, value: number): void {
  if (type === 'u32' || type === 'i32') {
    const [min, max] = ranges[type]
    if (!Number.isInteger(value) || value < min || value > max)
      throw new ParamsError(`${name}: ${value} is not a ${type} (an integer in ${min}..${max})`)
  } else if (!Number.isFinite(type === 'f32' ? Math.fround(value) : value)) {
    throw new ParamsError(`${name}: ${value} is not a finite ${type}`)
  }
}
