// A batch of dense matrix products, WASM ABI v0 (see src/kernels/wasmAbi.ts): the unit's input
// is one or more independent pairs (A, B) of n×n row-major f32 matrices, each A followed by its
// B, and the output is each C = A × B in the same order. Params: u32 n, padded to 16 bytes.
// The catalogue's matmul job runs this rather than assembly/matmul.ts, whose one unit is the
// whole job (unitCount 1). The TypeScript twin is src/kernels/matmul/matmulBatchReference.ts;
// it sums in f64, so results agree within f32 rounding only.

// Error codes returned by run(); 0 is success. Mirrored by matmulBatchKernelErrorCodes.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INVALID_PARAMS: i32 = 2
const ERROR_INPUT_LENGTH: i32 = 3
const ERROR_OUTPUT_LENGTH: i32 = 4

const PARAMS_BYTES: u32 = 16
// A pair (8n² bytes) must fit a unit's 32 MiB input.
const MAX_N: u32 = 2048
// Columns of B and C per strip, as in assembly/matmul.ts: the strip of B stays in cache while
// every row of A walks it.
const STRIP: i32 = 512

export { alloc, reset } from './allocator'

// The loop of assembly/matmul.ts: i-k-j order, C's row += A[i][k] × row k of B, four columns per
// f32x4, the columns past the last multiple of four on the scalar path. C starts at zero.
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
  const matrixBytes = n * n * 4
  const pairBytes = matrixBytes * 2
  if (inputLen == 0 || inputLen % pairBytes != 0) return ERROR_INPUT_LENGTH
  const pairs = inputLen / pairBytes
  if (outputLen != pairs * matrixBytes) return ERROR_OUTPUT_LENGTH

  memory.fill(outputPtr, 0, outputLen)
  for (let p: u32 = 0; p < pairs; p++) {
    const a = inputPtr + <usize>p * <usize>pairBytes
    multiply(a, a + <usize>matrixBytes, outputPtr + <usize>p * <usize>matrixBytes, <i32>n)
  }
  return 0
}
