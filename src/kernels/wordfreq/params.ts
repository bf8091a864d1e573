import type { Param } from '../../tasks/manifestSchema.ts'

/** The one manifest parameter: the histogram's number of buckets (a u32 each in the output). */
export const wordfreqBucketsParam = 'buckets'

/** Non-zero codes the wasm kernel's run() returns (see `assembly/wordfreq.ts`). */
export const wordfreqKernelErrorCodes = {
  paramsLength: 1,
  invalidParams: 2,
  outputLength: 3,
} as const

/** The bucket count of a word-frequency manifest; throws when it is missing. */
export function wordfreqBucketsOf(params: readonly Param[]): number {
  const param = params.find((p) => p.name === wordfreqBucketsParam)
  if (param?.type !== 'u32' || param.value < 1)
    throw new Error(`the u32 parameter "${wordfreqBucketsParam}" (at least 1) is missing`)
  return param.value
}
