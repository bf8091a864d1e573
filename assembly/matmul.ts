// Dense matrix multiply C = A × B, WASM ABI v0 (see src/kernels/wasmAbi.ts). One work unit
// computes all of C: n×n row-major f32, with A then B packed in the input and params laid out
// as encodeMatmulParams writes them (u32 n, padded to 16 bytes). The TypeScript twin is
// src/kernels/matmul/reference.ts; it sums in f64, so results agree within f32 rounding only.
//
// The algorithm is BLIS's, at wasm SIMD's 128-bit width: B is packed into panels of NR columns
// per cache block, A into panels of MR rows, and a micro-kernel keeps an MR×NR block of C in
// v128 registers across a whole KC-long slice of k. bench/matmul/native/matmul.c is its twin in
// C: same blocking, same operations in the same order, so the two give bit-identical C.

// Error codes returned by run(); 0 is success. Mirrored by matmulKernelErrorCodes.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INVALID_PARAMS: i32 = 2
const ERROR_UNIT_OUT_OF_RANGE: i32 = 3
const ERROR_INPUT_LENGTH: i32 = 4
const ERROR_OUTPUT_LENGTH: i32 = 5
const ERROR_OUT_OF_MEMORY: i32 = 6

const PARAMS_BYTES: u32 = 16
// A, B and C must fit in 32-bit memory: 3 × 8192² × 4 bytes is 768 MiB.
const MAX_N: u32 = 8192

// Micro-kernel block: MR rows × NR columns of C, two v128 per row, 8 accumulators; with two
// of B, one splat of A and one product that is 12 of the 16 SIMD registers of x86-64 (V8
// keeps one as scratch), so nothing spills. Measured in V8: 4×12, 4×16, 5×8, 6×8 and 8×8
// spill and run at half the speed of 4×8.
const MR: i32 = 4
const NR: i32 = 8
// Cache blocks: a KC×NR panel of B (8 KiB) stays in L1 while the MC×KC block of A (128 KiB,
// in L2) streams past it; the KC×NC block of B (up to 2 MiB) is packed once per KC slice.
const KC: i32 = 256
const MC: i32 = 128
const NC: i32 = 2048

import { alloc } from './allocator'

export { alloc, reset } from './allocator'

// Copies B[k0 .. k0+kc)[j0 .. j0+nc) into panels of NR columns, each k-major (NR floats per
// k), columns past n as zeros so that the micro-kernel never needs a column bound.
function packB(b: usize, n: i32, k0: i32, kc: i32, j0: i32, nc: i32, packed: usize): void {
  const rowBytes = (<usize>n) << 2
  let out = packed
  for (let jr = 0; jr < nc; jr += NR) {
    const columns = min(NR, nc - jr)
    let row = b + <usize>k0 * rowBytes + ((<usize>(j0 + jr)) << 2)
    if (columns == NR) {
      for (let k = 0; k < kc; k++) {
        v128.store(out, v128.load(row))
        v128.store(out, v128.load(row, 16), 16)
        row += rowBytes
        out += NR << 2
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < NR; j++) {
          const value = j < columns ? load<f32>(row + ((<usize>j) << 2)) : 0
          store<f32>(out + ((<usize>j) << 2), value)
        }
        row += rowBytes
        out += NR << 2
      }
    }
  }
}

// Copies A[i0 .. i0+mc)[k0 .. k0+kc) into panels of MR rows, each k-major (MR floats per k),
// rows past n as zeros.
function packA(a: usize, n: i32, i0: i32, mc: i32, k0: i32, kc: i32, packed: usize): void {
  const rowBytes = (<usize>n) << 2
  let out = packed
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir)
    const panel = a + <usize>(i0 + ir) * rowBytes + ((<usize>k0) << 2)
    for (let k = 0; k < kc; k++) {
      const at = panel + ((<usize>k) << 2)
      for (let r = 0; r < MR; r++) {
        const value = r < rows ? load<f32>(at + <usize>r * rowBytes) : 0
        store<f32>(out + ((<usize>r) << 2), value)
      }
      out += MR << 2
    }
  }
}

// C[0 .. MR)[0 .. NR) += (A panel) × (B panel) over kc values of k, C's rows `cStride` bytes
// apart. The block of C is loaded once, summed into in k order (as C[i][j] += A[i][k]·B[k][j]
// one k after another) and stored once.
function microKernel(ap: usize, bp: usize, kc: i32, c: usize, cStride: usize): void {
  const c1 = c + cStride
  const c2 = c1 + cStride
  const c3 = c2 + cStride
  let c00 = v128.load(c)
  let c01 = v128.load(c, 16)
  let c10 = v128.load(c1)
  let c11 = v128.load(c1, 16)
  let c20 = v128.load(c2)
  let c21 = v128.load(c2, 16)
  let c30 = v128.load(c3)
  let c31 = v128.load(c3, 16)
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp)
    const b1 = v128.load(bp, 16)
    let a = v128.load32_splat(ap)
    c00 = f32x4.add(c00, f32x4.mul(a, b0))
    c01 = f32x4.add(c01, f32x4.mul(a, b1))
    a = v128.load32_splat(ap, 4)
    c10 = f32x4.add(c10, f32x4.mul(a, b0))
    c11 = f32x4.add(c11, f32x4.mul(a, b1))
    a = v128.load32_splat(ap, 8)
    c20 = f32x4.add(c20, f32x4.mul(a, b0))
    c21 = f32x4.add(c21, f32x4.mul(a, b1))
    a = v128.load32_splat(ap, 12)
    c30 = f32x4.add(c30, f32x4.mul(a, b0))
    c31 = f32x4.add(c31, f32x4.mul(a, b1))
    ap += MR << 2
    bp += NR << 2
  }
  v128.store(c, c00)
  v128.store(c, c01, 16)
  v128.store(c1, c10)
  v128.store(c1, c11, 16)
  v128.store(c2, c20)
  v128.store(c2, c21, 16)
  v128.store(c3, c30)
  v128.store(c3, c31, 16)
}

