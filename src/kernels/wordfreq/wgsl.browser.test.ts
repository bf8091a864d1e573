import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startGpuTestWorker, type GpuTestWorker } from '../../workers/webgpu/startGpuTestWorker.ts'
import { compareResults } from '../../tasks/compareResults.ts'
import { createWgslUnitProgram } from '../../tasks/createWgslUnitProgram.ts'
import type { Manifest, WgslKernelRef } from '../../tasks/manifestSchema.ts'
import { packParams } from '../../tasks/packParams.ts'
import { packUnitUniform } from '../../tasks/packUnitUniform.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import { createWordfreqPackage } from './catalogue.ts'
import { wordfreqBucketsParam } from './params.ts'
import { wordfreqReference } from './reference.ts'

// The catalogue job's WGSL kernel, run the way a volunteer's GPU worker runs it (the manifest's
// kernel through createWgslUnitProgram and the unit uniform), on SwiftShader.

let gpu: GpuTestWorker
let manifest: Manifest
let kernel: WgslKernelRef
let source: string
let text: Uint8Array

beforeAll(async () => {
  gpu = startGpuTestWorker()
  await gpu.api.start({ allowFallbackAdapter: true })
  const job = await createWordfreqPackage()
  const wgsl = job.manifest.kernels.find((k) => k.kind === 'wgsl')
  if (!wgsl || job.wgsl === undefined || !job.input) throw new Error('the job lacks a part')
  manifest = job.manifest
  kernel = wgsl
  source = job.wgsl
  text = new Uint8Array(await job.input.arrayBuffer())
})

afterAll(() => gpu.terminate())

type Run = { index: number; count: number; input: Uint8Array; buckets: number }

async function runUnit(run: Run, slice?: { workgroupOffset: number; workgroups: number }) {
  const outputBytes = run.buckets * 4
  const program = createWgslUnitProgram(kernel, source, outputBytes)
  const { output } = await gpu.api.run(
    slice ? { ...program, workgroups: { linear: slice.workgroups } } : program,
    {
      input: run.input,
      params: packUnitUniform(
        {
          index: run.index,
          count: run.count,
          inputBytes: run.input.length,
          workgroupOffset: slice?.workgroupOffset ?? 0,
        },
        packParams([{ name: wordfreqBucketsParam, type: 'u32', value: run.buckets }]),
      ),
      outputBytes,
    },
  )
  return output
}

function expectReference(output: Uint8Array, run: Run): void {
  const expected = wordfreqReference(run.input, run.buckets)
  expect(compareResults(output, expected, manifest.comparison)).toEqual({ equal: true })
}

describe('wordfreq WGSL kernel in a worker', () => {
  test('the first, a middle and the short last unit of the sample job equal the reference', async () => {
    const plan = planUnits(manifest, text.length)
    const buckets = plan.outputBytes(0) / 4
    for (const index of [0, 17, plan.unitCount - 1]) {
      const { start, end } = plan.inputRange(index)
      const run = { index, count: plan.unitCount, input: text.slice(start, end), buckets }
      expectReference(await runUnit(run), run)
    }
  })

  const encode = (value: string) => new TextEncoder().encode(value)
  // With 64 buckets, spans are a few bytes: words start, end and run across span edges. Lengths
  // that are not a multiple of 4 end in the zero padding of the last word.
  test.each([
    ['letters at both edges', 'Edge words and EDGE'],
    ['a word across many spans', 'x'.repeat(1001) + ' yy ' + 'Z'.repeat(333)],
    ['UTF-8 and punctuation', "naïve café, don't; well-known 1999 Œuvre"],
    ['no words', ' 12 \n\t ... '],
    ['one letter', 'q'],
  ])('%s equals the reference in 1, 7, 64 and 4096 buckets', async (_, value) => {
    const input = encode(value)
    for (const buckets of [1, 7, 64, 4096]) {
      const run = { index: 1, count: 3, input, buckets }
      expectReference(await runUnit(run), run)
    }
  })

  test('a dispatch cut into slices by workgroupOffset adds up to the whole', async () => {
    const run = { index: 0, count: 1, input: text.slice(0, 20_000), buckets: 256 }
    // Four workgroups of 64 invocations: the first in one slice, the other three in another.
    const first = new Uint32Array(
      (await runUnit(run, { workgroupOffset: 0, workgroups: 1 })).buffer,
    )
    const rest = new Uint32Array((await runUnit(run, { workgroupOffset: 1, workgroups: 3 })).buffer)
    const sum = new Uint8Array(first.map((n, i) => n + rest[i]!).buffer)
    expect(first.some((n) => n > 0) && rest.some((n) => n > 0)).toBe(true)
    expectReference(sum, run)
  })
})
