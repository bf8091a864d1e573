import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, test } from 'vitest'
import { compareResults } from '../../tasks/compareResults.ts'
import { packParams } from '../../tasks/packParams.ts'
import { runWasmUnit } from '../wasmAbi.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import { sha256NonceHits, sha256NonceSampleParams } from './catalogue.ts'
import {
  sha256NonceKernelErrorCodes,
  sha256NonceManifestParams,
  sha256NonceMessage,
  sha256NonceSlotBytes,
  type Sha256NonceParams,
} from './params.ts'
import { sha256NonceReference } from './reference.ts'

let instance: WebAssembly.Instance

beforeAll(async () => {
  instance = await instantiateBuiltKernel('sha256nonce')
})

function runUnit(index: number, count: number, params: Sha256NonceParams): Uint8Array {
  return runWasmUnit(instance, {
    index,
    count,
    params: packParams(sha256NonceManifestParams(params)),
    input: new Uint8Array(0),
    outputBytes: params.slotsPerUnit * sha256NonceSlotBytes,
  }).output
}

const prefix = sha256NonceSampleParams.prefix

describe('sha256nonce wasm kernel', () => {
  // 103, 1, 2 and 3 nonces leave 3, 1, 2 and 3 lanes of the last SIMD group past the run.
  test.each([
    { index: 0, count: 10, zeroBits: 6, slotsPerUnit: 8, noncesPerSlot: 103 },
    { index: 7, count: 10, zeroBits: 6, slotsPerUnit: 8, noncesPerSlot: 103 },
    { index: 9, count: 10, zeroBits: 4, slotsPerUnit: 5, noncesPerSlot: 1 },
    { index: 4, count: 10, zeroBits: 3, slotsPerUnit: 7, noncesPerSlot: 2 },
    { index: 5, count: 10, zeroBits: 2, slotsPerUnit: 3, noncesPerSlot: 3 },
    { index: 1, count: 4, zeroBits: 0, slotsPerUnit: 4, noncesPerSlot: 9 },
    { index: 2, count: 4, zeroBits: 32, slotsPerUnit: 4, noncesPerSlot: 64 },
    { index: 0, count: 1, zeroBits: 12, slotsPerUnit: 64, noncesPerSlot: 1024 },
    // The first nonce is 2³² − 4: the run wraps to 0 .. 7 inside a SIMD group's lanes.
    { index: 357_913_941, count: 357_913_942, zeroBits: 3, slotsPerUnit: 1, noncesPerSlot: 12 },
  ])('equals the reference: %o', ({ index, count, ...rest }) => {
    const params = { prefix, ...rest }
    const output = runUnit(index, count, params)
    const expected = sha256NonceReference(index, params)
    expect(compareResults(output, expected, { mode: 'exact' })).toEqual({ equal: true })
  })

  test('bad params or sizes make run() fail with the kernel error code', () => {
    const params = { prefix, zeroBits: 8, slotsPerUnit: 4, noncesPerSlot: 16 }
    const unit = {
      index: 0,
      count: 1,
      params: packParams(sha256NonceManifestParams(params)),
      input: new Uint8Array(0),
      outputBytes: 32,
    }
    expect(() => runWasmUnit(instance, { ...unit, params: unit.params.subarray(0, 16) })).toThrow(
      expect.objectContaining({
        code: 'kernel/run-failed',
        kernelCode: sha256NonceKernelErrorCodes.paramsLength,
      }),
    )
    expect(() =>
      runWasmUnit(instance, {
        ...unit,
        params: packParams(sha256NonceManifestParams({ ...params, zeroBits: 33 })),
      }),
    ).toThrow(expect.objectContaining({ kernelCode: sha256NonceKernelErrorCodes.invalidParams }))
    expect(() => runWasmUnit(instance, { ...unit, outputBytes: 24 })).toThrow(
      expect.objectContaining({ kernelCode: sha256NonceKernelErrorCodes.outputLength }),
    )
  })

  // The whole sample job (2²⁵ hashes, a few seconds): it must find a few hits, each a real one.
  test('the sample job finds a few hits, each with the leading zero bits', () => {
    const params = sha256NonceSampleParams
    const results = Array.from({ length: 16 }, (_, index) => runUnit(index, 16, params))
    const hits = results.flatMap((output) => sha256NonceHits(output))
    expect(hits.length).toBeGreaterThanOrEqual(3)
    expect(hits.length).toBeLessThanOrEqual(20)
    for (const { nonce } of hits) {
      const digest = createHash('sha256').update(sha256NonceMessage(prefix, nonce)).digest()
      expect(digest.readUInt32BE(0) >>> (32 - params.zeroBits), `nonce ${nonce}`).toBe(0)
    }
  }, 60_000)
})
