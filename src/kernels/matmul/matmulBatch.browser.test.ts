import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { compareResults } from '../../tasks/compareResults.ts'
import { createWgslUnitProgram } from '../../tasks/createWgslUnitProgram.ts'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import { packParams } from '../../tasks/packParams.ts'
import { packUnitUniform } from '../../tasks/packUnitUniform.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import { startGpuTestWorker, type GpuTestWorker } from '../../workers/webgpu/startGpuTestWorker.ts'
import { instantiateWasmKernel, runWasmUnit, validateWasmKernel } from '../wasmAbi.ts'
import { createMatmulBatchPackage, sampleMatmulBatch, type MatmulBatchShape } from './catalogue.ts'
import { matmulBatchReference } from './matmulBatchReference.ts'

// The catalogue's matmul job as volunteers run it: its package (manifest, WGSL, wasm, sample
// input) cut into units, the WGSL through createWgslUnitProgram and the unit uniform on
// SwiftShader, compared by the manifest's float comparison with the reference and with the wasm
// kernel, since a unit's replicas may come from either engine.

let gpu: GpuTestWorker

beforeAll(async () => {
  gpu = startGpuTestWorker()
  await gpu.api.start({ allowFallbackAdapter: true })
})

afterAll(() => gpu.terminate())

type Slice = { workgroupOffset: number; workgroups: number }

async function jobOf(shape: MatmulBatchShape) {
  const job: JobPackage = await createMatmulBatchPackage({ shape })
  const { manifest, wgsl, wasm, input } = job
  const kernel = manifest.kernels.find((k) => k.kind === 'wgsl')
  if (kernel?.kind !== 'wgsl' || !wgsl || !wasm || !input) throw new Error('an incomplete package')
  const bytes = new Uint8Array(await input.arrayBuffer())
  const plan = planUnits(manifest, bytes.length)
  const params = packParams(manifest.params)
  const unitInput = (index: number) => {
    const { start, end } = plan.inputRange(index)
    return bytes.slice(start, end)
  }

  /** One unit on the GPU; with `slices`, as several dispatches the way the engine may cut one. */
  async function runGpu(index: number, slices?: Slice[]): Promise<Uint8Array> {
    const slice = unitInput(index)
    const outputBytes = plan.outputBytes(index)
    const program = createWgslUnitProgram(kernel!, wgsl!, outputBytes)
    const header = { index, count: plan.unitCount, inputBytes: slice.length }
    const run = (part?: Slice) =>
      gpu.api.run(part ? { ...program, workgroups: { linear: part.workgroups } } : program, {
        input: slice,
        params: packUnitUniform({ ...header, workgroupOffset: part?.workgroupOffset ?? 0 }, params),
        outputBytes,
      })
    if (!slices) return (await run()).output
    // Each dispatch clears the output: keep from each the words its workgroups wrote.
    const output = new Uint8Array(outputBytes)
    for (const part of slices) {
      const { output: written } = await run(part)
      const [start, end] = [part.workgroupOffset, part.workgroupOffset + part.workgroups].map(
        (group) => Math.min(group * 64 * 4, outputBytes),
      )
      output.set(written.subarray(start, end), start)
    }
    return output
  }

  const module = await WebAssembly.compile(wasm)
  validateWasmKernel(module)
  const instance = await instantiateWasmKernel(module)
  const runWasm = (index: number) =>
    runWasmUnit(instance, {
      index,
      count: plan.unitCount,
      params,
      input: unitInput(index),
      outputBytes: plan.outputBytes(index),
    }).output
  const reference = (index: number) => matmulBatchReference({ input: unitInput(index), n: shape.n })

  return { manifest, plan, runGpu, runWasm, reference }
}

describe('batch matmul WGSL kernel in a worker', () => {
  test('every sample unit equals the reference and the wasm kernel within the tolerance', async () => {
    const { manifest, plan, runGpu, runWasm, reference } = await jobOf(sampleMatmulBatch)
    expect(plan.unitCount).toBe(13)
    for (let index = 0; index < plan.unitCount; index++) {
      const gpuOutput = await runGpu(index)
      expect(gpuOutput.length).toBe(plan.outputBytes(index))
      // Either result may be the first of a group, the one the others are compared with.
      for (const [a, b, what] of [
        [gpuOutput, reference(index), 'reference'],
        [gpuOutput, runWasm(index), 'wasm'],
        [runWasm(index), gpuOutput, 'wasm as first'],
      ] as const)
        expect(compareResults(a, b, manifest.comparison), `unit ${index} vs ${what}`).toEqual({
          equal: true,
        })
    }
  })

  test.each([
    { n: 1, pairs: 5, pairsPerUnit: 2 },
    { n: 7, pairs: 5, pairsPerUnit: 2 },
    { n: 130, pairs: 2, pairsPerUnit: 1 },
  ])('every unit of $pairs pairs of $n×$n, $pairsPerUnit per unit', async (shape) => {
    const { manifest, plan, runGpu, reference } = await jobOf(shape)
    for (let index = 0; index < plan.unitCount; index++)
      expect(compareResults(await runGpu(index), reference(index), manifest.comparison)).toEqual({
        equal: true,
      })
  })

  test('a dispatch cut into slices at workgroupOffset gives the same unit', async () => {
    // 3 pairs of 9×9: 243 elements, 4 workgroups of 64, the last one partial.
    const { manifest, runGpu, reference } = await jobOf({ n: 9, pairs: 3, pairsPerUnit: 3 })
    const sliced = await runGpu(0, [
      { workgroupOffset: 0, workgroups: 1 },
      { workgroupOffset: 1, workgroups: 2 },
      { workgroupOffset: 3, workgroups: 1 },
    ])
    expect(compareResults(sliced, reference(0), manifest.comparison)).toEqual({ equal: true })
  })
})
