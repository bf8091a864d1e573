// Word frequencies, WASM ABI v0 (see src/kernels/wasmAbi.ts). A split unit: the input is one
// chunk of ASCII / UTF-8 text, the params one u32, `buckets` (packed to 16 bytes), the output
// `buckets` u32 counts. A word is a maximal run of ASCII letters inside the chunk, counted in
// bucket FNV-1a(lowercased word) % buckets; the chunk's edges end words. The TypeScript twin is
// src/kernels/wordfreq/reference.ts; the output must be the same bytes.
//
// No SIMD: FNV-1a is a chain of dependent multiplies, one byte at a time, and that chain, not
// the byte classification, bounds the loop.

export { alloc, reset } from './allocator'

// Error codes returned by run(); 0 is success. Mirrored by wordfreqKernelErrorCodes.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INVALID_PARAMS: i32 = 2
const ERROR_OUTPUT_LENGTH: i32 = 3

const PARAMS_BYTES: u32 = 16
const FNV_OFFSET_BASIS: u32 = 0x811c9dc5
const FNV_PRIME: u32 = 0x01000193

function count(outputPtr: usize, hash: u32, buckets: u32): void {
  const at = outputPtr + ((<usize>(hash % buckets)) << 2)
  store<u32>(at, load<u32>(at) + 1)
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
  const buckets = load<u32>(paramsPtr)
  if (buckets == 0) return ERROR_INVALID_PARAMS
  if (<u64>outputLen != <u64>buckets * 4) return ERROR_OUTPUT_LENGTH

  memory.fill(outputPtr, 0, outputLen)
  let inWord = false
  let hash: u32 = 0
  for (let i: u32 = 0; i < inputLen; i++) {
    const lower = (<u32>load<u8>(inputPtr + <usize>i)) | 0x20
    // ASCII letters, and only they, land in 'a'..'z' once bit 5 is set.
    if (lower - 0x61 < 26) {
      if (!inWord) hash = FNV_OFFSET_BASIS
      hash = (hash ^ lower) * FNV_PRIME
      inWord = true
    } else if (inWord) {
      count(outputPtr, hash, buckets)
      inWord = false
    }
  }
  if (inWord) count(outputPtr, hash, buckets)
  return 0
}
