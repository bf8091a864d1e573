import { beforeAll, describe, expect, test } from 'vitest'
import { compareResults } from '../../tasks/compareResults.ts'
import { packParams } from '../../tasks/packParams.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import { validateManifest } from '../../tasks/validateManifest.ts'
import { runWasmUnit } from '../wasmAbi.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import { matmulBatchManifest, sampleMatmulBatch, type MatmulBatchShape } from './catalogue.ts'
import { createMatmulSampleInput } from './createMatmulSampleInput.ts'
import { matmulBatchKernelErrorCodes } from './matmulBatchKernelErrorCodes.ts'
import { matmulBatchReference } from './matmulBatchReference.ts'

let instance: WebAssembly.Instance

beforeAll(async () => {
  instance = await instantiateBuiltKernel('matmulBatch')
})

/** A job of this shape as the host cuts it: its manifest, units and their input slices. */
function jobOf(shape: MatmulBatchShape) {
  const draft = matmulBatchManifest(shape)
  // The hash does not matter here: the kernel is loaded from disk.
  const manifest = validateManifest({
    ...draft,
    kernels: [{ kind: 'wasm', sha256: '0'.repeat(64) }],
  })
  const input = createMatmulSampleInput(shape)
  const plan = planUnits(manifest, input.length)
  const unit = (index: number) => {
    const { start, end } = plan.inputRange(index)
    return {
      index,
      count: plan.unitCount,
      params: packParams(manifest.params),
      input: input.subarray(start, end),
      outputBytes: plan.outputBytes(index),
    }
  }
  return { manifest, plan, unit }
}

function expectUnitMatchesReference(shape: MatmulBatchShape, index: number): void {
  const { manifest, unit } = jobOf(shape)
  const run = unit(index)
  const { output } = runWasmUnit(instance, run)
  const expected = matmulBatchReference({ input: run.input, n: shape.n })
  expect(output.length).toBe(expected.length)
  expect(compareResults(output, expected, manifest.comparison), `unit ${index}`).toEqual({
    equal: true,
  })
}

describe('batch matmul wasm kernel', () => {
  test('the sample job has a short last unit', () => {
    const { plan } = jobOf(sampleMatmulBatch)
    expect(plan.unitCount).toBe(13)
    expect(plan.items(12)).toBe(4)
  })

  // The first unit, one in the middle, the short last one (4 pairs of 8).
  test.each([0, 6, 12])('sample unit %i equals the reference within the tolerance', (index) =>
    expectUnitMatchesReference(sampleMatmulBatch, index),
  )

  // 1, 3 and 7 are all scalar tail, 4 is all vectors, 130 mixes both.
  test.each([
    { n: 1, pairs: 5, pairsPerUnit: 2 },
    { n: 3, pairs: 7, pairsPerUnit: 3 },
    { n: 4, pairs: 3, pairsPerUnit: 3 },
    { n: 7, pairs: 5, pairsPerUnit: 2 },
    { n: 130, pairs: 2, pairsPerUnit: 1 },
  ])('every unit of $pairs pairs of $n×$n, $pairsPerUnit per unit', (shape) => {
    const { plan } = jobOf(shape)
    for (let index = 0; index < plan.unitCount; index++) expectUnitMatchesReference(shape, index)
  })

  test('a small product is exact', () => {
    const input = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer)
    const { output } = runWasmUnit(instance, {
      index: 1,
      count: 2,
      params: packParams([{ name: 'n', type: 'u32', value: 2 }]),
      input,
      outputBytes: 16,
    })
    expect([...new Float32Array(output.slice().buffer)]).toEqual([19, 22, 43, 50])
  })

  test('sizes that do not fit n make run() fail with the kernel error code', () => {
    const { unit } = jobOf({ n: 4, pairs: 6, pairsPerUnit: 3 })
    const good = unit(1)
    const params = (n: number) => packParams([{ name: 'n', type: 'u32', value: n }])
    const fails = (change: Partial<typeof good>, code: number) =>
      expect(() => runWasmUnit(instance, { ...good, ...change })).toThrow(
        expect.objectContaining({ code: 'kernel/run-failed', kernelCode: code }),
      )
    fails({ params: good.params.subarray(0, 4) }, matmulBatchKernelErrorCodes.paramsLength)
    fails({ params: params(0) }, matmulBatchKernelErrorCodes.invalidParams)
    fails({ params: params(4096) }, matmulBatchKernelErrorCodes.invalidParams)
    fails({ params: params(5) }, matmulBatchKernelErrorCodes.inputLength)
    fails({ input: good.input.subarray(4) }, matmulBatchKernelErrorCodes.inputLength)
    fails({ input: new Uint8Array(0) }, matmulBatchKernelErrorCodes.inputLength)
    fails({ outputBytes: good.outputBytes - 4 }, matmulBatchKernelErrorCodes.outputLength)
  })
})
