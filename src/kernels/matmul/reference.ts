/**
 * C = A × B for n×n row-major matrices, the plain TypeScript twin of the WGSL kernels. Sums in
 * float64 and rounds once, so it is at least as accurate as any f32 kernel it checks.
 *
 * @example
 * matmulReference(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), 2)
 * // Float32Array [19, 22, 43, 50]
 */
export function matmulReference(a: Float32Array, b: Float32Array, n: number): Float32Array {
  if (a.length !== n * n || b.length !== n * n)
    throw new RangeError(`matmulReference: A and B must hold ${n}×${n} elements`)
  const c = new Float32Array(n * n)
  const row = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    row.fill(0)
    // i-k-j order walks B and C row by row.
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!
      for (let j = 0; j < n; j++) row[j]! += aik * b[k * n + j]!
    }
    c.set(row, i * n)
  }
  return c
}