// Copies a rows × columns block of f32 between two row strides (in bytes).
function copyBlock(
  from: usize,
  fromStride: usize,
  to: usize,
  toStride: usize,
  rows: i32,
  columns: i32,
): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < columns; j++) {
      const at = (<usize>j) << 2
      store<f32>(to + <usize>r * toStride + at, load<f32>(from + <usize>r * fromStride + at))
    }
  }
}

const roundUp = (value: i32, multiple: i32): i32 => ((value + multiple - 1) / multiple) * multiple

// C += A × B in blocks: for each NC-wide block of columns and KC-long slice of k, B's block is
// packed once; for each MC-tall block of rows A's block is packed, then every NR-wide panel of
// B meets every MR-tall panel of A in the micro-kernel. Returns false if memory cannot grow
// for the packing buffers (taken from `allocate`).
//
// Only the MC-row blocks first, first + step, first + 2·step, ... of C are computed (all of C
// with 0 and 1). Each element of C sees the same operations in the same order whatever the
// split, so threads that share the blocks out (matmulThreads.ts) give the same bits as one.
export function multiply(
  a: usize,
  b: usize,
  c: usize,
  n: i32,
  first: i32,
  step: i32,
  allocate: (bytes: u32) => usize,
): bool {
  const rowBytes = (<usize>n) << 2
  // Packed blocks are whole panels: their last rows or columns are padding.
  const ncMax = roundUp(min(NC, n), NR)
  const kcMax = min(KC, n)
  const mcMax = roundUp(min(MC, n), MR)
  const packedB = allocate((<u32>(kcMax * ncMax)) << 2)
  const packedA = allocate((<u32>(kcMax * mcMax)) << 2)
  const edge = allocate((<u32>(MR * NR)) << 2)
  if (packedB == 0 || packedA == 0 || edge == 0) return false

  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0)
    for (let k0 = 0; k0 < n; k0 += KC) {
      const kc = min(KC, n - k0)
      packB(b, n, k0, kc, j0, nc, packedB)
      for (let i0 = first * MC; i0 < n; i0 += step * MC) {
        const mc = min(MC, n - i0)
        packA(a, n, i0, mc, k0, kc, packedA)
        for (let jr = 0; jr < nc; jr += NR) {
          const columns = min(NR, nc - jr)
          const bp = packedB + <usize>(jr * kc) * 4
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir)
            const ap = packedA + <usize>(ir * kc) * 4
            const cBlock = c + <usize>(i0 + ir) * rowBytes + ((<usize>(j0 + jr)) << 2)
            // A block that the matrix edge cuts goes through a zero-padded MR×NR copy (the
            // packed zeros make its extra rows and columns zero products). One call site, so
            // that the compiler inlines the micro-kernel here.
            const whole = rows == MR && columns == NR
            if (!whole) {
              memory.fill(edge, 0, (MR * NR) << 2)
              copyBlock(cBlock, rowBytes, edge, NR << 2, rows, columns)
            }
            microKernel(ap, bp, kc, whole ? cBlock : edge, whole ? rowBytes : NR << 2)
            if (!whole) copyBlock(edge, NR << 2, cBlock, rowBytes, rows, columns)
          }
        }
      }
    }
  }
  return true
}

export function run(
  unitIndex: u32,
  unitCount: u32,
  paramsPtr: usize,
  paramsLen: u32,
  inputPtr: usize,
  inputLen: u32,
  outputPtr: usize,
  outputLen: u32,
): i32 {
  if (paramsLen != PARAMS_BYTES) return ERROR_PARAMS_LENGTH
  const n = load<u32>(paramsPtr)
  if (n < 1 || n > MAX_N) return ERROR_INVALID_PARAMS
  if (unitCount != 1 || unitIndex != 0) return ERROR_UNIT_OUT_OF_RANGE
  const matrixBytes = n * n * 4
  if (inputLen != matrixBytes * 2) return ERROR_INPUT_LENGTH
  if (outputLen != matrixBytes) return ERROR_OUTPUT_LENGTH

  memory.fill(outputPtr, 0, outputLen)
  const b = inputPtr + <usize>matrixBytes
  if (!multiply(inputPtr, b, outputPtr, <i32>n, 0, 1, alloc)) return ERROR_OUT_OF_MEMORY
  return 0
}
