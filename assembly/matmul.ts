// Dense matrix multiply C = A × B, WASM ABI v0 (see src/kernels/wasmAbi.ts). One work unit
// computes all of C: n×n row-major f32, with A then B packed in the input and params laid out
// as encodeMatmulParams writes them (u32 n, padded to 16 bytes). The TypeScript twin is
// src/kernels/matmul/reference.ts; it sums in f64, so results agree within f32 rounding only.

// Error codes returned by run(); 0 is success. Mirrored by matmulKernelErrorCodes.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INVALID_PARAMS: i32 = 2
const ERROR_UNIT_OUT_OF_RANGE: i32 = 3
const ERROR_INPUT_LENGTH: i32 = 4
const ERROR_OUTPUT_LENGTH: i32 = 5

const PARAMS_BYTES: u32 = 16
// A, B and C must fit in 32-bit memory: 3 × 8192² × 4 bytes is 768 MiB.
const MAX_N: u32 = 8192
// Columns of B and C per strip: the strip of B (n rows × 2 KiB) stays in cache while every
// row of A walks it, instead of B streaming from memory once per row.
const STRIP: i32 = 512

export { alloc, reset } from './allocator'

// i-k-j order: for each row of C, add A[i][k] × row k of B, four columns per f32x4; the
// columns past the last multiple of four take the scalar path.
function multiply(a: usize, b: usize, c: usize, n: i32): void {
  const rowBytes = (<usize>n) << 2
  for (let j0 = 0; j0 < n; j0 += STRIP) {
    const j1 = min(j0 + STRIP, n)
    const vectorEnd = j0 + ((j1 - j0) & ~3)
    for (let i = 0; i < n; i++) {
      const aRow = a + <usize>i * rowBytes
      const cRow = c + <usize>i * rowBytes
      for (let k = 0; k < n; k++) {
        const aik = load<f32>(aRow + ((<usize>k) << 2))
        const aikx4 = f32x4.splat(aik)
        const bRow = b + <usize>k * rowBytes
        let j = j0
        for (; j < vectorEnd; j += 4) {
          const at = (<usize>j) << 2
          const sum = f32x4.add(v128.load(cRow + at), f32x4.mul(aikx4, v128.load(bRow + at)))
          v128.store(cRow + at, sum)
        }
        for (; j < j1; j++) {
          const at = (<usize>j) << 2
          store<f32>(cRow + at, load<f32>(cRow + at) + aik * load<f32>(bRow + at))
        }
      }
    }
  }
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
  multiply(inputPtr, inputPtr + <usize>matrixBytes, outputPtr, <i32>n)
  return 0
}
