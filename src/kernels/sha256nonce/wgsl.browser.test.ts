import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startGpuTestWorker, type GpuTestWorker } from '../../workers/webgpu/startGpuTestWorker.ts'
import { compareResults } from '../../tasks/compareResults.ts'
import { createWgslUnitProgram } from '../../tasks/createWgslUnitProgram.ts'
import type { Manifest, WgslKernelRef } from '../../tasks/manifestSchema.ts'
import { packParams } from '../../tasks/packParams.ts'
import { packUnitUniform } from '../../tasks/packUnitUniform.ts'
import { createSha256NoncePackage, sha256NonceSampleParams } from './catalogue.ts'
import {
  sha256NonceManifestParams,
  sha256NonceSlotBytes,
  type Sha256NonceParams,
} from './params.ts'
import { sha256NonceReference } from './reference.ts'

// The catalogue job's WGSL kernel, run the way a volunteer's GPU worker runs it (the manifest's
// kernel through createWgslUnitProgram and the unit uniform), on SwiftShader: smaller searches
// than the sample job, with the same message prefix.

let gpu: GpuTestWorker
let manifest: Manifest
let kernel: WgslKernelRef
let source: string

beforeAll(async () => {
  gpu = startGpuTestWorker()
  await gpu.api.start({ allowFallbackAdapter: true })
  const job = await createSha256NoncePackage()
  const wgsl = job.manifest.kernels.find((k) => k.kind === 'wgsl')
  if (!wgsl || job.wgsl === undefined) throw new Error('the job has no WGSL kernel')
  manifest = job.manifest
  kernel = wgsl
  source = job.wgsl
})

afterAll(() => gpu.terminate())

const prefix = sha256NonceSampleParams.prefix

async function runUnit(
  index: number,
  count: number,
  params: Sha256NonceParams,
  workgroupOffset = 0,
  workgroups?: number,
): Promise<Uint8Array> {
  const outputBytes = params.slotsPerUnit * sha256NonceSlotBytes
  const program = createWgslUnitProgram(kernel, source, outputBytes)
  const { output } = await gpu.api.run(
    workgroups === undefined ? program : { ...program, workgroups: { linear: workgroups } },
    {
      input: new Uint8Array(4),
      params: packUnitUniform(
        { index, count, inputBytes: 0, workgroupOffset },
        packParams(sha256NonceManifestParams(params)),
      ),
      outputBytes,
    },
  )
  return output
}

describe('sha256nonce WGSL kernel in a worker', () => {
  // 200 slots leave the last of 4 workgroups part empty; 0 and 32 bits are the mask's edges.
  test.each([
    { index: 0, count: 10, zeroBits: 6, slotsPerUnit: 200, noncesPerSlot: 32 },
    { index: 7, count: 10, zeroBits: 5, slotsPerUnit: 200, noncesPerSlot: 33 },
    { index: 3, count: 4, zeroBits: 0, slotsPerUnit: 5, noncesPerSlot: 3 },
    { index: 2, count: 4, zeroBits: 32, slotsPerUnit: 70, noncesPerSlot: 16 },
    // The first nonce is 2³² − 4: the run wraps to 0 .. 7.
    { index: 357_913_941, count: 357_913_942, zeroBits: 3, slotsPerUnit: 1, noncesPerSlot: 12 },
  ])('equals the reference: %o', async ({ index, count, ...rest }) => {
    const params = { prefix, ...rest }
    const output = await runUnit(index, count, params)
    const expected = sha256NonceReference(index, params)
    expect(compareResults(output, expected, manifest.comparison)).toEqual({ equal: true })
  })

  test('a dispatch cut into slices by workgroupOffset gives the same output', async () => {
    const params = { prefix, zeroBits: 6, slotsPerUnit: 256, noncesPerSlot: 16 }
    const expected = sha256NonceReference(5, params)
    // Four workgroups of 64 slots: the first two in one slice, the last two in another.
    const first = await runUnit(5, 8, params, 0, 2)
    const second = await runUnit(5, 8, params, 2, 2)
    const half = expected.length / 2
    expect(
      compareResults(first.subarray(0, half), expected.subarray(0, half), manifest.comparison),
    ).toEqual({ equal: true })
    expect(
      compareResults(second.subarray(half), expected.subarray(half), manifest.comparison),
    ).toEqual({ equal: true })
    // Each slice leaves the other's slots as the engine cleared them.
    expect(first.subarray(half).every((byte) => byte === 0)).toBe(true)
  })
})
