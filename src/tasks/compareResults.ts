import type { Comparison } from './manifestSchema.ts'
import { scalarBytes } from './scalarTypes.ts'

export type CompareResultsReturnType =
  | { equal: true }
  | {
      equal: false
      /** First differing element: a byte index (exact), an element index (float). */
      index: number
      /** The differing values; undefined past the end of the shorter result. */
      a: number | undefined
      b: number | undefined
    }

/**
 * Compares two unit results. `exact`: the same bytes. `float`: the same length, and element by
 * element (little-endian `elementType`) either both NaN, or equal (so -0 equals +0, and an
 * infinity equals only itself), or `|a - b| <= absolute + relative * |b|`. The test is not
 * symmetric: `b` is the reference, the first result of a group (see `groupResults`). Bytes past
 * the last whole element are compared exactly.
 *
 * @example
 * compareResults(a, b, { mode: 'float', elementType: 'f32', absolute: 1e-6, relative: 1e-5 })
 */
export function compareResults(
  a: Uint8Array,
  b: Uint8Array,
  comparison: Comparison,
): CompareResultsReturnType {
  if (comparison.mode === 'exact') return compareBytes(a, b)
  const size = scalarBytes[comparison.elementType]
  const elements = Math.floor(Math.min(a.length, b.length) / size)
  const viewA = new DataView(a.buffer, a.byteOffset, a.byteLength)
  const viewB = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const read =
    comparison.elementType === 'f32'
      ? (view: DataView, i: number) => view.getFloat32(i * 4, true)
      : (view: DataView, i: number) => view.getFloat64(i * 8, true)
  const { absolute, relative } = comparison
  for (let i = 0; i < elements; i++) {
    const x = read(viewA, i)
    const y = read(viewB, i)
    if (x === y || (x !== x && y !== y)) continue
    // Past the equality above, an infinity differs from everything (relative * ∞ would not).
    if (Number.isFinite(y) && Math.abs(x - y) <= absolute + relative * Math.abs(y)) continue
    return { equal: false, index: i, a: x, b: y }
  }
  if (a.length !== b.length) {
    const next = (view: DataView) =>
      view.byteLength >= (elements + 1) * size ? read(view, elements) : undefined
    return { equal: false, index: elements, a: next(viewA), b: next(viewB) }
  }
  const tail = compareBytes(a.subarray(elements * size), b.subarray(elements * size))
  return tail.equal ? tail : { equal: false, index: elements, a: undefined, b: undefined }
}

function compareBytes(a: Uint8Array, b: Uint8Array): CompareResultsReturnType {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++)
    if (a[i] !== b[i]) return { equal: false, index: i, a: a[i], b: b[i] }
  if (a.length === b.length) return { equal: true }
  return { equal: false, index: length, a: a[length], b: b[length] }
}
