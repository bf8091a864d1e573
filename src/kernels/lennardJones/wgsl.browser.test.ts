import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startGpuTestWorker, type GpuTestWorker } from '../../workers/webgpu/startGpuTestWorker.ts'
import { compareResults } from '../../tasks/compareResults.ts'
import { createWgslUnitProgram } from '../../tasks/createWgslUnitProgram.ts'
import type { Manifest, WgslKernelRef } from '../../tasks/manifestSchema.ts'
import { packParams } from '../../tasks/packParams.ts'
import { packUnitUniform } from '../../tasks/packUnitUniform.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import { createLennardJonesPackage } from './catalogue.ts'
import { createSampleSystems } from './createSampleSystems.ts'
import {
  lennardJonesManifestParams,
  lennardJonesSampleParams,
  type LennardJonesParams,
} from './params.ts'
import { lennardJonesReference } from './reference.ts'
import { systemBytes } from './systemLayout.ts'

// The catalogue job's WGSL kernel, run the way a volunteer's GPU worker runs it (the manifest's
// kernel through createWgslUnitProgram and the unit uniform), on SwiftShader, against the
// reference by the manifest's float comparison.

let gpu: GpuTestWorker
let manifest: Manifest
let kernel: WgslKernelRef
let source: string

beforeAll(async () => {
  gpu = startGpuTestWorker()
  await gpu.api.start({ allowFallbackAdapter: true })
  const job = await createLennardJonesPackage()
  const wgsl = job.manifest.kernels.find((k) => k.kind === 'wgsl')
  if (!wgsl || job.wgsl === undefined) throw new Error('the job has no WGSL kernel')
  manifest = job.manifest
  kernel = wgsl
  source = job.wgsl
})

afterAll(() => gpu.terminate())

const sample = lennardJonesSampleParams

type UnitRun = {
  input: Uint8Array
  params: LennardJonesParams
  index?: number
  count?: number
  slice?: { workgroupOffset: number; workgroups: number }
}

async function runUnit({ input, params, index = 0, count = 1, slice }: UnitRun) {
  const program = createWgslUnitProgram(kernel, source, input.length)
  const { output } = await gpu.api.run(
    slice ? { ...program, workgroups: { linear: slice.workgroups } } : program,
    {
      input,
      params: packUnitUniform(
        { index, count, inputBytes: input.length, workgroupOffset: slice?.workgroupOffset ?? 0 },
        packParams(lennardJonesManifestParams(params)),
      ),
      outputBytes: input.length,
    },
  )
  return output
}

const bytesOf = (floats: Float32Array) =>
  new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength)

function reference(input: Uint8Array, params: LennardJonesParams): Uint8Array {
  const floats = new Float32Array(input.slice().buffer)
  return bytesOf(lennardJonesReference(floats, params))
}

describe('lennardJones WGSL kernel in a worker', () => {
  test('every unit of a job, the short last one included, equals the reference', async () => {
    const input = bytesOf(
      createSampleSystems({ systems: 5, box: sample.box, temperature: 1, seed: 21 }),
    )
    const plan = planUnits(
      { ...manifest, units: { mode: 'split', itemBytes: systemBytes, itemsPerUnit: 2 } },
      input.length,
    )
    expect(plan.unitCount).toBe(3)
    for (let index = 0; index < plan.unitCount; index++) {
      const { start, end } = plan.inputRange(index)
      const slice = input.slice(start, end)
      const output = await runUnit({ input: slice, params: sample, index, count: 3 })
      expect(output.length).toBe(plan.outputBytes(index))
      expect(compareResults(output, reference(slice, sample), manifest.comparison)).toEqual({
        equal: true,
      })
    }
  })

  test('without steps it returns the input with the energies of the start', async () => {
    const input = bytesOf(
      createSampleSystems({ systems: 2, box: sample.box, temperature: 1, seed: 3 }),
    )
    const params = { ...sample, steps: 0 }
    const output = await runUnit({ input, params })
    expect(compareResults(output, reference(input, params), manifest.comparison)).toEqual({
      equal: true,
    })
  })

  test('a dispatch cut into slices by workgroupOffset gives the same output', async () => {
    const input = bytesOf(
      createSampleSystems({ systems: 3, box: sample.box, temperature: 1, seed: 8 }),
    )
    const params = { ...sample, steps: 20 }
    const expected = reference(input, params)
    // One workgroup per system: the first in one slice, the other two in another.
    const first = await runUnit({ input, params, slice: { workgroupOffset: 0, workgroups: 1 } })
    const rest = await runUnit({ input, params, slice: { workgroupOffset: 1, workgroups: 2 } })
    const split = systemBytes
    expect(
      compareResults(first.subarray(0, split), expected.subarray(0, split), manifest.comparison),
    ).toEqual({ equal: true })
    expect(
      compareResults(rest.subarray(split), expected.subarray(split), manifest.comparison),
    ).toEqual({ equal: true })
    // Each slice leaves the other's systems as the engine cleared them.
    expect(first.subarray(split).every((byte) => byte === 0)).toBe(true)
    expect(rest.subarray(0, split).every((byte) => byte === 0)).toBe(true)
  })
})
