/** The scalar types a task can declare (parameters, reductions, float comparison), little-endian. */
export type ScalarType = 'u32' | 'i32' | 'f32' | 'f64'

export const scalarBytes: Record<ScalarType, number> = { u32: 4, i32: 4, f32: 4, f64: 8 }

export function readScalar(view: DataView, offset: number, type: ScalarType): number {
  switch (type) {
    case 'u32':
      return view.getUint32(offset, true)
    case 'i32':
      return view.getInt32(offset, true)
    case 'f32':
      return view.getFloat32(offset, true)
    case 'f64':
      return view.getFloat64(offset, true)
  }
}

export function writeScalar(view: DataView, offset: number, type: ScalarType, value: number): void {
  switch (type) {
    case 'u32':
      return view.setUint32(offset, value, true)
    case 'i32':
      return view.setInt32(offset, value, true)
    case 'f32':
      return view.setFloat32(offset, value, true)
    case 'f64':
      return view.setFloat64(offset, value, true)
  }
}

/** The element type a reduction such as `sum-f32` works in. */
export function reductionType(reduction: `${'sum' | 'min' | 'max'}-${ScalarType}`): ScalarType {
  return reduction.slice(4) as ScalarType
}
