import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { startGpuTestWorker, type GpuTestWorker } from '../../workers/webgpu/startGpuTestWorker.ts'
import { compareResults } from '../../tasks/compareResults.ts'
import { createWgslUnitProgram } from '../../tasks/createWgslUnitProgram.ts'
import type { Manifest, WgslKernelRef } from '../../tasks/manifestSchema.ts'
import { packParams } from '../../tasks/packParams.ts'
import { packUnitUniform } from '../../tasks/packUnitUniform.ts'
import { validateManifest } from '../../tasks/validateManifest.ts'
import { fractalManifest, sampleFractalParams } from './catalogue.ts'
import { mulShift, toFixed } from './fixedPoint.ts'
import source from './fractal.wgsl?raw'
import { fractalUnitCount, type FractalParams } from './params.ts'
import { fractalReference } from './reference.ts'

// The fractal WGSL kernel run the way a volunteer's GPU worker runs it (createWgslUnitProgram,
// the unit uniform, the linear dispatch) on SwiftShader, against the TypeScript reference with
// the manifest's comparison: exact.

let gpu: GpuTestWorker

beforeAll(async () => {
  gpu = startGpuTestWorker()
  await gpu.api.start({ allowFallbackAdapter: true })
})

afterAll(() => gpu.terminate())

/** The validated manifest of a job, its WGSL kernel hashed as a requester's would be. */
async function manifestFor(params: FractalParams): Promise<Manifest & { wgsl: WgslKernelRef }> {
  const draft = fractalManifest(params)
  const sha256 = await sha256Hex(new TextEncoder().encode(source))
  const manifest = validateManifest({
    ...draft,
    kernels: draft.kernels.filter((k) => k.kind === 'wgsl').map((k) => ({ ...k, sha256 })),
  })
  const wgsl = manifest.kernels[0]
  if (wgsl?.kind !== 'wgsl') throw new Error('the fractal job has a WGSL kernel')
  return { ...manifest, wgsl }
}

type Slice = { workgroupOffset: number; workgroups: number }

/** One unit on the GPU; with `slices`, as several dispatches the way the engine may cut one. */
async function runTile(
  manifest: Awaited<ReturnType<typeof manifestFor>>,
  index: number,
  slices?: Slice[],
): Promise<Uint8Array> {
  const outputBytes = manifest.output.bytesPerUnit ?? 0
  const program = createWgslUnitProgram(manifest.wgsl, source, outputBytes)
  const params = packParams(manifest.params)
  const header = { index, count: fractalUnitCount(paramsOf(manifest)), inputBytes: 0 }
  const run = (slice?: Slice) =>
    gpu.api.run(slice ? { ...program, workgroups: { linear: slice.workgroups } } : program, {
      input: new Uint8Array(4),
      params: packUnitUniform({ ...header, workgroupOffset: slice?.workgroupOffset ?? 0 }, params),
      outputBytes,
    })
  if (!slices) return (await run()).output
  // Each dispatch clears the output: keep from each the words its workgroups wrote.
  const output = new Uint8Array(outputBytes)
  for (const slice of slices) {
    const part = (await run(slice)).output
    const [start, end] = [slice.workgroupOffset, slice.workgroupOffset + slice.workgroups].map(
      (group) => Math.min(group * 64 * 4, outputBytes),
    )
    output.set(part.subarray(start, end), start)
  }
  return output
}

function paramsOf(manifest: Manifest): FractalParams {
  const value = (name: string) => manifest.params.find((p) => p.name === name)?.value ?? NaN
  return {
    centreX: value('centreX'),
    centreY: value('centreY'),
    pixelSize: value('pixelSize'),
    width: value('width'),
    height: value('height'),
    tileWidth: value('tileWidth'),
    tileHeight: value('tileHeight'),
    maxIterations: value('maxIterations'),
  }
}

async function expectTileEqualsReference(
  params: FractalParams,
  index: number,
  slices?: Slice[],
): Promise<void> {
  const manifest = await manifestFor(params)
  const actual = await runTile(manifest, index, slices)
  const expected = fractalReference({ index, count: fractalUnitCount(params), params })
  expect(compareResults(actual, expected, manifest.comparison), `tile ${index}`).toEqual({
    equal: true,
  })
}

