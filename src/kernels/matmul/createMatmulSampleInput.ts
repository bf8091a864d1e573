import { unitRandomU32 } from '../../tasks/unitRandom.ts'

export type CreateMatmulSampleInputParameters = {
  /** Rows and columns of every matrix. */
  n: number
  /** Pairs (A, B) in the batch. */
  pairs: number
  seed?: number
}

/**
 * A batch of `pairs` pairs (A, B) of n×n row-major f32 matrices, each A followed by its B,
 * with entries uniform in [−1, 1): 24 random bits from the Task API's counter-based generator
 * (pair p, entry i), so the same bytes on every machine. Each entry is exact in f32.
 *
 * @example
 * const input = new Blob([createMatmulSampleInput({ n: 64, pairs: 100 })])
 */
export function createMatmulSampleInput(
  parameters: CreateMatmulSampleInputParameters,
): Uint8Array<ArrayBuffer> {
  const { n, pairs, seed = 2024 } = parameters
  const perPair = 2 * n * n
  const values = new Float32Array(pairs * perPair)
  for (let p = 0; p < pairs; p++) {
    for (let i = 0; i < perPair; i++) {
      const bits = unitRandomU32({ seed, unit: p, element: i, draw: 0 }) >>> 8
      values[p * perPair + i] = (bits - 0x800000) / 0x800000
    }
  }
  // Float32Array is host-endian; the input is little-endian by contract.
  const bytes = new Uint8Array(values.length * 4)
  const view = new DataView(bytes.buffer)
  values.forEach((value, i) => view.setFloat32(i * 4, value, true))
  return bytes
}
