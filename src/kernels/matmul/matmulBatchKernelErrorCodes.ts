/** Codes returned by the batch matmul wasm kernel's run(); they mirror assembly/matmulBatch.ts. */
export const matmulBatchKernelErrorCodes = {
  paramsLength: 1,
  invalidParams: 2,
  inputLength: 3,
  outputLength: 4,
} as const
