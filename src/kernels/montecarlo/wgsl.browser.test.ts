import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startGpuTestWorker, type GpuTestWorker } from '../../workers/webgpu/startGpuTestWorker.ts'
import { assembleOutputs } from '../../tasks/assembleOutputs.ts'
import { compareResults } from '../../tasks/compareResults.ts'
import { createWgslUnitProgram } from '../../tasks/createWgslUnitProgram.ts'
import type { Manifest, WgslKernelRef } from '../../tasks/manifestSchema.ts'
import { packParams } from '../../tasks/packParams.ts'
import { packUnitUniform } from '../../tasks/packUnitUniform.ts'
import { createMontecarloPackage } from './catalogue.ts'
import { montecarloManifestParams, type MontecarloParams } from './params.ts'
import { montecarloReference } from './reference.ts'

// The catalogue job's WGSL kernel, run the way a volunteer's GPU worker runs it (the manifest's
// kernel through createWgslUnitProgram and the unit uniform), on SwiftShader: fewer points than
// the sample job, compared exactly with the reference.

let gpu: GpuTestWorker
let manifest: Manifest
let kernel: WgslKernelRef
let source: string

beforeAll(async () => {
  gpu = startGpuTestWorker()
  await gpu.api.start({ allowFallbackAdapter: true })
  const job = await createMontecarloPackage()
  const wgsl = job.manifest.kernels.find((k) => k.kind === 'wgsl')
  if (!wgsl || job.wgsl === undefined) throw new Error('the job has no WGSL kernel')
  manifest = job.manifest
  kernel = wgsl
  source = job.wgsl
})

afterAll(() => gpu.terminate())

type UnitRun = {
  index: number
  count: number
  params: MontecarloParams
  invocations: number
  slice?: { workgroupOffset: number; workgroups: number }
}

async function runUnit({ index, count, params, invocations, slice }: UnitRun) {
  const outputBytes = invocations * 32
  const program = createWgslUnitProgram(kernel, source, outputBytes)
  const { output } = await gpu.api.run(
    slice ? { ...program, workgroups: { linear: slice.workgroups } } : program,
    {
      input: new Uint8Array(4),
      params: packUnitUniform(
        { index, count, inputBytes: 0, workgroupOffset: slice?.workgroupOffset ?? 0 },
        packParams(montecarloManifestParams(params)),
      ),
      outputBytes,
    },
  )
  return output
}

describe('montecarlo WGSL kernel in a worker', () => {
  // 65 and 200 invocations leave the last workgroup part empty.
  test.each([
    { index: 0, count: 1, seed: 42, samples: 300, invocations: 1 },
    { index: 5, count: 32, seed: 42, samples: 200, invocations: 65 },
    { index: 31, count: 32, seed: 0, samples: 64, invocations: 200 },
    { index: 9_999_998, count: 9_999_999, seed: 0xffffffff, samples: 100, invocations: 3 },
    { index: 2, count: 4, seed: 1, samples: 0, invocations: 2 },
  ])('equals the reference exactly: %o', async ({ index, count, invocations, ...params }) => {
    const output = await runUnit({ index, count, params, invocations })
    const expected = montecarloReference({ index, params, outputBytes: invocations * 32 })
    expect(compareResults(output, expected, manifest.comparison)).toEqual({ equal: true })
  })

  test('a dispatch cut into slices by workgroupOffset gives the same output', async () => {
    const params = { seed: 3, samples: 50 }
    const unit = { index: 4, count: 8, params, invocations: 128 }
    const expected = montecarloReference({ index: 4, params, outputBytes: 128 * 32 })
    // Two workgroups of 64 invocations, one slice each.
    const first = await runUnit({ ...unit, slice: { workgroupOffset: 0, workgroups: 1 } })
    const second = await runUnit({ ...unit, slice: { workgroupOffset: 1, workgroups: 1 } })
    const half = expected.length / 2
    expect(
      compareResults(first.subarray(0, half), expected.subarray(0, half), manifest.comparison),
    ).toEqual({
      equal: true,
    })
    expect(
      compareResults(second.subarray(half), expected.subarray(half), manifest.comparison),
    ).toEqual({
      equal: true,
    })
    // Each slice leaves the other's words as the engine cleared them.
    expect(first.subarray(half).every((byte) => byte === 0)).toBe(true)
    expect(second.subarray(0, half).every((byte) => byte === 0)).toBe(true)
  })

  test('units from the GPU and from the CPU assemble into the same output', async () => {
    const params = { seed: 11, samples: 100 }
    const count = 4
    const reference = (index: number) =>
      montecarloReference({ index, params, outputBytes: 64 * 32 })
    const mixed = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        index % 2 === 0 ? runUnit({ index, count, params, invocations: 64 }) : reference(index),
      ),
    )
    const assemble = manifest.output.assemble
    expect(assembleOutputs(assemble, mixed)).toEqual(
      assembleOutputs(
        assemble,
        Array.from({ length: count }, (_, index) => reference(index)),
      ),
    )
  })
})
