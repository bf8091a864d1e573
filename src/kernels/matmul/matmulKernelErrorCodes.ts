/** Codes returned by the matmul wasm kernel's run(); they mirror assembly/matmul.ts. */
export const matmulKernelErrorCodes = {
  paramsLength: 1,
  invalidParams: 2,
  unitOutOfRange: 3,
  inputLength: 4,
  outputLength: 5,
  /** Memory could not grow for the packing buffers that run() allocates. */
  outOfMemory: 6,
} as const
