import { beforeAll, describe, expect, test } from 'vitest'
import { compareResults } from '../../tasks/compareResults.ts'
import { packParams } from '../../tasks/packParams.ts'
import { runWasmUnit } from '../wasmAbi.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import { wordfreqSample } from './catalogue.ts'
import { createSampleText } from './createSampleText.ts'
import { wordfreqBucketsParam, wordfreqKernelErrorCodes } from './params.ts'
import { wordfreqReference } from './reference.ts'

let instance: WebAssembly.Instance

beforeAll(async () => {
  instance = await instantiateBuiltKernel('wordfreq')
})

const paramsFor = (buckets: number) =>
  packParams([{ name: wordfreqBucketsParam, type: 'u32', value: buckets }])

function runUnit(index: number, count: number, input: Uint8Array, buckets: number): Uint8Array {
  return runWasmUnit(instance, {
    index,
    count,
    params: paramsFor(buckets),
    input,
    outputBytes: buckets * 4,
  }).output
}

describe('wordfreq wasm kernel', () => {
  const { chunkBytes, buckets } = wordfreqSample
  // The sample's chunk size, with a short last unit.
  const totalBytes = 3 * chunkBytes + 777
  const { text } = createSampleText({ chunkBytes, totalBytes })
  const unitCount = Math.ceil(totalBytes / chunkBytes)

  test.each([0, 1, unitCount - 1])('sample unit %i equals the reference', (index) => {
    const slice = text.subarray(index * chunkBytes, (index + 1) * chunkBytes)
    const output = runUnit(index, unitCount, slice, buckets)
    expect(compareResults(output, wordfreqReference(slice, buckets), { mode: 'exact' })).toEqual({
      equal: true,
    })
  })

  const encode = (text: string) => new TextEncoder().encode(text)
  test.each([
    ['letters at both edges', 'Edge words and EDGE'],
    ['one long word', 'z'.repeat(chunkBytes)],
    ['UTF-8 and punctuation', "naïve café, don't; well-known 1999 Œuvre"],
    ['no words', ' 12 \n\t ... '],
    ['one letter', 'q'],
  ])('%s equals the reference in 1, 7 and 4096 buckets', (_, textOf) => {
    const input = encode(textOf)
    for (const b of [1, 7, 4096])
      expect(
        compareResults(runUnit(2, 3, input, b), wordfreqReference(input, b), { mode: 'exact' }),
      ).toEqual({ equal: true })
  })

  test('bad params or sizes make run() fail with the kernel error code', () => {
    const unit = { index: 0, count: 1, params: paramsFor(8), input: encode('a b'), outputBytes: 32 }
    expect(() => runWasmUnit(instance, { ...unit, params: unit.params.subarray(0, 4) })).toThrow(
      expect.objectContaining({
        code: 'kernel/run-failed',
        kernelCode: wordfreqKernelErrorCodes.paramsLength,
      }),
    )
    expect(() => runWasmUnit(instance, { ...unit, params: paramsFor(0) })).toThrow(
      expect.objectContaining({ kernelCode: wordfreqKernelErrorCodes.invalidParams }),
    )
    expect(() => runWasmUnit(instance, { ...unit, outputBytes: 28 })).toThrow(
      expect.objectContaining({ kernelCode: wordfreqKernelErrorCodes.outputLength }),
    )
  })
})