// The sample view with fewer iterations, so the TypeScript reference keeps up.
const sampleView: FractalParams = { ...sampleFractalParams, maxIterations: 100 }

// 7×7 tiles: 49 pixels, less than one workgroup, so most invocations return early.
const oddSizes: FractalParams = {
  centreX: toFixed(-0.6),
  centreY: toFixed(-0.1),
  pixelSize: toFixed(3 / 35),
  width: 35,
  height: 21,
  tileWidth: 7,
  tileHeight: 7,
  maxIterations: 77,
}

describe('fractal WGSL kernel in a worker', () => {
  // The first tile, one in the valley (19), one mostly inside the set (39), the last.
  test.each([0, 19, 39, 63])('sample view tile %i equals the reference', (index) =>
    expectTileEqualsReference(sampleView, index),
  )

  test('every tile of a small image with odd sizes equals the reference', async () => {
    for (let index = 0; index < fractalUnitCount(oddSizes); index++)
      await expectTileEqualsReference(oddSizes, index)
  })

  test('views whose coordinates wrap around i32 still equal the reference', async () => {
    const huge: FractalParams = {
      centreX: 0x7fffff00,
      centreY: -0x80000000,
      pixelSize: 0x7654321,
      width: 64,
      height: 48,
      tileWidth: 16,
      tileHeight: 16,
      maxIterations: 30,
    }
    await expectTileEqualsReference(huge, 5)
    const deep = {
      ...huge,
      centreX: toFixed(-0.743643887),
      centreY: toFixed(0.131825904),
      pixelSize: 1,
      maxIterations: 500,
    }
    await expectTileEqualsReference(deep, 7)
  })

  test('a dispatch cut into slices at workgroupOffset gives the same tile', async () => {
    // 40×30 tiles: 1200 pixels, 19 workgroups of 64, the last one partial.
    const params: FractalParams = {
      ...oddSizes,
      width: 80,
      height: 60,
      tileWidth: 40,
      tileHeight: 30,
    }
    await expectTileEqualsReference(params, 3, [
      { workgroupOffset: 0, workgroups: 7 },
      { workgroupOffset: 7, workgroups: 1 },
      { workgroupOffset: 8, workgroups: 11 },
    ])
  })
})

test('mulShift in WGSL equals the TypeScript one, extremes included', async () => {
  // A second entry point in the same module: the kernel's own mulShift on (a, b, shift) triples.
  const testSource = `${source}
@group(0) @binding(0) var<storage, read> cases: array<i32>;

@compute @workgroup_size(64)
fn testMulShift(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let i = group.x * 64u + local;
  if (i >= arrayLength(&output)) {
    return;
  }
  output[i] = bitcast<u32>(mulShift(cases[3u * i], cases[3u * i + 1u], u32(cases[3u * i + 2u])));
}
`
  const extremes = [0, 1, -1, 0xffff, 0x10000, -0x10000, 0x7fffffff, -0x80000000, 0x20000000]
  let state = 88172645
  const random = () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state | 0
  }
  const cases: number[] = []
  for (const shift of [16, 27, 28, 31]) {
    for (const a of extremes) for (const b of extremes) cases.push(a, b, shift)
    for (let i = 0; i < 200; i++) cases.push(random(), random(), shift)
  }
  const count = cases.length / 3
  const kernel: WgslKernelRef = {
    kind: 'wgsl',
    sha256: '0'.repeat(64),
    entry: 'testMulShift',
    workgroupSize: [64, 1, 1],
    elementsPerInvocation: 1,
  }
  const { output } = await gpu.api.run(createWgslUnitProgram(kernel, testSource, count * 4), {
    input: new Uint8Array(Int32Array.from(cases).buffer),
    params: packUnitUniform({ index: 0, count: 1, inputBytes: count * 12 }, new Uint8Array(32)),
    outputBytes: count * 4,
  })
  const actual = new Int32Array(output.buffer, output.byteOffset, count)
  for (let i = 0; i < count; i++) {
    const [a, b, shift] = [cases[3 * i]!, cases[3 * i + 1]!, cases[3 * i + 2]!]
    if (actual[i] !== mulShift(a, b, shift))
      expect(actual[i], `mulShift(${a}, ${b}, ${shift})`).toBe(mulShift(a, b, shift))
  }
})
