import { matmulReference } from './reference.ts'

/**
 * One unit of the catalogue's matmul job, in plain TypeScript: the input holds one or more
 * pairs (A, B) of n×n row-major f32 matrices, each A followed by its B; the output is each
 * C = A × B (matmulReference: f64 sums, rounded once) in the same order, as little-endian f32.
 *
 * @example
 * matmulBatchReference({ input: packMatmulInput(a, b), n: 2 }) // the bytes of A × B
 */
export function matmulBatchReference(unit: {
  input: Uint8Array
  n: number
}): Uint8Array<ArrayBuffer> {
  const { input, n } = unit
  const matrixBytes = n * n * 4
  if (!Number.isInteger(n) || n < 1 || input.length === 0 || input.length % (2 * matrixBytes) !== 0)
    throw new RangeError(
      `matmulBatchReference: ${input.length} bytes are not whole pairs of ${n}×${n} f32 matrices`,
    )
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength)
  const matrixAt = (offset: number) =>
    Float32Array.from({ length: n * n }, (_, i) => view.getFloat32(offset + i * 4, true))
  const pairs = input.length / (2 * matrixBytes)
  const output = new Uint8Array(pairs * matrixBytes)
  const out = new DataView(output.buffer)
  for (let p = 0; p < pairs; p++) {
    const c = matmulReference(matrixAt(2 * p * matrixBytes), matrixAt((2 * p + 1) * matrixBytes), n)
    c.forEach((value, i) => out.setFloat32(p * matrixBytes + i * 4, value, true))
  }
  return output
}
