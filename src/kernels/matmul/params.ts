/** The uniform of the matmul kernels: `struct Params { n: u32 }`, padded to 16 bytes. */
export function encodeMatmulParams(n: number): Uint8Array<ArrayBuffer> {
  assertMatrixSize(n)
  return new Uint8Array(new Uint32Array([n, 0, 0, 0]).buffer)
}

/** A then B, row-major f32, one after the other: the kernels' input. */
export function packMatmulInput(a: Float32Array, b: Float32Array): Uint8Array<ArrayBuffer> {
  if (a.length !== b.length) throw new RangeError('packMatmulInput: A and B differ in size')
  const packed = new Float32Array(a.length * 2)
  packed.set(a)
  packed.set(b, a.length)
  return new Uint8Array(packed.buffer)
}

/** Bytes of C for n×n matrices. */
export function matmulOutputBytes(n: number): number {
  assertMatrixSize(n)
  return n * n * Float32Array.BYTES_PER_ELEMENT
}

function assertMatrixSize(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`matrix size ${n} is not a positive integer`)
}
