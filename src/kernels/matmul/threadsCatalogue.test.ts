import { describe, expect, test } from 'vitest'
import { planUnits } from '../../tasks/planUnits.ts'
import { fetchBuiltWasm } from '../testing/fetchBuiltWasm.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import { validateWasmKernel, runWasmUnit } from '../wasmAbi.ts'
import { createMatmulSampleInput } from './createMatmulSampleInput.ts'
import { matmulBatchReference } from './matmulBatchReference.ts'
import { createLargeMatmulPackage, largeMatmulCatalogueEntry } from './threadsCatalogue.ts'

describe('large matmul catalogue entry (WASM threads)', () => {
  test('the sample package names the threaded kernel and cuts one unit per product', async () => {
    const { manifest, wasm, input } = await createLargeMatmulPackage({ fetchWasm: fetchBuiltWasm })
    expect(largeMatmulCatalogueEntry.id).toBe('matmul-threads')
    expect(validateWasmKernel(await WebAssembly.compile(wasm!))).toEqual({ threaded: true })
    const plan = planUnits(manifest, input!.size)
    expect(plan.unitCount).toBe(4)
    expect(plan.outputBytes(3)).toBe(4 * 512 * 512)
  })

  test('a unit of the sample is its pair’s product, as the batch reference computes it', async () => {
    const n = 64
    const pairs = createMatmulSampleInput({ n, pairs: 3 })
    const instance = await instantiateBuiltKernel('matmulThreads')
    const expected = new Float32Array(
      matmulBatchReference({ input: pairs.subarray(8 * n * n * 2), n }).buffer,
    )
    const { output } = runWasmUnit(instance, {
      index: 2,
      count: 3,
      params: new Uint8Array(new Uint32Array([n, 0, 0, 0]).buffer),
      input: pairs.subarray(8 * n * n * 2),
      outputBytes: 4 * n * n,
    })
    const actual = new Float32Array(output.buffer)
    for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 3)
  })
})
