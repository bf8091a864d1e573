// Dense matrix multiply C = A × B on several threads, WASM ABI v0 for threaded kernels (see
// src/kernels/wasmAbi.ts): each unit is one product, with the input, params and output of
// matmul.ts (A then B in, C out, n×n row-major f32), and matmul.ts's algorithm; each thread
// computes the MC-row blocks of C numbered thread, thread + threads, ... so the product is
// bit-identical to matmul.ts's for any thread count. Built with a shared, imported memory.
import { multiply } from './matmul'
import { alloc } from './sharedAllocator'

export { alloc, reset } from './sharedAllocator'

// Error codes returned by runThread(); 0 is success. The same as matmul.ts's.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INVALID_PARAMS: i32 = 2
const ERROR_UNIT_OUT_OF_RANGE: i32 = 3
const ERROR_INPUT_LENGTH: i32 = 4
const ERROR_OUTPUT_LENGTH: i32 = 5
const ERROR_OUT_OF_MEMORY: i32 = 6

const PARAMS_BYTES: u32 = 16
const MAX_N: u32 = 8192

export function runThread(
  thread: u32,
  threads: u32,
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
  if (n < 1 || n > MAX_N || threads < 1 || thread >= threads) return ERROR_INVALID_PARAMS
  if (unitIndex >= unitCount) return ERROR_UNIT_OUT_OF_RANGE
  const matrixBytes = n * n * 4
  if (inputLen != matrixBytes * 2) return ERROR_INPUT_LENGTH
  if (outputLen != matrixBytes) return ERROR_OUTPUT_LENGTH

  // The host zeroed C before any thread started; each thread writes only its own rows.
  const b = inputPtr + <usize>matrixBytes
  if (!multiply(inputPtr, b, outputPtr, <i32>n, <i32>thread, <i32>threads, alloc))
    return ERROR_OUT_OF_MEMORY
  return 0
}
