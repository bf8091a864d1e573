import { afterAll, beforeAll, expect, test } from 'vitest'
import { startGpuTestWorker, type GpuTestWorker } from '../../workers/webgpu/startGpuTestWorker.ts'
import { compareResults } from '../compareResults.ts'
import { createWgslUnitProgram } from '../createWgslUnitProgram.ts'
import { packParams } from '../packParams.ts'
import { packUnitUniform } from '../packUnitUniform.ts'
import { parseManifest } from '../parseManifest.ts'
import { planUnits } from '../planUnits.ts'
import manifestText from './scaleOffset.manifest.json?raw'
import source from './scaleOffset.wgsl?raw'

// The WGSL example of docs/task-api.md, run the way a volunteer's GPU worker runs it: the
// manifest's kernel through createWgslUnitProgram and the unit uniform, on a short last unit.

let gpu: GpuTestWorker

beforeAll(async () => {
  gpu = startGpuTestWorker()
  await gpu.api.start({ allowFallbackAdapter: true })
})

afterAll(() => gpu.terminate())

test('scale and offset: every unit, the short last one included, equals a·x + b', async () => {
  const manifest = parseManifest(manifestText)
  const kernel = manifest.kernels[0]
  if (kernel?.kind !== 'wgsl') throw new Error('the example is a WGSL kernel')
  const items = 100_000
  const input = new Float32Array(items).map((_, i) => Math.sin(i) * 1000)
  const bytes = new Uint8Array(input.buffer)
  const plan = planUnits(manifest, bytes.length)
  const params = packParams(manifest.params)
  for (let index = 0; index < plan.unitCount; index++) {
    const { start, end } = plan.inputRange(index)
    const slice = bytes.slice(start, end)
    const outputBytes = plan.outputBytes(index)
    const { output } = await gpu.api.run(createWgslUnitProgram(kernel, source, outputBytes), {
      input: slice,
      params: packUnitUniform({ index, count: plan.unitCount, inputBytes: slice.length }, params),
      outputBytes,
    })
    const x = new Float32Array(slice.buffer)
    const expected = new Float32Array(x.map((v) => Math.fround(Math.fround(2 * v) + 0.5)))
    expect(output.length).toBe(outputBytes)
    expect(compareResults(output, new Uint8Array(expected.buffer), manifest.comparison)).toEqual({
      equal: true,
    })
  }
})

test('scale and offset: a unit cut into dispatch slices (the GPU share) gives the same output', async () => {
  const manifest = parseManifest(manifestText)
  const kernel = manifest.kernels[0]
  if (kernel?.kind !== 'wgsl') throw new Error('the example is a WGSL kernel')
  const input = new Float32Array(65_536).map((_, i) => i / 7)
  const bytes = new Uint8Array(input.buffer)
  const unit = {
    input: bytes,
    params: packUnitUniform(
      { index: 0, count: 1, inputBytes: bytes.length },
      packParams(manifest.params),
    ),
    outputBytes: bytes.length,
  }
  const program = createWgslUnitProgram(kernel, source, bytes.length)
  expect(program.workgroups?.linear).toBe(1024)
  const whole = await gpu.api.run(program, unit)
  // Slices of ~0.05 ms: many slices, each at its own workgroupOffset, resting between them.
  const sliced = await gpu.api.run(program, unit, { maxSliceMs: 0.05, share: 0.5 })
  expect(sliced.output).toEqual(whole.output)
  // A generous budget: slices grow from the first one's 16 workgroups.
  const growing = await gpu.api.run(program, unit, { maxSliceMs: 1000, share: 1 })
  expect(growing.output).toEqual(whole.output)
  const expected = new Float32Array(input.map((v) => Math.fround(Math.fround(2 * v) + 0.5)))
  expect(
    compareResults(sliced.output, new Uint8Array(expected.buffer), manifest.comparison),
  ).toEqual({ equal: true })
})
